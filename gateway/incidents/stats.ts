// Statistics for analysis (研判): counts by type, grid, source and hour;
// how long each step of the loop takes; the SLA breach rate; a per-grid heat
// layer as GeoJSON.
import type Database from 'better-sqlite3';
import type { RegistryService } from '../../device-registry/index.ts';

export type GroupBy = 'type' | 'grid' | 'source' | 'hour' | 'severity' | 'status';

const GROUP_SQL: Record<GroupBy, string> = {
  type: 'type',
  grid: "COALESCE(grid_code, '(none)')",
  source: 'source_kind',
  hour: "strftime('%Y-%m-%dT%H:00:00Z', first_seen / 1000, 'unixepoch')",
  severity: 'severity',
  status: 'status',
};

export class IncidentStats {
  constructor(private readonly db: Database.Database, private readonly registry: RegistryService) {}

  counts(by: GroupBy, from: number, to: number): Array<{ key: string; count: number }> {
    return this.db.prepare(`SELECT ${GROUP_SQL[by]} AS key, COUNT(*) AS count FROM incidents WHERE first_seen >= ? AND first_seen < ?
      GROUP BY key ORDER BY count DESC, key`).all(from, to) as Array<{ key: string; count: number }>;
  }

  /** Average and maximum seconds spent before reaching each status, from the flow log. */
  durations(from: number, to: number): Array<{ to: string; count: number; avgSeconds: number; maxSeconds: number }> {
    return (this.db.prepare(`
      WITH steps AS (
        SELECT f.to_status, f.at - LAG(f.at) OVER (PARTITION BY f.incident_id ORDER BY f.seq) AS took
        FROM flow f JOIN incidents i ON i.id = f.incident_id
        WHERE f.to_status IS NOT NULL AND i.first_seen >= ? AND i.first_seen < ?)
      SELECT to_status AS "to", COUNT(*) AS count, AVG(took) / 1000.0 AS avgSeconds, MAX(took) / 1000.0 AS maxSeconds
      FROM steps WHERE took IS NOT NULL GROUP BY to_status ORDER BY avgSeconds DESC`).all(from, to) as Array<{ to: string; count: number; avgSeconds: number; maxSeconds: number }>)
      .map((r) => ({ ...r, avgSeconds: Math.round(r.avgSeconds * 10) / 10 }));
  }

  /** Of the incidents dispatched in the window, how many missed their deadline (fed back late, or still open past it). */
  sla(from: number, to: number, now = Date.now()) {
    const r = this.db.prepare(`
      SELECT COUNT(*) AS dispatched,
        SUM(CASE WHEN COALESCE((SELECT MIN(f.at) FROM flow f WHERE f.incident_id = i.id AND f.to_status = 'feedback'), ?) > i.sla_deadline THEN 1 ELSE 0 END) AS breached
      FROM incidents i WHERE i.dispatched_at >= ? AND i.dispatched_at < ?`).get(now, from, to) as { dispatched: number; breached: number | null };
    const breached = r.breached ?? 0;
    return { dispatched: r.dispatched, breached, breachRate: r.dispatched ? Math.round((breached / r.dispatched) * 1000) / 1000 : 0 };
  }

  /** Grid cells with their outlines and incident counts, for a map layer. */
  async heat(from: number, to: number) {
    const counts = new Map(this.counts('grid', from, to).map((c) => [c.key, c.count]));
    const features = [];
    for await (const row of this.registry.all('grids')) {
      if (!row.doc.polygon) continue;
      features.push({ type: 'Feature', geometry: row.doc.polygon, properties: { code: row.id, name: row.doc.name, level: row.doc.level, count: counts.get(row.id) ?? 0 } });
    }
    return { type: 'FeatureCollection', features };
  }
}
