// The statistics queries on SQLite (see stats-store.ts).
import type { CountRow, DurationRow, GroupBy, SlaBy, SlaRow, StatsStore } from '../stats-store.ts';
import type { Prepared } from './rows.ts';

const GROUP_SQL: Record<GroupBy, string> = {
  type: 'type',
  grid: "COALESCE(grid_code, '(none)')",
  source: 'source_kind',
  hour: "strftime('%Y-%m-%dT%H:00:00Z', first_seen / 1000, 'unixepoch')",
  severity: 'severity',
  status: 'status',
};

/** The scope's cells as one bound JSON array (however many a scope covers). */
const inGrids = (grids: readonly string[] | undefined, column = 'grid_code') => (grids ? ` AND ${column} IN (SELECT value FROM json_each(?))` : '');
const gridArg = (grids: readonly string[] | undefined) => (grids ? [JSON.stringify(grids)] : []);
const SLA_KEY: Record<SlaBy, string> = { department: "COALESCE(i.department_id, '(none)')", grid: "COALESCE(i.grid_code, '(none)')" };
/** 1 when the incident got its feedback after the deadline, or none by `now` (the first bound value). */
const LATE = `CASE WHEN COALESCE((SELECT MIN(f.at) FROM flow f WHERE f.incident_id = i.id AND f.to_status = 'feedback'), ?) > i.sla_deadline THEN 1 ELSE 0 END`;

// Counts read the covering index by first report time alone: given a scope's cells the planner would
// rather take incidents_grid and visit every row of those cells over all time (4× slower at 7 days).
export class SqliteStats implements StatsStore {
  constructor(private readonly p: Prepared) {}

  async counts(by: GroupBy, from: number, to: number, grids?: readonly string[], sourceKind?: string): Promise<CountRow[]> {
    const source = sourceKind === undefined ? '' : ' AND source_kind = ?';
    return this.p.sql(`SELECT ${GROUP_SQL[by]} AS key, COUNT(*) AS count FROM incidents INDEXED BY incidents_stats WHERE first_seen >= ? AND first_seen < ?${inGrids(grids)}${source}
      GROUP BY key ORDER BY count DESC, key`).all(from, to, ...gridArg(grids), ...(sourceKind === undefined ? [] : [sourceKind])) as CountRow[];
  }

  async durations(from: number, to: number, grids?: readonly string[]): Promise<DurationRow[]> {
    return this.p.sql(`
      WITH steps AS (
        SELECT f.to_status, f.at - LAG(f.at) OVER (PARTITION BY f.incident_id ORDER BY f.seq) AS took
        FROM flow f JOIN incidents i ON i.id = f.incident_id
        WHERE f.to_status IS NOT NULL AND i.first_seen >= ? AND i.first_seen < ?${inGrids(grids, 'i.grid_code')})
      SELECT to_status AS "to", COUNT(*) AS count, AVG(took) / 1000.0 AS avgSeconds, MAX(took) / 1000.0 AS maxSeconds
      FROM steps WHERE took IS NOT NULL GROUP BY to_status ORDER BY avgSeconds DESC, to_status`).all(from, to, ...gridArg(grids)) as DurationRow[];
  }

  async sla(from: number, to: number, now: number, grids?: readonly string[]): Promise<{ dispatched: number; breached: number }> {
    const r = this.p.sql(`
      SELECT COUNT(*) AS dispatched,
        SUM(${LATE}) AS breached
      FROM incidents i WHERE i.dispatched_at >= ? AND i.dispatched_at < ?${inGrids(grids, 'i.grid_code')}`).get(now, from, to, ...gridArg(grids)) as { dispatched: number; breached: number | null };
    return { dispatched: r.dispatched, breached: r.breached ?? 0 };
  }

  async slaBy(by: SlaBy, from: number, to: number, now: number, grids?: readonly string[]): Promise<SlaRow[]> {
    return this.p.sql(`
      SELECT ${SLA_KEY[by]} AS key, COUNT(*) AS dispatched, SUM(${LATE}) AS breached
      FROM incidents i WHERE i.dispatched_at >= ? AND i.dispatched_at < ?${inGrids(grids, 'i.grid_code')}
      GROUP BY key ORDER BY dispatched DESC, key`).all(now, from, to, ...gridArg(grids)) as SlaRow[];
  }
}
