// The map's API (issue 21) on a gateway seeded with the demo district
// (configs/demo.yaml, video off): the layers as GeoJSON, a known point inside
// a known cell, scope (a street's key sees only its street), the nearest
// cameras (own cell first, then distance, within the radius), bad points
// refused on the field, the map configuration with a tile layer whose key is
// never logged, and alarm linkage on a new incident's event.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { InjectOptions } from 'fastify';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { openSse } from './helpers/sse.ts';
import { inRing } from '../gateway/incidents/grid-locator.ts';

interface Feature { type: 'Feature'; geometry: { type: string; coordinates: unknown }; properties: Record<string, unknown> }
interface Collection { type: 'FeatureCollection'; features: Feature[] }
type Layers = Record<'grids' | 'channels' | 'sensors' | 'incidents', Collection>;

let t: TestGateway;
const admin = (opts: InjectOptions) => t.call('admin', opts);

before(async () => {
  t = await startTestGateway({ argv: ['--config', 'configs/demo.yaml'] });
});
after(async () => {
  await t?.stop();
});

const layers = async (key?: string, query = 'grids,channels,sensors,incidents'): Promise<Layers> => {
  const res = await t.app.inject({ method: 'GET', url: `/api/map/layers?layers=${query}`, headers: { authorization: `Bearer ${key ?? t.adminKey}` } });
  assert.equal(res.statusCode, 200, res.body);
  return res.json<Layers>();
};
const ids = (c: Collection, prop = 'id') => c.features.map((f) => String(f.properties[prop])).sort();

const cellsContaining = (grids: Collection, [lng, lat]: [number, number]) =>
  grids.features.filter((g) => inRing(lng, lat, (g.geometry.coordinates as number[][][])[0]!)).map((g) => String(g.properties.code));

async function raise(body: Record<string, unknown>): Promise<{ id: string; gridCode: string }> {
  const res = await admin({ method: 'POST', url: '/api/incidents/candidates', payload: { severity: 'major', occurredAt: Date.now() - 1000, ...body } });
  assert.ok(res.statusCode < 300, res.body);
  return res.json<{ incident: { id: string; gridCode: string } }>().incident;
}

test('layers of the demo district: its grid cells, the cameras and sensors that have a location, open incidents, in WGS-84 [lng, lat]', async () => {
  const gas = await raise({ source: { kind: 'sensor', id: 'gas-01' }, type: 'gas_leak', title: '燃气浓度超限', location: { lat: 31.238, lng: 121.495 } });
  const l = await layers();
  assert.deepEqual(ids(l.grids, 'code'), ['310101', '310101001', '310101001001', '310101001001001', '310101002', '310101002001', '310101002001001']);
  const plaza = l.grids.features.find((f) => f.properties.code === '310101001001001')!;
  assert.deepEqual(plaza.properties, { code: '310101001001001', name: '东门广场网格', level: 'grid', parentCode: '310101001001' });
  assert.equal(plaza.geometry.type, 'Polygon');
  // The drone (no location) and the temperature sensor (no location) have no marker.
  assert.deepEqual(ids(l.channels), ['cam-dongmen-01', 'cam-gb-nvr-01', 'cam-hedi-02', 'cam-school-03']);
  assert.deepEqual(ids(l.sensors), ['gas-01', 'manhole-01', 'smoke-01', 'water-01']);
  const cam = l.channels.features.find((f) => f.properties.id === 'cam-dongmen-01')!;
  assert.deepEqual(cam.geometry, { type: 'Point', coordinates: [121.497, 31.24] });
  assert.equal(cam.properties.name, '东门广场-01');
  assert.equal(cam.properties.kind, 'rtsp');
  assert.equal(cam.properties.gridCode, '310101001001001');
  assert.equal(typeof cam.properties.status, 'string');
  const gasSensor = l.sensors.features.find((f) => f.properties.id === 'gas-01')!;
  assert.equal(gasSensor.properties.kind, 'gas');
  // No message yet: the sensor room's health, with its reason.
  assert.equal(gasSensor.properties.status, 'unknown');
  assert.equal(gasSensor.properties.reason, 'no message yet');
  const inc = l.incidents.features.find((f) => f.properties.id === gas.id)!;
  assert.ok(inc, 'the open incident is on the map');
  assert.deepEqual(inc.geometry, { type: 'Point', coordinates: [121.495, 31.238] });
  assert.equal(inc.properties.type, 'gas_leak');
  assert.equal(inc.properties.severity, 'major');
  assert.equal(inc.properties.status, 'reported');
  assert.equal(inc.properties.gridCode, '310101001001001');
  assert.match(String(inc.properties.code), /^\d{8}-\d{5}$/);
  // Asking for one layer answers that one only.
  assert.deepEqual(Object.keys(await layers(undefined, 'grids')), ['grids']);
});

test('a known point inside a known cell: each camera lies in the outline of its own cell, the smallest that contains it', async () => {
  const l = await layers();
  const where = (id: string) => l.channels.features.find((f) => f.properties.id === id)!.geometry.coordinates as [number, number];
  assert.deepEqual(cellsContaining(l.grids, where('cam-dongmen-01')), ['310101', '310101001', '310101001001', '310101001001001']);
  assert.deepEqual(cellsContaining(l.grids, where('cam-hedi-02')), ['310101', '310101002', '310101002001', '310101002001001']);
  // 学校路口-03 is in 东门社区 but east of 东门广场网格.
  assert.deepEqual(cellsContaining(l.grids, where('cam-school-03')), ['310101', '310101001', '310101001001']);
  for (const f of l.channels.features) {
    const cells = cellsContaining(l.grids, f.geometry.coordinates as [number, number]);
    assert.equal(f.properties.gridCode, cells.at(-1), `${String(f.properties.id)} is drawn in its own cell`);
  }
});

test('scope: a key of 东门街道 sees only its street\'s cells, devices and incidents on the map', async () => {
  const river = await raise({ source: { kind: 'sensor', id: 'water-01' }, type: 'water_level_high', title: '水位超限', location: { lat: 31.221, lng: 121.467 } });
  const east = await raise({ source: { kind: 'sensor', id: 'smoke-01' }, type: 'smoke', title: '烟感', location: { lat: 31.242, lng: 121.503 } });
  const key = (await admin({ method: 'POST', url: '/api/keys', payload: { name: '东门街道', role: 'operator', scope: ['310101001'] } })).json<{ secret: string }>().secret;
  const l = await layers(key);
  assert.deepEqual(ids(l.grids, 'code'), ['310101001', '310101001001', '310101001001001']);
  assert.deepEqual(ids(l.channels), ['cam-dongmen-01', 'cam-gb-nvr-01', 'cam-school-03']);
  assert.deepEqual(ids(l.sensors), ['gas-01', 'smoke-01']);
  const incidents = ids(l.incidents);
  assert.ok(incidents.includes(east.id), 'the street\'s incident is shown');
  assert.ok(!incidents.includes(river.id), 'the other street\'s incident is not');
  const text = JSON.stringify(l);
  for (const other of ['310101002', 'cam-hedi-02', 'water-01', 'manhole-01', river.id]) assert.ok(!text.includes(other), `names ${other}`);
  // The whole admin map has them.
  assert.ok(ids((await layers()).incidents).includes(river.id));
  // The nearest cameras of a 河滨 point are none for this key: they are outside its scope.
  const near = await t.app.inject({ method: 'GET', url: '/api/channels/near?lat=31.220&lng=121.468&radius=1000', headers: { authorization: `Bearer ${key}` } });
  assert.deepEqual(near.json(), { items: [] });
});

test('nearest cameras: the point\'s own cell first, then by distance, within the radius, at most limit', async () => {
  // A point in 东门广场网格 near its west edge; across the edge, 河滨街道 (another cell) has a camera closer than the cell's own.
  const add = (id: string, gridCode: string, lat: number, lng: number) =>
    admin({ method: 'POST', url: '/api/channels', payload: { id, name: id, kind: 'rtsp', source: { url: `rtsp://127.0.0.1:9/${id}` }, gridCode, location: { lat, lng }, enabled: false } });
  assert.equal((await add('near-across', '310101002', 31.232, 121.4895)).statusCode, 201);
  assert.equal((await add('near-own', '310101001001001', 31.236, 121.4905)).statusCode, 201);
  const near = async (q: string) => {
    const res = await admin({ method: 'GET', url: `/api/channels/near?${q}` });
    assert.equal(res.statusCode, 200, res.body);
    return res.json<{ items: Array<{ id: string; name: string; gridCode: string; distanceMeters: number; status: string }> }>().items;
  };
  const items = await near('lat=31.232&lng=121.4905&radius=800&limit=10');
  assert.deepEqual(items.map((i) => i.id), ['near-own', 'near-across']);
  assert.equal(items[0]!.gridCode, '310101001001001');
  assert.ok(Math.abs(items[0]!.distanceMeters - 445) < 5, `near-own at ${items[0]!.distanceMeters} m`);
  assert.ok(Math.abs(items[1]!.distanceMeters - 95) < 3, `near-across at ${items[1]!.distanceMeters} m`);
  assert.equal(typeof items[0]!.status, 'string');
  assert.equal(items[0]!.name, 'near-own');
  // The radius cuts: only the one across the edge is within 300 m.
  assert.deepEqual((await near('lat=31.232&lng=121.4905&radius=300')).map((i) => i.id), ['near-across']);
  // The limit keeps the first in that order.
  assert.deepEqual((await near('lat=31.232&lng=121.4905&radius=800&limit=1')).map((i) => i.id), ['near-own']);
  // A wider radius adds the cell's other cameras by distance, still before the other cell's.
  assert.deepEqual((await near('lat=31.232&lng=121.4905&radius=1100&limit=10')).map((i) => i.id), ['near-own', 'cam-gb-nvr-01', 'cam-dongmen-01', 'near-across']);
  // Defaults from wall.linkage: 500 m, 4 cameras.
  assert.deepEqual((await near('lat=31.232&lng=121.4905')).map((i) => i.id), ['near-own', 'near-across']);
  // A moved camera is found at its new place at once (the index follows the registry).
  const patch = await admin({ method: 'PATCH', url: '/api/channels/near-across', payload: { location: { lat: 31.2, lng: 121.3 } } });
  assert.equal(patch.statusCode, 200, patch.body);
  assert.deepEqual((await near('lat=31.232&lng=121.4905&radius=300')).map((i) => i.id), []);
  await admin({ method: 'PATCH', url: '/api/channels/near-across', payload: { location: { lat: 31.232, lng: 121.4895 } } });
});

test('a bad point or radius is 400 GW_ERR_VALIDATION on the field; a bad layer name on layers', async () => {
  for (const [q, field] of [
    ['lat=91&lng=121.5', 'lat'], ['lat=abc&lng=121.5', 'lat'], ['lng=121.5', 'lat'], ['lat=31.2&lng=181', 'lng'], ['lat=31.2&lng=east', 'lng'], ['lat=31.2', 'lng'],
    ['lat=31.2&lng=121.5&radius=0', 'radius'], ['lat=31.2&lng=121.5&limit=1000', 'limit'],
  ] as const) {
    const res = await admin({ method: 'GET', url: `/api/channels/near?${q}` });
    assert.equal(res.statusCode, 400, `${q}: ${res.body}`);
    const body = res.json<{ code: string; field: string }>();
    assert.equal(body.code, 'GW_ERR_VALIDATION', q);
    assert.equal(body.field, field, `${q}: ${res.body}`);
  }
  const bad = await admin({ method: 'GET', url: '/api/map/layers?layers=grids,roads' });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json<{ field: string }>().field, 'layers');
});

test('map config with no base map: no tiles, opens on the demo district, linkage from wall.linkage', async () => {
  const res = await t.call('operator', { method: 'GET', url: '/api/map/config' });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json<{ tiles: unknown[]; center: [number, number]; zoom: number; linkage: unknown }>();
  assert.deepEqual(body.tiles, []);
  // The district's outline is 121.46–121.52 E, 31.21–31.25 N: the middle, at a zoom that shows it whole.
  assert.deepEqual(body.center, [121.49, 31.23]);
  assert.ok(body.zoom >= 12 && body.zoom <= 14, `zoom ${body.zoom}`);
  assert.deepEqual(body.linkage, { mode: 'offer', cameras: 4, radiusMeters: 500 });
});

test('map config with a 天地图-like tile layer in GCJ-02: answered to the wall, its tk never logged', async () => {
  const tk = 'f3c9a1b27d4e4c0b9a8e7d6c5b4a3921';
  const tiles = `[{name: 底图, url: "https://t{s}.tiles.example/vec_w/wmts?TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=${tk}", subdomains: ["0", "1"], crs: gcj02, maxZoom: 18}]`;
  const g = await startTestGateway({ argv: ['--map.tiles', tiles, '--map.center', '[121.5, 31.23]', '--wall.linkage.mode', 'auto'] });
  try {
    const res = await g.call('operator', { method: 'GET', url: '/api/map/config' });
    const body = res.json<{ tiles: Array<{ url: string; crs: string; subdomains: string[] }>; center: number[]; zoom: number; linkage: { mode: string } }>();
    assert.equal(body.tiles[0]!.crs, 'gcj02');
    assert.ok(body.tiles[0]!.url.endsWith(`tk=${tk}`), 'the wall needs the key to fetch tiles');
    assert.deepEqual(body.tiles[0]!.subdomains, ['0', '1']);
    assert.deepEqual(body.center, [121.5, 31.23]);
    assert.equal(body.zoom, 13);
    assert.equal(body.linkage.mode, 'auto');
    assert.ok(g.logs().includes('map base layers configured'), 'the layers are logged');
    assert.ok(!g.logs().includes(tk), 'the tile key is not');
  } finally {
    await g.stop();
  }
});

test('alarm linkage: a located incident\'s incident.created event carries its nearest cameras; a street\'s stream only its street\'s', async () => {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  const riverKey = (await admin({ method: 'POST', url: '/api/keys', payload: { name: '河滨街道', role: 'operator', scope: ['310101002'] } })).json<{ secret: string }>().secret;
  const everyone = await openSse(`${base}/api/events`, { authorization: `Bearer ${t.adminKey}` });
  const river = await openSse(`${base}/api/events`, { authorization: `Bearer ${riverKey}` });
  try {
    // A manual report at the west edge of 东门广场网格 (reported in 河滨's neighbour, located by its point).
    const report = await admin({ method: 'POST', url: '/api/incidents', payload: { type: 'other', severity: 'major', title: '井盖缺失', location: { lat: 31.232, lng: 121.4905 } } });
    assert.equal(report.statusCode, 201, report.body);
    const { id, gridCode } = report.json<{ incident: { id: string; gridCode: string } }>().incident;
    assert.equal(gridCode, '310101001001001');
    const created = async (s: typeof everyone) => {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const e = s.events.find((x) => x.event === 'incident.created' && x.data.id === id);
        if (e) return e.data as { nearestCameras?: Array<{ id: string; distanceMeters: number }> };
        assert.ok(Date.now() < deadline, 'incident.created did not arrive');
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const data = await created(everyone);
    // wall.linkage: 4 cameras within 500 m, own cell first — the same as GET /api/channels/near.
    assert.deepEqual(data.nearestCameras?.map((c) => c.id), ['near-own', 'near-across']);
    const near = (await admin({ method: 'GET', url: '/api/channels/near?lat=31.232&lng=121.4905' })).json<{ items: unknown[] }>();
    assert.deepEqual(data.nearestCameras, near.items);
    // A 东门 incident does not reach 河滨's stream at all; a 河滨 one with a 东门 camera near it carries only 河滨's cameras.
    const riverside = await admin({ method: 'POST', url: '/api/incidents', payload: { type: 'other', severity: 'minor', title: '堤岸', location: { lat: 31.232, lng: 121.4893 } } });
    const r = riverside.json<{ incident: { id: string; gridCode: string } }>().incident;
    assert.equal(r.gridCode, '310101002');
    const deadline = Date.now() + 20_000;
    let seen: { nearestCameras?: Array<{ id: string }> } | undefined;
    while (!(seen = river.events.find((x) => x.event === 'incident.created' && x.data.id === r.id)?.data as typeof seen)) {
      assert.ok(Date.now() < deadline, 'the 河滨 incident did not reach the 河滨 stream');
      await new Promise((res) => setTimeout(res, 50));
    }
    assert.deepEqual(seen.nearestCameras?.map((c) => c.id), ['near-across']);
    const all = everyone.events.find((x) => x.event === 'incident.created' && x.data.id === r.id);
    assert.ok(all, 'the admin stream has it');
    assert.deepEqual((all.data as { nearestCameras: Array<{ id: string }> }).nearestCameras.map((c) => c.id), ['near-across', 'near-own']);
    assert.ok(!river.events.some((x) => x.data.id === id), 'the 东门 incident stays out of the 河滨 stream');
    // An incident without a location carries none.
    const nowhere = await admin({ method: 'POST', url: '/api/incidents', payload: { type: 'other', severity: 'minor', title: '无位置', gridCode: '310101002' } });
    const n = nowhere.json<{ incident: { id: string } }>().incident;
    const until = Date.now() + 20_000;
    let plain;
    while (!(plain = everyone.events.find((x) => x.event === 'incident.created' && x.data.id === n.id))) {
      assert.ok(Date.now() < until, 'the unlocated incident did not arrive');
      await new Promise((res) => setTimeout(res, 50));
    }
    assert.equal(plain.data.nearestCameras, undefined);
  } finally {
    everyone.close();
    river.close();
  }
});

/** The gateway's URL for an SSE client (listening from the first test that needs it). */
async function baseUrl(): Promise<string> {
  if (!t.app.server.listening) await t.app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
}

test('device status by events: a street\'s stream gets its own cameras and sensors going offline or online, not another street\'s; a coded reason, never a URL', async () => {
  const base = await baseUrl();
  const eastKey = (await admin({ method: 'POST', url: '/api/keys', payload: { name: '东门街道 status', role: 'operator', scope: ['310101001'] } })).json<{ secret: string }>().secret;
  const east = await openSse(`${base}/api/events?types=device.status`, { authorization: `Bearer ${eastKey}` });
  const everyone = await openSse(`${base}/api/events?types=device.status`, { authorization: `Bearer ${t.adminKey}` });
  const statusOf = (s: typeof east, id: string, state: string) => s.events.find((e) => e.event === 'device.status' && e.data.id === id && e.data.state === state);
  const arrives = async (s: typeof east, id: string, state: string) => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const e = statusOf(s, id, state);
      if (e) return e.data;
      assert.ok(Date.now() < deadline, `device.status ${id} ${state} did not arrive`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  try {
    // What the video and sensor rooms do when a device changes: write its status to the registry.
    const registry = t.gw.service;
    await registry.setStatus('channels', 'cam-hedi-02', { state: 'offline', reason: 'unreachable', since: Date.now() });
    await registry.setStatus('channels', 'cam-dongmen-01', { state: 'offline', reason: 'auth failed', since: Date.now() });
    await registry.setStatus('sensors', 'water-01', { state: 'offline', reason: 'no reading for 60 s', since: Date.now() });
    await registry.setStatus('sensors', 'smoke-01', { state: 'offline', reason: 'LWT offline', since: Date.now() });

    const cam = await arrives(east, 'cam-dongmen-01', 'offline');
    assert.deepEqual({ ...cam, at: undefined }, { entity: 'channel', id: 'cam-dongmen-01', channelId: 'cam-dongmen-01', state: 'offline', reason: 'auth failed', reasonCode: 'auth_failed', at: undefined });
    assert.ok(Number.isFinite(Date.parse(String(cam.at))), 'when, in ISO');
    const smoke = await arrives(east, 'smoke-01', 'offline');
    assert.equal(smoke.entity, 'sensor');
    assert.equal(smoke.sensorId, 'smoke-01');
    assert.equal(smoke.reasonCode, 'lwt_offline');
    // The other street's camera and sensor reach the unscoped stream, not the street's.
    assert.deepEqual((await arrives(everyone, 'cam-hedi-02', 'offline')).reasonParams, undefined);
    assert.deepEqual((await arrives(everyone, 'water-01', 'offline')).reasonParams, { seconds: '60' });
    await arrives(everyone, 'smoke-01', 'offline');

    // Back online; a repeat of the same status is no new event.
    await registry.setStatus('channels', 'cam-dongmen-01', { state: 'online', since: Date.now() });
    await registry.setStatus('channels', 'cam-dongmen-01', { state: 'online', since: Date.now() });
    const online = await arrives(east, 'cam-dongmen-01', 'online');
    assert.equal(online.reason, undefined);
    // A reason the vocabulary does not know (here one naming a URL with a password) is not sent at all.
    await registry.setStatus('channels', 'cam-school-03', { state: 'offline', reason: 'rtsp://admin:s3cret@10.0.0.9/stream refused', since: Date.now() });
    const school = await arrives(east, 'cam-school-03', 'offline');
    assert.equal(school.reason, undefined);
    assert.equal(school.reasonCode, undefined);
    // A disabled sensor is said as the map layer says it.
    await registry.setStatus('sensors', 'gas-01', { state: 'offline', reason: 'disabled', since: Date.now() });
    assert.equal((await arrives(east, 'gas-01', 'disabled')).reasonCode, 'disabled');

    await arrives(everyone, 'cam-school-03', 'offline');
    const eastIds = east.events.map((e) => String(e.data.id));
    for (const other of ['cam-hedi-02', 'water-01']) assert.ok(!eastIds.includes(other), `the 东门 stream names ${other}`);
    assert.equal(east.events.filter((e) => e.data.id === 'cam-dongmen-01' && e.data.state === 'online').length, 1, 'one event per change');
    const text = JSON.stringify([...east.events, ...everyone.events]);
    for (const secret of ['rtsp://', 's3cret', 'password']) assert.ok(!text.includes(secret), `an event says ${secret}`);
  } finally {
    east.close();
    everyone.close();
  }
});
