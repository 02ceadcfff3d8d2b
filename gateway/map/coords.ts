// Coordinate systems of base maps in China: WGS-84 (GPS, CGCS2000 to within a
// metre; 天地图) and GCJ-02 (the state's offset datum; 高德, Tencent, most
// internal GIS servers). The gateway keeps every location in WGS-84; a tile
// layer in GCJ-02 needs markers moved onto it. Pure functions, no Node APIs:
// the wall imports this same module so the conversion lives in one place.
//
// The transform is the published one (Krasovsky 1940 ellipsoid, the polynomial
// offsets of the leaked reference code, as in eviltransform and coordtransform);
// outside China's rectangle GCJ-02 equals WGS-84. The inverse has no closed
// form: it is found by iteration to well under a centimetre.

export type Crs = 'wgs84' | 'gcj02';

export interface LngLat {
  lng: number;
  lat: number;
}

/** Semi-major axis and eccentricity squared of the Krasovsky 1940 ellipsoid, which the transform uses. */
const A = 6378245.0;
const EE = 0.006693421622965943; // 0.00669342162296594323 as published, to double precision

/** The rectangle the offset applies in (the usual published bounds). */
export function outsideChina({ lng, lat }: LngLat): boolean {
  return lng < 72.004 || lng > 137.8347 || lat < 0.8293 || lat > 55.8271;
}

function offsetLat(x: number, y: number): number {
  let r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  r += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
  r += ((20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin((y / 3.0) * Math.PI)) * 2.0) / 3.0;
  r += ((160.0 * Math.sin((y / 12.0) * Math.PI) + 320 * Math.sin((y * Math.PI) / 30.0)) * 2.0) / 3.0;
  return r;
}

function offsetLng(x: number, y: number): number {
  let r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  r += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
  r += ((20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin((x / 3.0) * Math.PI)) * 2.0) / 3.0;
  r += ((150.0 * Math.sin((x / 12.0) * Math.PI) + 300.0 * Math.sin((x / 30.0) * Math.PI)) * 2.0) / 3.0;
  return r;
}

/** The GCJ-02 offset (degrees) at a WGS-84 point. */
function delta({ lng, lat }: LngLat): LngLat {
  const dLat = offsetLat(lng - 105.0, lat - 35.0);
  const dLng = offsetLng(lng - 105.0, lat - 35.0);
  const radLat = (lat / 180.0) * Math.PI;
  const s = Math.sin(radLat);
  const magic = 1 - EE * s * s;
  const sqrtMagic = Math.sqrt(magic);
  return {
    lat: (dLat * 180.0) / (((A * (1 - EE)) / (magic * sqrtMagic)) * Math.PI),
    lng: (dLng * 180.0) / ((A / sqrtMagic) * Math.cos(radLat) * Math.PI),
  };
}

export function wgs84ToGcj02(p: LngLat): LngLat {
  if (outsideChina(p)) return { lng: p.lng, lat: p.lat };
  const d = delta(p);
  return { lng: p.lng + d.lng, lat: p.lat + d.lat };
}

/** The WGS-84 point whose GCJ-02 image is `p`, by fixed-point iteration (converges in a few steps). */
export function gcj02ToWgs84(p: LngLat): LngLat {
  if (outsideChina(p)) return { lng: p.lng, lat: p.lat };
  let guess = { lng: p.lng, lat: p.lat };
  for (let i = 0; i < 30; i++) {
    const image = wgs84ToGcj02(guess);
    const dLng = p.lng - image.lng;
    const dLat = p.lat - image.lat;
    guess = { lng: guess.lng + dLng, lat: guess.lat + dLat };
    if (Math.abs(dLng) < 1e-10 && Math.abs(dLat) < 1e-10) break;
  }
  return guess;
}

/** A WGS-84 point as shown on a base map in `crs`. */
export function toCrs(p: LngLat, crs: Crs): LngLat {
  return crs === 'gcj02' ? wgs84ToGcj02(p) : { lng: p.lng, lat: p.lat };
}

/** A point read off a base map in `crs` (a click) back in WGS-84. */
export function fromCrs(p: LngLat, crs: Crs): LngLat {
  return crs === 'gcj02' ? gcj02ToWgs84(p) : { lng: p.lng, lat: p.lat };
}

const EARTH_RADIUS_M = 6371008.8;
const rad = (deg: number) => (deg * Math.PI) / 180;

/** Great-circle distance in metres (haversine, mean earth radius): within 0.5 % of the ellipsoid's, plenty for "nearest camera". */
export function distanceMeters(a: LngLat, b: LngLat): number {
  const dLat = rad(b.lat - a.lat);
  const dLng = rad(b.lng - a.lng);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}
