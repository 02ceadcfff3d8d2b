// Every figure of the dashboard (研判) for one period, read from the gateway's
// /api/stats/* (which count only the caller's cells), and how each item drills
// down: the incident list filter that lists exactly what it counted.
import { api } from '../api/client.ts';
import { dayWindow, hourWindow, localDay, windowQuery, type Window } from './period.ts';

export interface Item {
  key: string;
  value: number;
}
export interface SlaItem { key: string; dispatched: number; breached: number; breachRate: number }
export interface StepItem { to: string; count: number; avgSeconds: number; maxSeconds: number }
export interface HealthGroup { key: string; devices: number; online: number; onlineRate: number | null }
export interface OfflineDevice { entity: 'channels' | 'sensors'; id: string; name: string; kind: string; gridCode: string | null; reason: string | null; since: string | null; offlineSeconds: number | null }
export interface DeviceHealth { byKind: HealthGroup[]; byGrid: HealthGroup[]; longestOffline: OfflineDevice[] }

export interface Figures {
  window: Window;
  total: number;
  byType: Item[];
  bySource: Item[];
  byGrid: Item[];
  bySeverity: Item[];
  hourly: Item[];
  /** Hourly buckets summed per local day, every day of the period (zeros too). */
  daily: Item[];
  topGrids: Item[];
  sensorAlarms: Item[];
  steps: StepItem[];
  sla: { dispatched: number; breached: number; breachRate: number };
  slaByDepartment: SlaItem[];
  slaByGrid: SlaItem[];
  devices: DeviceHealth;
}

type Counts = { items: Array<{ key: string; count: number }> };
const items = (c: Counts): Item[] => c.items.map((i) => ({ key: i.key, value: i.count }));

export function dailyOf(hourly: Item[], w: Window): Item[] {
  const days = new Map<string, number>();
  for (let at = w.from; at < w.to; at += 3_600_000) days.set(localDay(at), 0);
  for (const h of hourly) {
    const day = localDay(Date.parse(h.key));
    days.set(day, (days.get(day) ?? 0) + h.value);
  }
  return [...days].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, value]) => ({ key, value }));
}

export async function loadFigures(w: Window): Promise<Figures> {
  const q = windowQuery(w);
  const counts = (by: string, extra = '') => api<Counts>(`/api/stats/incidents?by=${by}&${q}${extra}`).then(items);
  const [byType, bySource, byGrid, bySeverity, hourly, sensorAlarms, steps, sla, slaDept, slaGrid, devices] = await Promise.all([
    counts('type'), counts('source'), counts('grid'), counts('severity'), counts('hour'), counts('type', '&sourceKind=sensor'),
    api<{ items: StepItem[] }>(`/api/stats/durations?${q}`),
    api<Figures['sla']>(`/api/stats/sla?${q}`),
    api<{ items: SlaItem[] }>(`/api/stats/sla/by?by=department&${q}`),
    api<{ items: SlaItem[] }>(`/api/stats/sla/by?by=grid&${q}`),
    api<DeviceHealth>('/api/stats/devices'),
  ]);
  hourly.sort((a, b) => (a.key < b.key ? -1 : 1));
  return {
    window: w, total: byType.reduce((n, i) => n + i.value, 0), byType, bySource, byGrid, bySeverity, hourly, daily: dailyOf(hourly, w),
    topGrids: byGrid.filter((g) => g.key !== '(none)').slice(0, 10), sensorAlarms, steps: steps.items, sla,
    slaByDepartment: slaDept.items, slaByGrid: slaGrid.items, devices,
  };
}

/** Which chart an item is in, for its drill-down. */
export type IncidentFigure = 'type' | 'source' | 'grid' | 'severity' | 'hour' | 'day' | 'sensor';

/**
 * The /api/incidents query listing exactly the incidents an item counted (same
 * window on first_seen, same cell scope at the gateway); undefined when the list
 * cannot express it (incidents with no cell).
 */
export function drillQuery(figure: IncidentFigure, key: string, w: Window): string | undefined {
  if (key === '(none)') return undefined;
  switch (figure) {
    case 'type': return `type=${encodeURIComponent(key)}&${windowQuery(w)}`;
    case 'source': return `sourceKind=${encodeURIComponent(key)}&${windowQuery(w)}`;
    case 'grid': return `grid=${encodeURIComponent(key)}&${windowQuery(w)}`;
    case 'severity': return `severity=${encodeURIComponent(key)}&${windowQuery(w)}`;
    case 'sensor': return `sourceKind=sensor&type=${encodeURIComponent(key)}&${windowQuery(w)}`;
    case 'hour': return windowQuery(hourWindow(key, w));
    case 'day': return windowQuery(dayWindow(key, w));
  }
}
