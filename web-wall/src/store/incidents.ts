// Open incidents, kept current by the event stream: the wall's alarms and the
// dispatcher's queue both read from here. A reset (gap past retention) or a
// reconnect reloads the list.
import { computed, signal } from '@preact/signals';
import { api, apiAll } from '../api/client.ts';
import { on } from '../api/events.ts';
import type { Incident } from '../api/types.ts';

export const incidents = signal<Map<string, Incident>>(new Map());
const CLOSED = new Set(['archived', 'rejected', 'invalid']);

export const openIncidents = computed(() => [...incidents.value.values()].filter((i) => !CLOSED.has(i.status)));

/** Listeners for incidents that are new to this tab (alarms). */
const arrivals = new Set<(i: Incident) => void>();
export function onNewIncident(fn: (i: Incident) => void): () => void {
  arrivals.add(fn);
  return () => arrivals.delete(fn);
}

function put(i: Incident): void {
  const prev = incidents.value.get(i.id);
  // An older copy arriving late (system updates keep the version: their time tells).
  if (prev && (prev.version > i.version || (prev.version === i.version && prev.updatedAt > i.updatedAt))) return;
  const next = new Map(incidents.value);
  if (CLOSED.has(i.status)) next.delete(i.id);
  else next.set(i.id, i);
  incidents.value = next;
}

export async function reloadIncidents(): Promise<void> {
  const items = await apiAll<Incident>('/api/incidents?open=true&order=queue');
  incidents.value = new Map(items.map((i) => [i.id, i]));
}

let unsubscribe: Array<() => void> = [];
export function followIncidents(): void {
  for (const u of unsubscribe) u();
  unsubscribe = [
    on('incident.created', (i) => {
      put(i);
      for (const fn of arrivals) fn(i);
    }),
    on('incident.updated', put),
    on('incident.transition', put),
    on('incident.escalated', put),
    on('reset', () => void reloadIncidents()),
    on('connection', ({ open }) => {
      if (open) void reloadIncidents();
    }),
  ];
}

/** Merges an incident the API just returned (after an action) so views update before the event arrives. */
export const mergeIncident = put;

export interface ActionFields {
  note?: string;
  departmentId?: string;
  assignee?: string;
  rating?: number;
}

/** Takes an action; empty fields are left out so the gateway names the missing one. */
export function takeAction(incident: Incident, action: string, fields: ActionFields): Promise<Incident> {
  const body: Record<string, unknown> = { version: incident.version };
  for (const [name, value] of Object.entries(fields) as Array<[keyof ActionFields, string | number | undefined]>) {
    if (value !== undefined && value !== '') body[name] = typeof value === 'string' ? value.trim() || undefined : value;
  }
  return api<Incident>(`/api/incidents/${incident.id}/actions/${encodeURIComponent(action)}`, { method: 'POST', body });
}
