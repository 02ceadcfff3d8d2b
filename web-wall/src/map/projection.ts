// Where a WGS-84 position is drawn: on a GCJ-02 base map (most Chinese
// commercial tiles) every marker and outline is shifted by the shared
// transform (gateway/map/coords.ts, the same module the gateway uses), so they
// line up with the streets on the tiles; with WGS-84/CGCS2000 tiles or none
// they are drawn as they are. Clicks on the map convert back.
import { fromCrs, toCrs } from '../../../gateway/map/coords.ts';
import type { Crs, Geometry, Position } from './map-api.ts';

/** [lng, lat] in WGS-84 → [lng, lat] in the base map's system. */
export function toDisplay(p: Position, crs: Crs): Position {
  if (crs !== 'gcj02') return p;
  const q = toCrs({ lng: p[0], lat: p[1] }, crs);
  return [q.lng, q.lat];
}

/** [lng, lat] on the base map → WGS-84. */
export function fromDisplay(p: Position, crs: Crs): Position {
  if (crs !== 'gcj02') return p;
  const q = fromCrs({ lng: p[0], lat: p[1] }, crs);
  return [q.lng, q.lat];
}

/** Leaflet's [lat, lng] rings of a polygon geometry, converted for the base map. */
export function polygonLatLngs(g: Geometry, crs: Crs): Array<Array<[number, number]>> | Array<Array<Array<[number, number]>>> {
  const ring = (r: Position[]) => r.map((p) => { const [lng, lat] = toDisplay(p, crs); return [lat, lng] as [number, number]; });
  if (g.type === 'Polygon') return g.coordinates.map(ring);
  if (g.type === 'MultiPolygon') return g.coordinates.map((poly) => poly.map(ring));
  return [];
}
