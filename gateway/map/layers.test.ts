// The layers on a real SQLite registry with 10,000 cameras: one list query per
// layer whatever the count, no read per row, each camera's status from the live
// status book (the registry's where the book has none), and the caller's cells
// only. No timing: what is counted is the queries.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { RegistryService, SqliteRegistryStore, type Actor } from '../../device-registry/index.ts';
import { runImport } from '../../device-registry/import/run-import.ts';
import type { IncidentService } from '../incidents/index.ts';
import { buildLayers, type FeatureCollection } from './layers.ts';

const ADMIN: Actor = { keyId: null, name: 'test', role: 'admin' };
const COUNT = 10_000;
const square = (lng: number, lat: number, size: number) => ({ type: 'Polygon', coordinates: [[[lng, lat], [lng + size, lat], [lng + size, lat + size], [lng, lat + size], [lng, lat]]] });

const dir = mkdtempSync(join(tmpdir(), 'gw-map-layers-'));
let store: SqliteRegistryStore;
let service: RegistryService;
const calls = { list: 0, get: 0, getMany: 0 };

before(async () => {
  store = new SqliteRegistryStore(join(dir, 'registry.db'));
  service = new RegistryService(store);
  await service.create('grids', { code: 'D', name: '区', level: 'district', polygon: square(121.4, 31.2, 0.2) }, ADMIN);
  for (const [n, lng] of [[1, 121.4], [2, 121.5]] as const) {
    await service.create('grids', { code: `S${n}`, name: `${n}街`, level: 'street', parentCode: 'D', polygon: square(lng, 31.2, 0.1) }, ADMIN);
    await service.create('grids', { code: `G${n}`, name: `${n}网格`, level: 'grid', parentCode: `S${n}`, polygon: square(lng, 31.2, 0.05) }, ADMIN);
  }
  // Cameras alternate between the streets' cells; every hundredth has no location.
  const rows = Array.from({ length: COUNT }, (_, i) => ({
    row: i + 1,
    input: {
      id: `cam-${String(i).padStart(5, '0')}`, name: `路口-${i}`, kind: 'rtsp', source: { url: `rtsp://10.0.0.1/${i}` }, enabled: false,
      gridCode: i % 2 ? 'G2' : 'G1',
      ...(i % 100 === 99 ? {} : { location: { lat: 31.2 + (i % 50) / 1000, lng: (i % 2 ? 121.5 : 121.4) + (i % 40) / 1000 } }),
    },
  }));
  const report = await runImport(service, 'channels', rows, { dryRun: false, mode: 'all', onConflict: 'fail' }, ADMIN);
  assert.equal(report.written, COUNT, report.problems.slice(0, 3).join('; '));
  // Count the store's reads from here on.
  const list = store.list.bind(store);
  const get = store.get.bind(store);
  const getMany = store.getMany.bind(store);
  store.list = (...a) => (calls.list++, list(...a));
  store.get = (...a) => (calls.get++, get(...a));
  store.getMany = (...a) => (calls.getMany++, getMany(...a));
});
after(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The live book knows the even cameras (online), as a node's video room knows the channels it runs. */
let asked = 0;
const channelStatus = (id: string) => (asked++, Number(id.slice(4)) % 2 === 0 ? { state: 'online' } : undefined);
// Only the registry and channel layers are asked here: the incident layer is test/map-api.test.ts's.
const sources = () => ({ registry: service, incidents: undefined as unknown as IncidentService, channelStatus });

test('10,000 cameras: one list query per layer, no read per camera, status from the live book or the registry', async () => {
  Object.assign(calls, { list: 0, get: 0, getMany: 0 });
  asked = 0;
  const out = await buildLayers(sources(), ['grids', 'channels'], null);
  assert.deepEqual(calls, { list: 2, get: 0, getMany: 0 }, 'one query for grids, one for channels');
  const channels = out.channels as FeatureCollection;
  assert.equal(channels.features.length, COUNT - COUNT / 100, 'every located camera, none without a location');
  assert.equal(asked, COUNT - COUNT / 100, 'the book asked once per located camera');
  const byId = new Map(channels.features.map((f) => [String(f.properties.id), f]));
  assert.equal(byId.get('cam-00000')!.properties.status, 'online', 'from the book');
  assert.equal(byId.get('cam-00001')!.properties.status, 'unknown', 'the registry\'s, which nothing wrote yet');
  assert.deepEqual(byId.get('cam-00003')!.geometry, { type: 'Point', coordinates: [121.5 + 3 / 1000, 31.2 + 3 / 1000] });
  assert.equal(byId.get('cam-00099'), undefined, 'no location, no marker');
  assert.deepEqual((out.grids as FeatureCollection).features.map((f) => f.properties.code).sort(), ['D', 'G1', 'G2', 'S1', 'S2']);
});

test('a street\'s cells: only its cameras and cells, still one query per layer; no cells: no query at all', async () => {
  Object.assign(calls, { list: 0, get: 0, getMany: 0 });
  const out = await buildLayers(sources(), ['grids', 'channels'], new Set(['S1', 'G1']));
  assert.equal(calls.list, 2);
  const channels = (out.channels as FeatureCollection).features;
  assert.equal(channels.length, COUNT / 2, 'G1 holds the even cameras, all located (the unlocated are odd: G2)');
  assert.ok(channels.every((f) => f.properties.gridCode === 'G1'));
  assert.deepEqual((out.grids as FeatureCollection).features.map((f) => f.properties.code).sort(), ['G1', 'S1']);
  Object.assign(calls, { list: 0, get: 0, getMany: 0 });
  const none = await buildLayers(sources(), ['grids', 'channels', 'sensors', 'incidents'], new Set());
  assert.equal(calls.list, 0);
  for (const layer of Object.values(none)) assert.deepEqual(layer, { type: 'FeatureCollection', features: [] });
});
