// The map's layers as GeoJSON in WGS-84, each made from one registry (or
// incident store) query over the caller's cells, with each device's live
// status from the rooms' status books (the registry's as a fallback), never
// a call per row: 10,000 cameras are one list read and a Map lookup each.
import type { Coverage, RegistryService, StoredRow } from '../../device-registry/index.ts';
import type { IncidentService } from '../incidents/index.ts';

export const LAYERS = ['grids', 'channels', 'sensors', 'incidents'] as const;
export type LayerName = (typeof LAYERS)[number];

/** A device's live status: `state` (online, offline, idle, starting, unknown, disabled…) and why. */
export type LiveStatus = (id: string) => { state: string; reason?: string } | undefined;

export interface LayerSources {
  registry: RegistryService;
  incidents: IncidentService;
  channelStatus?: LiveStatus;
  sensorStatus?: LiveStatus;
  /** A moving channel's last reported position (GB28181 MobilePosition), which its point follows. */
  channelPosition?: (id: string) => { lng: number; lat: number; speed?: number; direction?: number; at: number } | undefined;
}

interface Feature {
  type: 'Feature';
  geometry: unknown;
  properties: Record<string, unknown>;
}
export interface FeatureCollection {
  type: 'FeatureCollection';
  features: Feature[];
  /** More matched than a layer carries (open incidents past the cap): the newest are kept. */
  truncated?: boolean;
}

/** Rows read per layer at most: far above a city's 10,000 cameras and 2,000 cells. */
const MAX_ROWS = 100_000;
/** Open incidents on the map at most, the newest first. */
const MAX_INCIDENTS = 5_000;

const collection = (features: Feature[], truncated = false): FeatureCollection => ({ type: 'FeatureCollection', features, ...(truncated ? { truncated } : {}) });

const point = (loc: unknown): { type: 'Point'; coordinates: [number, number] } | undefined => {
  const l = loc as { lat?: unknown; lng?: unknown } | null | undefined;
  return typeof l?.lat === 'number' && typeof l.lng === 'number' ? { type: 'Point', coordinates: [l.lng, l.lat] } : undefined;
};

async function rowsIn(registry: RegistryService, entity: 'grids' | 'channels' | 'sensors', coverage: Coverage): Promise<StoredRow[]> {
  if (coverage && coverage.size === 0) return [];
  return (await registry.store.list(entity, { limit: MAX_ROWS, offset: 0, ...(coverage ? { inGrids: [...coverage] } : {}) })).rows;
}

function deviceFeatures(rows: StoredRow[], live: LiveStatus | undefined, position?: LayerSources['channelPosition']): Feature[] {
  const out: Feature[] = [];
  for (const row of rows) {
    const moved = position?.(row.id);
    const geometry = moved ? point(moved) : point(row.doc.location);
    if (!geometry) continue; // a device with no location has no place on the map
    const status = live?.(row.id) ?? row.status;
    out.push({
      type: 'Feature', geometry,
      properties: {
        id: row.id, name: row.doc.name, kind: row.doc.kind, gridCode: row.doc.gridCode ?? null, status: status.state, ...(status.reason ? { reason: status.reason } : {}),
        ...(moved ? { position: { at: new Date(moved.at).toISOString(), ...(moved.speed !== undefined ? { speed: moved.speed } : {}), ...(moved.direction !== undefined ? { direction: moved.direction } : {}) } } : {}),
      },
    });
  }
  return out;
}

export async function buildLayers(src: LayerSources, wanted: readonly LayerName[], coverage: Coverage): Promise<Partial<Record<LayerName, FeatureCollection>>> {
  const out: Partial<Record<LayerName, FeatureCollection>> = {};
  const make: Record<LayerName, () => Promise<FeatureCollection>> = {
    grids: async () => collection((await rowsIn(src.registry, 'grids', coverage)).filter((r) => r.doc.polygon).map((r) => ({
      type: 'Feature', geometry: r.doc.polygon,
      properties: { code: r.id, name: r.doc.name, level: r.doc.level, parentCode: r.doc.parentCode ?? null },
    }))),
    channels: async () => collection(deviceFeatures(await rowsIn(src.registry, 'channels', coverage), src.channelStatus, src.channelPosition)),
    sensors: async () => collection(deviceFeatures(await rowsIn(src.registry, 'sensors', coverage), src.sensorStatus)),
    incidents: async () => {
      if (coverage && coverage.size === 0) return collection([]);
      const { items, total } = await src.incidents.list({ open: true, ...(coverage ? { grid: [...coverage] } : {}), limit: MAX_INCIDENTS, offset: 0 }, 'newest');
      const features: Feature[] = [];
      for (const i of items) {
        const geometry = point(i.location);
        if (geometry) features.push({ type: 'Feature', geometry, properties: { id: i.id, code: i.code, type: i.type, severity: i.severity, status: i.status, gridCode: i.gridCode, createdAt: i.createdAt } });
      }
      return collection(features, total > items.length);
    },
  };
  await Promise.all(wanted.map(async (name) => (out[name] = await make[name]())));
  return out;
}
