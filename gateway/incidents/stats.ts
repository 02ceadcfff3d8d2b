// Statistics for analysis (研判): counts by type, grid, source and hour;
// how long each step of the loop takes; the SLA breach rate; a per-grid heat
// layer as GeoJSON. The queries are the store's (store/stats-store.ts).
import type { RegistryService } from '../../device-registry/index.ts';
import type { DurationRow, GroupBy, SlaBy, StatsStore } from './store/stats-store.ts';

export type { GroupBy, SlaBy } from './store/stats-store.ts';

export class IncidentStats {
  constructor(private readonly queries: StatsStore, private readonly registry: RegistryService) {}

  /** `grids` on each: only incidents in these cells (the caller's scope, worked out); absent: all. */
  counts(by: GroupBy, from: number, to: number, grids?: readonly string[], sourceKind?: string): Promise<Array<{ key: string; count: number }>> {
    return this.queries.counts(by, from, to, grids, sourceKind);
  }

  /** Average and maximum seconds spent before reaching each status, from the flow log; how often and by how many incidents it was reached. */
  async durations(from: number, to: number, grids?: readonly string[]): Promise<DurationRow[]> {
    return (await this.queries.durations(from, to, grids)).map((r) => ({ ...r, avgSeconds: Math.round(r.avgSeconds * 10) / 10 }));
  }

  /** Of the incidents dispatched in the window, how many missed their deadline (fed back late, or still open past it). */
  async sla(from: number, to: number, grids?: readonly string[], now = Date.now()) {
    const { dispatched, breached } = await this.queries.sla(from, to, now, grids);
    return { dispatched, breached, breachRate: dispatched ? Math.round((breached / dispatched) * 1000) / 1000 : 0 };
  }

  /** The SLA breach rate per department or per grid cell (the rate rounded as in `sla`). */
  async slaBy(by: SlaBy, from: number, to: number, grids?: readonly string[], now = Date.now()) {
    return (await this.queries.slaBy(by, from, to, now, grids)).map((r) => ({ ...r, breachRate: r.dispatched ? Math.round((r.breached / r.dispatched) * 1000) / 1000 : 0 }));
  }

  /** Grid cells with their outlines and incident counts, for a map layer. */
  async heat(from: number, to: number, grids?: readonly string[]) {
    const counts = new Map((await this.counts('grid', from, to, grids)).map((c) => [c.key, c.count]));
    const inScope = grids && new Set(grids);
    const features = [];
    for await (const row of this.registry.all('grids')) {
      if (!row.doc.polygon || (inScope && !inScope.has(row.id))) continue;
      features.push({ type: 'Feature', geometry: row.doc.polygon, properties: { code: row.id, name: row.doc.name, level: row.doc.level, count: counts.get(row.id) ?? 0 } });
    }
    return { type: 'FeatureCollection', features };
  }
}
