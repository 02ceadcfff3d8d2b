// The statistics queries on SQLite (see stats-store.ts). Steps read whole days
// from the daily rollup and a window's edges from incident_steps; the SLA reads
// the first feedback time off the incident (rollup-migration.ts keeps both).
import { hourKey, splitByDay } from '../day-split.ts';
import type { CountRow, DurationRow, GroupBy, SlaBy, SlaRow, StatsStore } from '../stats-store.ts';
import type { Prepared } from './rows.ts';

const GROUP_SQL: Record<GroupBy, string> = {
  type: 'type',
  grid: "COALESCE(grid_code, '(none)')",
  source: 'source_kind',
  hour: 'first_seen / 3600000', // the hour number, named in JS (no date formatting per row)
  severity: 'severity',
  status: 'status',
};

/** The scope's cells as one bound JSON array (however many a scope covers). */
const inGrids = (grids: readonly string[] | undefined, column = 'grid_code') => (grids ? ` AND ${column} IN (SELECT value FROM json_each(?))` : '');
const gridArg = (grids: readonly string[] | undefined) => (grids ? [JSON.stringify(grids)] : []);
/** 1 when the incident got its first feedback after the deadline, or none by `now` (the first bound value). */
const LATE = 'CASE WHEN COALESCE(feedback_at, ?) > sla_deadline THEN 1 ELSE 0 END';

// Counts read the covering index by first report time alone: given a scope's cells the planner would
// rather take incidents_grid and visit every row of those cells over all time (4× slower at 7 days).
export class SqliteStats implements StatsStore {
  constructor(private readonly p: Prepared) {}

  async counts(by: GroupBy, from: number, to: number, grids?: readonly string[], sourceKind?: string): Promise<CountRow[]> {
    const source = sourceKind === undefined ? '' : ' AND source_kind = ?';
    const rows = this.p.sql(`SELECT ${GROUP_SQL[by]} AS key, COUNT(*) AS count FROM incidents INDEXED BY incidents_stats WHERE first_seen >= ? AND first_seen < ?${inGrids(grids)}${source}
      GROUP BY key ORDER BY count DESC, key`).all(from, to, ...gridArg(grids), ...(sourceKind === undefined ? [] : [sourceKind])) as Array<{ key: string | number; count: number }>;
    return by === 'hour' ? rows.map((r) => ({ key: hourKey(r.key as number), count: r.count })) : (rows as CountRow[]);
  }

  async durations(from: number, to: number, grids?: readonly string[]): Promise<DurationRow[]> {
    const { fromDay, toDay, edges: [[a1, b1], [a2, b2]] } = splitByDay(from, to);
    const edge = `SELECT to_status, 1, 1 - again, took_ms, took_ms FROM incident_steps WHERE first_seen >= ? AND first_seen < ?${inGrids(grids)}`; // each edge its own index range
    return this.p.sql(`
      SELECT to_status AS "to", SUM(steps) AS count, SUM(incidents) AS incidents, SUM(took_sum) / 1000.0 / SUM(steps) AS avgSeconds, MAX(took_max) / 1000.0 AS maxSeconds FROM (
        SELECT to_status, steps, incidents, took_sum, took_max FROM incident_step_days WHERE day >= ? AND day < ?${inGrids(grids, 'grid_key')}
        UNION ALL ${edge} UNION ALL ${edge})
      GROUP BY to_status ORDER BY avgSeconds DESC, to_status`).all(fromDay, toDay, ...gridArg(grids), a1, b1, ...gridArg(grids), a2, b2, ...gridArg(grids)) as DurationRow[];
  }

  async sla(from: number, to: number, now: number, grids?: readonly string[]): Promise<{ dispatched: number; breached: number }> {
    const r = this.p.sql(`SELECT COUNT(*) AS dispatched, SUM(${LATE}) AS breached
      FROM incidents INDEXED BY incidents_sla WHERE dispatched_at >= ? AND dispatched_at < ?${inGrids(grids)}`).get(now, from, to, ...gridArg(grids)) as { dispatched: number; breached: number | null };
    return { dispatched: r.dispatched, breached: r.breached ?? 0 };
  }

  /**
   * Per key, one stretch of a (key, dispatched_at) index: the keys walked as SQLite's loose index scan (the next key
   * after the last, or the scope's cells), so nothing sorts the window's rows (grouping 200,000 of them took 0.5 s).
   */
  async slaBy(by: SlaBy, from: number, to: number, now: number, grids?: readonly string[]): Promise<SlaRow[]> {
    const [column, index] = by === 'grid' ? ['grid_code', 'incidents_sla_grid'] : ['department_id', 'incidents_sla_department'];
    const keys = by === 'grid' && grids
      ? 'keys(k) AS (SELECT DISTINCT value FROM json_each(?))'
      : `keys(k) AS (SELECT MIN(${column}) FROM incidents INDEXED BY ${index} WHERE dispatched_at IS NOT NULL
          UNION ALL SELECT (SELECT MIN(${column}) FROM incidents INDEXED BY ${index} WHERE dispatched_at IS NOT NULL AND ${column} > k) FROM keys WHERE k IS NOT NULL)`;
    const keyArgs = by === 'grid' && grids ? gridArg(grids) : [];
    // With a scope, department stretches keep only the scope's cells; the none key (NULL) is looked at too.
    const stretch = `FROM incidents INDEXED BY ${index} WHERE ${column} IS k.k AND dispatched_at IS NOT NULL AND dispatched_at >= ? AND dispatched_at < ?${inGrids(grids)}`;
    const rows = this.p.sql(`WITH RECURSIVE ${keys}
      SELECT COALESCE(k, '(none)') AS key, dispatched, breached FROM (
        SELECT k.k AS k, (SELECT COUNT(*) ${stretch}) AS dispatched, (SELECT SUM(${LATE}) ${stretch}) AS breached
        FROM (SELECT k FROM keys WHERE k IS NOT NULL UNION ALL SELECT NULL) k)
      WHERE dispatched > 0 ORDER BY dispatched DESC, key`).all(...keyArgs, from, to, ...gridArg(grids), now, from, to, ...gridArg(grids)) as SlaRow[];
    return rows;
  }
}
