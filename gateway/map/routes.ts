// The map over HTTP: its configuration (base tiles, where it opens, alarm
// linkage), its layers as GeoJSON in the caller's cells, and the cameras
// nearest a point.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ErrorBody, GwError, READ_ROLES } from '../../device-registry/index.ts';
import type { GridLocator } from '../incidents/grid-locator.ts';
import type { CameraIndex } from './camera-index.ts';
import type { LinkageConfig, MapConfig } from './config.ts';
import { buildLayers, LAYERS, type LayerName, type LayerSources } from './layers.ts';
import type { DefaultView } from './view.ts';

export interface MapRouteDeps {
  map: MapConfig;
  linkage: LinkageConfig;
  view: DefaultView;
  layers: LayerSources;
  cameras: CameraIndex;
  locator: GridLocator;
}

const tags = ['map'];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody };

const LayersQuery = Type.Object(
  { layers: Type.String({ maxLength: 128, default: LAYERS.join(','), description: `Comma-separated: ${LAYERS.join(', ')}` }) },
  { additionalProperties: false },
);

const NearQuery = Type.Object(
  {
    lat: Type.Number({ minimum: -90, maximum: 90, description: 'WGS-84 latitude' }),
    lng: Type.Number({ minimum: -180, maximum: 180, description: 'WGS-84 longitude' }),
    radius: Type.Optional(Type.Number({ minimum: 1, maximum: 50_000, description: 'Metres; default wall.linkage.radiusMeters' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'Default wall.linkage.cameras' })),
  },
  { additionalProperties: false },
);

export function mapRoutes(app: FastifyInstance, deps: MapRouteDeps): void {
  app.get('/api/map/config', {
    config: { roles: READ_ROLES, scope: 'global' },
    schema: { tags, summary: 'The map: base tile layers with their coordinate system (none: grid outlines on a plain background), where it opens, alarm linkage', response: errors },
  }, async () => {
    const fallback = await deps.view.get();
    const center = deps.map.center ?? fallback.center;
    return {
      tiles: deps.map.tiles,
      center,
      zoom: deps.map.zoom ?? (deps.map.center ? 13 : fallback.zoom),
      linkage: deps.linkage,
    };
  });

  app.get('/api/map/layers', {
    config: { roles: READ_ROLES, scope: 'filtered' },
    schema: { tags, summary: 'Map layers as GeoJSON FeatureCollections in WGS-84, in the caller\'s cells: grid outlines, cameras and sensors with live status, open incidents', querystring: LayersQuery, response: errors },
  }, async (req) => {
    const asked = (req.query as { layers: string }).layers.split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = asked.find((l) => !(LAYERS as readonly string[]).includes(l));
    if (unknown !== undefined || asked.length === 0) throw new GwError('GW_ERR_VALIDATION', `layers must name some of ${LAYERS.join(', ')}${unknown ? ` (not '${unknown}')` : ''}`, 'layers');
    return buildLayers(deps.layers, [...new Set(asked)] as LayerName[], await app.scopes.covered(req.actor));
  });

  app.get('/api/channels/near', {
    config: { roles: READ_ROLES, scope: 'filtered' },
    schema: { tags, summary: 'Cameras nearest a point in the caller\'s cells: those in the point\'s own grid cell first, then by distance, within the radius', querystring: NearQuery, response: errors },
  }, async (req) => {
    const q = req.query as { lat: number; lng: number; radius?: number; limit?: number };
    const own = await deps.locator.locate(q.lat, q.lng);
    const items = await deps.cameras.near({
      point: { lat: q.lat, lng: q.lng },
      radiusMeters: q.radius ?? deps.linkage.radiusMeters,
      limit: q.limit ?? deps.linkage.cameras,
      gridCode: own?.how === 'inside' ? own.gridCode : null,
      coverage: await app.scopes.covered(req.actor),
    });
    return { items };
  });
}
