// The WGS-84 ↔ GCJ-02 transform against published pairs (the test vectors of
// googollee/eviltransform and wandergis/coordtransform, which agree with the
// reference code), unchanged outside China, and a round trip within 1 m.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { distanceMeters, fromCrs, gcj02ToWgs84, outsideChina, toCrs, wgs84ToGcj02 } from './coords.ts';

const PUBLISHED = [
  { place: 'Shanghai (Pudong)', wgs: { lat: 31.1774276, lng: 121.5272106 }, gcj: { lat: 31.17530398364597, lng: 121.531541859215 } },
  { place: 'Beijing (Xicheng)', wgs: { lat: 39.911954, lng: 116.377817 }, gcj: { lat: 39.91334545536069, lng: 116.38404722455657 } },
  { place: 'Beijing (Tiananmen)', wgs: { lat: 39.915, lng: 116.404 }, gcj: { lat: 39.91640428150164, lng: 116.41024449916938 } },
  { place: 'Shenzhen', wgs: { lat: 22.543847, lng: 113.912316 }, gcj: { lat: 22.540796131694766, lng: 113.9171764808363 } },
];

test('WGS-84 → GCJ-02 gives the published pairs (Beijing, Shanghai, Shenzhen) to 1e-9 degrees', () => {
  for (const { place, wgs, gcj } of PUBLISHED) {
    const got = wgs84ToGcj02(wgs);
    assert.ok(Math.abs(got.lat - gcj.lat) < 1e-9 && Math.abs(got.lng - gcj.lng) < 1e-9, `${place}: ${JSON.stringify(got)} ≠ ${JSON.stringify(gcj)}`);
    // The offset is a few hundred metres in these cities: a wrong sign or axis would show.
    assert.ok(distanceMeters(wgs, got) > 100 && distanceMeters(wgs, got) < 1000, `${place}: offset ${distanceMeters(wgs, got)} m`);
  }
});

test('GCJ-02 → WGS-84 recovers the published WGS-84 points within 1 m', () => {
  for (const { place, wgs, gcj } of PUBLISHED) {
    const back = gcj02ToWgs84(gcj);
    assert.ok(distanceMeters(back, wgs) < 1, `${place}: ${distanceMeters(back, wgs)} m off`);
  }
});

test('outside China both directions leave the point unchanged', () => {
  for (const p of [{ lat: 51.5007, lng: -0.1246 }, { lat: 35.6586, lng: 139.7454 }, { lat: -33.8568, lng: 151.2153 }, { lat: 0, lng: 0 }]) {
    assert.ok(outsideChina(p));
    assert.deepEqual(wgs84ToGcj02(p), p);
    assert.deepEqual(gcj02ToWgs84(p), p);
  }
});

test('a round trip WGS-84 → GCJ-02 → WGS-84 stays within 1 m across China', () => {
  let worst = 0;
  for (let lat = 18; lat <= 53; lat += 1.7) {
    for (let lng = 74; lng <= 134; lng += 2.3) {
      const p = { lat, lng };
      worst = Math.max(worst, distanceMeters(gcj02ToWgs84(wgs84ToGcj02(p)), p));
    }
  }
  assert.ok(worst < 1, `worst round trip ${worst} m`);
});

test('toCrs / fromCrs: wgs84 is the identity, gcj02 the transform', () => {
  const p = PUBLISHED[0]!.wgs;
  assert.deepEqual(toCrs(p, 'wgs84'), p);
  assert.deepEqual(toCrs(p, 'gcj02'), wgs84ToGcj02(p));
  assert.ok(distanceMeters(fromCrs(toCrs(p, 'gcj02'), 'gcj02'), p) < 0.01);
});

test('distanceMeters: one degree of latitude is about 111.2 km; a point to itself is 0', () => {
  assert.ok(Math.abs(distanceMeters({ lat: 31, lng: 121 }, { lat: 32, lng: 121 }) - 111_195) < 10);
  assert.equal(distanceMeters({ lat: 31, lng: 121 }, { lat: 31, lng: 121 }), 0);
});
