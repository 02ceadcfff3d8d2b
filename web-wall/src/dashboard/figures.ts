// Every figure of the dashboard (研判) for one period, read from the gateway's
// /api/stats/* (which count only the caller's cells), and how each item drills
// down (drill.ts).
import { api } from '../api/client.ts';
import { dailyOf, type Item } from './drill.ts';
import { windowQuery, type Window } from './period.ts';

export type { IncidentFigure, Item } from './drill.ts';
export interface SlaItem { key: string; dispatched: number; breached: number; breachRate: number }
/** A step of the closed loop: `count` times reached (a reopened incident twice), by `incidents` incidents (what its drill-down lists). */
export interface StepItem { to: string; count: number; incidents: number; avgSeconds: number; maxSeconds: number }
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
