// The statistics queries on PostgreSQL (see stats-store.ts), giving what the
// SQLite ones give: the same keys (hours in UTC), numbers rather than numeric
// strings, ties in byte order. Steps read whole days from the daily rollup and
// a window's edges from incident_steps; the SLA reads the first feedback time
// off the incident (rollup-migration.ts keeps both).
import { hourKey, splitByDay } from '../day-split.ts';
import type { CountRow, DurationRow, GroupBy, SlaBy, SlaRow, StatsStore } from '../stats-store.ts';
import type { PgDb } from './pg-db.ts';

const GROUP_SQL: Record<GroupBy, string> = {
  type: 'type',
  grid: "COALESCE(grid_code, '(none)')",
  source: 'source_kind',
  hour: 'first_seen / 3600000', // the hour number, named in JS (no date formatting per row)
  severity: 'severity',
  status: 'status',
};

/** The scope's cells as one bound array, at placeholder `$n`. */
const inGrids = (grids: readonly string[] | undefined, n: number, column = 'grid_code') => (grids ? ` AND ${column} = ANY($${n}::text[])` : '');
const gridArg = (grids: readonly string[] | undefined) => (grids ? [[...grids]] : []);
const SLA_KEY: Record<SlaBy, string> = { department: "COALESCE(department_id, '(none)')", grid: "COALESCE(grid_code, '(none)')" };
/** 1 when the incident got its first feedback after the deadline, or none by `now` ($1). */
const LATE = 'CASE WHEN COALESCE(feedback_at, $1) > sla_deadline THEN 1 ELSE 0 END';

export class PgStats implements StatsStore {
  constructor(private readonly db: PgDb) {}

  async counts(by: GroupBy, from: number, to: number, grids?: readonly string[], sourceKind?: string): Promise<CountRow[]> {
    const args: unknown[] = [from, to, ...gridArg(grids)];
    const source = sourceKind === undefined ? '' : ` AND source_kind = $${args.push(sourceKind)}`;
    const order = by === 'hour' ? 'key' : 'key COLLATE "C"';
    const rows = await this.db.rows(`SELECT key, count FROM (
        SELECT ${GROUP_SQL[by]} AS key, COUNT(*) AS count FROM incidents WHERE first_seen >= $1 AND first_seen < $2${inGrids(grids, 3)}${source} GROUP BY 1) g
      ORDER BY count DESC, ${order}`, args);
    return rows.map((r) => ({ key: by === 'hour' ? hourKey(Number(r.key)) : (r.key as string), count: r.count as number }));
  }

  async durations(from: number, to: number, grids?: readonly string[]): Promise<DurationRow[]> {
    const { fromDay, toDay, edges: [[a1, b1], [a2, b2]] } = splitByDay(from, to);
    // Each edge its own range, so each reads its stretch of the index (an OR of both made the planner scan the table).
    const edge = (a: number, b: number) => `SELECT to_status, 1, CASE WHEN again THEN 0 ELSE 1 END, took_ms, took_ms FROM incident_steps
      WHERE first_seen >= $${a} AND first_seen < $${b}${inGrids(grids, 7)}`;
    return (await this.db.rows(`
      SELECT to_status AS "to", SUM(steps)::float8 AS count, SUM(incidents)::float8 AS incidents,
        (SUM(took_sum) / 1000.0 / SUM(steps))::float8 AS "avgSeconds", (MAX(took_max) / 1000.0)::float8 AS "maxSeconds" FROM (
        SELECT to_status, steps, incidents, took_sum, took_max FROM incident_step_days WHERE day >= $1 AND day < $2${inGrids(grids, 7, 'grid_key')}
        UNION ALL ${edge(3, 4)} UNION ALL ${edge(5, 6)}) u
      GROUP BY to_status ORDER BY 4 DESC, to_status COLLATE "C"`, [fromDay, toDay, a1, b1, a2, b2, ...gridArg(grids)])) as unknown as DurationRow[];
  }

  async sla(from: number, to: number, now: number, grids?: readonly string[]): Promise<{ dispatched: number; breached: number }> {
    const [r] = await this.db.rows(`SELECT COUNT(*) AS dispatched, COALESCE(SUM(${LATE}), 0) AS breached
      FROM incidents WHERE dispatched_at >= $2 AND dispatched_at < $3${inGrids(grids, 4)}`, [now, from, to, ...gridArg(grids)]);
    return { dispatched: r!.dispatched as number, breached: r!.breached as number };
  }

  async slaBy(by: SlaBy, from: number, to: number, now: number, grids?: readonly string[]): Promise<SlaRow[]> {
    return (await this.db.rows(`SELECT key, dispatched, breached FROM (
        SELECT ${SLA_KEY[by]} AS key, COUNT(*) AS dispatched, SUM(${LATE}) AS breached
        FROM incidents WHERE dispatched_at >= $2 AND dispatched_at < $3${inGrids(grids, 4)} GROUP BY 1) g
      ORDER BY dispatched DESC, key COLLATE "C"`, [now, from, to, ...gridArg(grids)])) as unknown as SlaRow[];
  }
}
