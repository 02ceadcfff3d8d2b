// The queries behind the statistics (stats.ts), one implementation per engine.
// Windows are on first_seen (or dispatched_at for the SLA), epoch ms, [from, to).

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
  count: number;
  avgSeconds: number;
  maxSeconds: number;
}

/** `grids` in each query: only incidents in these cells (the caller's scope); absent: all. */
export interface StatsStore {
  /** Incidents per group, most first, then by key. */
  counts(by: GroupBy, from: number, to: number, grids?: readonly string[]): Promise<CountRow[]>;
  /** Time taken to reach each status from the step before it, from the flow log (unrounded). */
  durations(from: number, to: number, grids?: readonly string[]): Promise<DurationRow[]>;
  /** Incidents dispatched in the window, and how many of them got feedback after their deadline (or none by `now`). */
  sla(from: number, to: number, now: number, grids?: readonly string[]): Promise<{ dispatched: number; breached: number }>;
}
