// The map's configuration (`map.*`) and the wall's alarm linkage
// (`wall.linkage.*`): one TypeBox schema each gives the type, the start-up
// check with paths, and what GET /api/map/config answers.
import { Type, type Static } from '@sinclair/typebox';
import { REDACTED, redactUrl } from '../../device-registry/index.ts';

const Lng = Type.Number({ minimum: -180, maximum: 180 });
const Lat = Type.Number({ minimum: -90, maximum: 90 });
const Zoom = Type.Integer({ minimum: 0, maximum: 22 });

export const TileLayerConfig = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    /** An XYZ raster template: `{z}`, `{x}`, `{y}`, optionally `{s}` for a subdomain. */
    url: Type.String({ minLength: 1, maxLength: 2048, pattern: '^(https?:)?//.*\\{z\\}.*', 'x-message': 'must be an http(s) XYZ tile URL template with {z}, {x} and {y}' }),
    subdomains: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 16 }), { minItems: 1, maxItems: 16 })),
    attribution: Type.Optional(Type.String({ maxLength: 512 })),
    /** The tiles' coordinate system: wgs84 (WGS-84 / CGCS2000, 天地图) or gcj02 (高德, most internal GIS servers). */
    crs: Type.Union([Type.Literal('wgs84'), Type.Literal('gcj02')]),
    minZoom: Type.Optional(Zoom),
    maxZoom: Type.Optional(Zoom),
  },
  { additionalProperties: false },
);
export type TileLayerConfig = Static<typeof TileLayerConfig>;

export const MapConfig = Type.Object(
  {
    /** Base map layers, the first shown first; none: the grid outlines on a plain background (offline). */
    tiles: Type.Array(TileLayerConfig, { maxItems: 16 }),
    /** [lng, lat] in WGS-84; null: the middle of the grid cells' outlines. */
    center: Type.Union([Type.Tuple([Lng, Lat]), Type.Null()]),
    /** null: 13 with a configured center, else the zoom that fits the grid cells. */
    zoom: Type.Union([Zoom, Type.Null()]),
  },
  { additionalProperties: false },
);
export type MapConfig = Static<typeof MapConfig>;

export const LinkageConfig = Type.Object(
  {
    /** off: nothing; offer: the wall offers the nearest cameras of a new located incident; auto: it brings them into tiles. */
    mode: Type.Union([Type.Literal('off'), Type.Literal('offer'), Type.Literal('auto')]),
    /** How many cameras (the nearest, same grid cell first). */
    cameras: Type.Integer({ minimum: 1, maximum: 16 }),
    /** Only cameras within this distance of the incident. */
    radiusMeters: Type.Number({ minimum: 1, maximum: 50_000 }),
  },
  { additionalProperties: false },
);
export type LinkageConfig = Static<typeof LinkageConfig>;

export const WallConfig = Type.Object({ linkage: LinkageConfig }, { additionalProperties: false });
export type WallConfig = Static<typeof WallConfig>;

/** Query values that carry a tile service's key: 天地图's `tk`, and the usual names. */
const TILE_KEY = /([?&](?:tk|key|token|ak|apikey|access_token)=)[^&#]*/gi;

/** A tile URL template as it may appear in a log line: its key (天地图 `tk=`) and any other credential replaced. */
export function tileUrlForLog(url: string): string {
  return redactUrl(url.replace(TILE_KEY, `$1${REDACTED}`));
}
