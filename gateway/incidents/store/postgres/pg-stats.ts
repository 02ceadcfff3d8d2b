// The statistics queries on PostgreSQL (see stats-store.ts), giving what the
// SQLite ones give: the same keys (hours in UTC), numbers rather than numeric
// strings, ties in byte order.
import type { CountRow, DurationRow, GroupBy, SlaBy, SlaRow, StatsStore } from '../stats-store.ts';
import type { PgDb } from './pg-db.ts';

const GROUP_SQL: Record<GroupBy, string> = {
  type: 'type',
  grid: "COALESCE(grid_code, '(none)')",
  source: 'source_kind',
  hour: `to_char(to_timestamp(first_seen / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:00:00"Z"')`,
  severity: 'severity',
  status: 'status',
};

/** The scope's cells as one bound array, at placeholder `$n`. */
const inGrids = (grids: readonly string[] | undefined, n: number, column = 'grid_code') => (grids ? ` AND ${column} = ANY($${n}::text[])` : '');
const gridArg = (grids: readonly string[] | undefined) => (grids ? [[...grids]] : []);
const SLA_KEY: Record<SlaBy, string> = { department: "COALESCE(i.department_id, '(none)')", grid: "COALESCE(i.grid_code, '(none)')" };
/** 1 when the incident got its feedback after the deadline, or none by `now` ($1). */
const LATE = `CASE WHEN COALESCE((SELECT MIN(f.at) FROM incident_flow f WHERE f.incident_id = i.id AND f.to_status = 'feedback'), $1) > i.sla_deadline THEN 1 ELSE 0 END`;

export class PgStats implements StatsStore {
  constructor(private readonly db: PgDb) {}

  async counts(by: GroupBy, from: number, to: number, grids?: readonly string[], sourceKind?: string): Promise<CountRow[]> {
    const args: unknown[] = [from, to, ...gridArg(grids)];
    const source = sourceKind === undefined ? '' : ` AND source_kind = $${args.push(sourceKind)}`;
    return (await this.db.rows(`SELECT key, count FROM (
        SELECT ${GROUP_SQL[by]} AS key, COUNT(*) AS count FROM incidents WHERE first_seen >= $1 AND first_seen < $2${inGrids(grids, 3)}${source} GROUP BY 1) g
      ORDER BY count DESC, key COLLATE "C"`, args)) as unknown as CountRow[];
  }

  async durations(from: number, to: number, grids?: readonly string[]): Promise<DurationRow[]> {
    return (await this.db.rows(`
      WITH steps AS (
        SELECT f.to_status, f.at - LAG(f.at) OVER (PARTITION BY f.incident_id ORDER BY f.seq) AS took
        FROM incident_flow f JOIN incidents i ON i.id = f.incident_id
        WHERE f.to_status IS NOT NULL AND i.first_seen >= $1 AND i.first_seen < $2${inGrids(grids, 3, 'i.grid_code')})
      SELECT to_status AS "to", COUNT(*) AS count, (AVG(took) / 1000.0)::float8 AS "avgSeconds", (MAX(took) / 1000.0)::float8 AS "maxSeconds"
      FROM steps WHERE took IS NOT NULL GROUP BY to_status ORDER BY 3 DESC, to_status COLLATE "C"`, [from, to, ...gridArg(grids)])) as unknown as DurationRow[];
  }

  async sla(from: number, to: number, now: number, grids?: readonly string[]): Promise<{ dispatched: number; breached: number }> {
    const [r] = await this.db.rows(`
      SELECT COUNT(*) AS dispatched,
        COALESCE(SUM(${LATE}), 0) AS breached
      FROM incidents i WHERE i.dispatched_at >= $2 AND i.dispatched_at < $3${inGrids(grids, 4, 'i.grid_code')}`, [now, from, to, ...gridArg(grids)]);
    return { dispatched: r!.dispatched as number, breached: r!.breached as number };
  }

  async slaBy(by: SlaBy, from: number, to: number, now: number, grids?: readonly string[]): Promise<SlaRow[]> {
    return (await this.db.rows(`SELECT key, dispatched, breached FROM (
        SELECT ${SLA_KEY[by]} AS key, COUNT(*) AS dispatched, SUM(${LATE}) AS breached
        FROM incidents i WHERE i.dispatched_at >= $2 AND i.dispatched_at < $3${inGrids(grids, 4, 'i.grid_code')} GROUP BY 1) g
      ORDER BY dispatched DESC, key COLLATE "C"`, [now, from, to, ...gridArg(grids)])) as unknown as SlaRow[];
  }
}
