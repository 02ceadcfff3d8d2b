// The queries behind the statistics (stats.ts), one implementation per engine.
// Windows are on first_seen (or dispatched_at for the SLA), epoch ms, [from, to).
// Each figure is what GET /api/incidents lists with the matching filter (list-filter.ts).

export type GroupBy = 'type' | 'grid' | 'source' | 'hour' | 'severity' | 'status';
export const GROUP_BY: readonly GroupBy[] = ['type', 'grid', 'source', 'hour', 'severity', 'status'];

export interface CountRow {
  /** The group: a type, a grid code or '(none)', a source kind, an hour as 2026-11-22T08:00:00Z, … */
  key: string;
  count: number;
}

export interface DurationRow {
  /** The status reached. */
  to: string;
  /** Times it was reached (each timed): a reopened incident reaches handling twice. */
  count: number;
  /** Incidents that reached it (what GET /api/incidents?reached=<to> lists for the same window). */
  incidents: number;
  avgSeconds: number;
  maxSeconds: number;
}

/** What the SLA breach rate is broken down by (研判: which department, which cell). */
export type SlaBy = 'department' | 'grid';
export const SLA_BY: readonly SlaBy[] = ['department', 'grid'];

export interface SlaRow {
  /** A department id or a grid code, '(none)' when the incident has none. */
  key: string;
  dispatched: number;
  breached: number;
}

/** `grids` in each query: only incidents in these cells (the caller's scope); absent: all. */
export interface StatsStore {
  /** Incidents per group, most first, then by key; `sourceKind`: only incidents from that kind of source (sensor alarms). */
  counts(by: GroupBy, from: number, to: number, grids?: readonly string[], sourceKind?: string): Promise<CountRow[]>;
  /** Time taken to reach each status from the step before it, from the flow log (unrounded). */
  durations(from: number, to: number, grids?: readonly string[]): Promise<DurationRow[]>;
  /** Incidents dispatched in the window, and how many of them got feedback after their deadline (or none by `now`). */
  sla(from: number, to: number, now: number, grids?: readonly string[]): Promise<{ dispatched: number; breached: number }>;
  /** The same per department or per cell, most dispatched first, then by key. */
  slaBy(by: SlaBy, from: number, to: number, now: number, grids?: readonly string[]): Promise<SlaRow[]>;
}
