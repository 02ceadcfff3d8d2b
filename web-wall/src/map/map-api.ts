// The map's requests (contract of issue 21): the map configuration (base
// tiles with their coordinate system, centre, alarm linkage), the layers as
// GeoJSON in WGS-84 (filtered by the caller's scope), the cameras nearest a
// point, and the per-cell heat of a period (/api/stats/heat).
import { api } from '../api/client.ts';

export type Crs = 'wgs84' | 'gcj02';
export type LinkageMode = 'off' | 'offer' | 'auto';

export interface TileSource { name: string; url: string; subdomains?: string | string[]; attribution?: string; crs: Crs; minZoom?: number; maxZoom?: number }
export interface MapConfig {
  tiles: TileSource[];
  /** [lng, lat] in WGS-84; null: fit the grid cells. */
  center: [number, number] | null;
  zoom: number | null;
  linkage: { mode: LinkageMode; cameras: number; radiusMeters: number };
}

export type Position = [number, number];
export type Geometry =
  | { type: 'Point'; coordinates: Position }
  | { type: 'Polygon'; coordinates: Position[][] }
  | { type: 'MultiPolygon'; coordinates: Position[][][] };
export interface Feature<P> { type: 'Feature'; geometry: Geometry | null; properties: P }
export interface FeatureCollection<P> { type: 'FeatureCollection'; features: Array<Feature<P>> }

export interface GridProps { code: string; name: string; level: string; parentCode: string | null }
export interface DeviceProps { id: string; name: string; kind: string; gridCode: string | null; status: string; reason?: string }
export interface IncidentProps { id: string; code: string; type: string; severity: string; status: string; gridCode: string | null; createdAt: string }
export interface HeatProps { code: string; name: string; level: string; count: number }

export interface MapLayers {
  grids: FeatureCollection<GridProps>;
  channels: FeatureCollection<DeviceProps>;
  sensors: FeatureCollection<DeviceProps>;
  incidents: FeatureCollection<IncidentProps>;
}

export interface NearCamera {
  id: string; name: string; gridCode: string | null; distanceMeters: number; status: string;
  /** The camera's PTZ preset that looks at the incident's cell, when it has one. */
  preset?: number;
}

const EMPTY = <P,>(): FeatureCollection<P> => ({ type: 'FeatureCollection', features: [] });

export const loadMapConfig = () => api<MapConfig>('/api/map/config');

export async function loadLayers(): Promise<MapLayers> {
  const body = await api<Partial<MapLayers>>('/api/map/layers?layers=grids,channels,sensors,incidents');
  return { grids: body.grids ?? EMPTY(), channels: body.channels ?? EMPTY(), sensors: body.sensors ?? EMPTY(), incidents: body.incidents ?? EMPTY() };
}

export function nearCameras(lat: number, lng: number, radiusMeters: number, limit: number): Promise<{ items: NearCamera[] }> {
  const q = new URLSearchParams({ lat: String(lat), lng: String(lng), radius: String(radiusMeters), limit: String(limit) });
  return api<{ items: NearCamera[] }>(`/api/channels/near?${q}`);
}

export function loadHeat(from: Date, to: Date): Promise<FeatureCollection<HeatProps>> {
  const q = new URLSearchParams({ from: from.toISOString(), to: to.toISOString() });
  return api<FeatureCollection<HeatProps>>(`/api/stats/heat?${q}`);
}
