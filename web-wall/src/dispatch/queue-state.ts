// The dispatch queue in the API's order (severity, SLA deadline, age), which
// the store's Map of open incidents cannot give: fetched with the filters,
// patched at once by incident events and re-fetched (debounced) for the order.
import { effect, signal } from '@preact/signals';
import { api, ApiError } from '../api/client.ts';
import { on } from '../api/events.ts';
import type { Incident, IncidentStatus, Page, Severity } from '../api/types.ts';

export const OPEN_STATUSES: IncidentStatus[] = ['reported', 'accepted', 'dispatched', 'handling', 'feedback', 'verified', 'rated'];
export const SEVERITIES: Severity[] = ['critical', 'major', 'minor', 'warning'];
const CLOSED = new Set<IncidentStatus>(['archived', 'rejected', 'invalid']);
const QUEUE_LIMIT = 200;
const REFETCH_AFTER_MS = 400;

export const statusFilter = signal<IncidentStatus | ''>('');
export const severityFilter = signal<Severity | ''>('');
export const searchText = signal('');

export const queue = signal<Incident[]>([]);
export const queueTotal = signal(0);
export const queueLoaded = signal(false);
export const queueError = signal<{ message: string; field?: string } | null>(null);

function queuePath(): string {
  const params = new URLSearchParams({ open: 'true', order: 'queue', limit: String(QUEUE_LIMIT) });
  if (statusFilter.value) params.set('status', statusFilter.value);
  if (severityFilter.value) params.set('severity', severityFilter.value);
  const q = searchText.value.trim();
  if (q) params.set('q', q);
  return `/api/incidents?${params.toString()}`;
}

let inFlight: AbortController | null = null;

/** Fetches the queue with the current filters; a newer fetch cancels an older one. */
export async function loadQueue(): Promise<void> {
  inFlight?.abort();
  const mine = new AbortController();
  inFlight = mine;
  try {
    const page = await api<Page<Incident>>(queuePath(), { signal: mine.signal });
    queue.value = page.items;
    queueTotal.value = page.total;
    queueError.value = null;
  } catch (err) {
    if (mine.signal.aborted) return; // superseded by a newer fetch, which reports its own outcome
    queueError.value = err instanceof ApiError ? { message: err.message, field: err.field } : { message: (err as Error).message };
  } finally {
    if (inFlight === mine) {
      inFlight = null;
      queueLoaded.value = true;
    }
  }
}

/** Shows an event's copy of an incident right away; the re-fetch then puts it in order. */
function patch(incident: Incident): void {
  const at = queue.value.findIndex((i) => i.id === incident.id);
  if (at < 0) return;
  const old = queue.value[at]!;
  // The version moves with people's changes only; a system update (repeat, clear) keeps it and is newer by its time.
  if (old.version > incident.version || (old.version === incident.version && old.updatedAt > incident.updatedAt)) return;
  queue.value = CLOSED.has(incident.status) ? queue.value.filter((i) => i.id !== incident.id) : queue.value.map((i, n) => (n === at ? incident : i));
}

/** Follows the event stream and the filters while the view is shown; returns the stop. */
export function followQueue(): () => void {
  let timer: number | undefined;
  let first = true;
  const refetchSoon = () => {
    clearTimeout(timer);
    timer = window.setTimeout(() => void loadQueue(), REFETCH_AFTER_MS);
  };
  const onIncident = (i: Incident) => {
    patch(i);
    refetchSoon();
  };
  const stops = [
    on('incident.created', onIncident),
    on('incident.updated', onIncident),
    on('incident.transition', onIncident),
    on('incident.escalated', onIncident),
    on('reset', refetchSoon),
    on('connection', ({ open }) => {
      if (open) refetchSoon();
    }),
    // Reads the filters, so a change to any of them fetches again; the first run fetches at once.
    effect(() => {
      void queuePath();
      if (first) void loadQueue();
      else refetchSoon();
      first = false;
    }),
  ];
  return () => {
    clearTimeout(timer);
    inFlight?.abort();
    for (const stop of stops) stop();
  };
}
