// Generated bad input over every route the gateway serves, with video,
// detection, sensors and GB28181 on (no device needs to exist): for each
// route a valid request, then mutations of its path parameters, query,
// body, content type and headers from a fixed seed, sent over real HTTP as
// admin (and the valid one as every other role and as nobody). No answer may
// be a 5xx; every 4xx is JSON {code, message} with a catalogue code, and
// names the field when a field is at fault.
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { InjectOptions } from 'fastify';
import { prng } from '../detectors/tools/bench-model.ts';
import { GwError, type Role } from '../device-registry/index.ts';
import { rtspChannel, seedBasics, sensor, startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { postgresPerFile } from './helpers/postgres.ts';
import {
  breach, exampleOf, mutations, openApiPath, paramNames, registeredRoutes, send, urlOf,
  type Answer, type Example, type Probe, type Route,
} from './helpers/route-fuzz.ts';

const SEED = 0x17f00d;
const GB_DEVICE = '34020000001110000001';
const GB_CHANNEL = '34020000001320000001';

/** One gateway under test: its fixtures' ids and where it listens. */
interface Target {
  t: TestGateway;
  port: number;
  ids: { key: string; incident: string; webhook: string; mediaToken: string };
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const pg = postgresPerFile('route_fuzz');
/** The embedded stores (SQLite); the regression tests below use it too. */
let t: TestGateway;
let port: number;
let embedded: Target;

async function created(gw: TestGateway, role: Role, method: 'POST' | 'GET', url: string, payload?: object): Promise<Record<string, unknown>> {
  const res = await gw.call(role, { method, url, ...(payload ? { payload } : {}) });
  assert.ok(res.statusCode < 300, `fixture ${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** A gateway with video, detection, sensors and GB28181 on, the fixtures the examples name, listening on a free port. */
async function startTarget(argv: string[] = []): Promise<Target> {
  const gw = await startTestGateway({ argv: ['--video.enabled', 'true', '--video.startStaggerMs', '0', '--log.level', 'info', ...argv] });
  await seedBasics(gw);
  // Nothing here can start a real stream: the camera is disabled and its address refuses at once.
  await created(gw, 'engineer', 'POST', '/api/channels', rtspChannel('cam-1', { enabled: false, source: { url: 'rtsp://127.0.0.1:9/cam-1' } }));
  await created(gw, 'engineer', 'POST', '/api/gb28181/devices', { id: GB_DEVICE, name: '东门 NVR', password: 'gb-device-pw' });
  await created(gw, 'engineer', 'POST', '/api/channels', { id: 'gb-cam-1', name: 'GB 通道', kind: 'gb28181', source: { deviceId: GB_DEVICE, channelId: GB_CHANNEL }, enabled: false });
  await created(gw, 'engineer', 'POST', '/api/sensors', sensor('s-1'));
  const ids = {
    key: String((await created(gw, 'admin', 'POST', '/api/keys', { name: 'spare key', role: 'operator' })).id),
    webhook: String((await created(gw, 'admin', 'POST', '/api/webhooks', { name: 'fuzz hook', url: 'http://127.0.0.1:9/hook' })).id),
    incident: String(((await created(gw, 'operator', 'POST', '/api/incidents', manualReport())).incident as { id: string }).id),
    mediaToken: /\/media\/([^/]+)\//.exec(String((await created(gw, 'operator', 'GET', '/api/channels/cam-1/play')).hls))![1]!,
  };
  await gw.app.listen({ port: 0, host: '127.0.0.1' });
  return { t: gw, port: (gw.app.server.address() as AddressInfo).port, ids };
}

before(async () => {
  embedded = await startTarget();
  ({ t, port } = embedded);
});
let stopped: Promise<void> | undefined;
const stopEmbedded = () => (stopped ??= t.stop());
after(async () => {
  agent.destroy();
  await stopEmbedded();
});

const manualReport = () => ({ type: 'road_damage', severity: 'minor', title: '路面塌陷', description: '东门广场', occurredAt: Date.now() - 60_000, location: { lat: 31.22, lng: 121.42 }, evidence: { snapshots: ['/x.jpg'], note: { by: 'patrol' } } });

/** Path parameter values that name things the fixtures made; anything else gets 'x'. */
function paramsFor(path: string, ids: Target['ids']): Record<string, string> {
  const id =
    path.startsWith('/api/channels/') ? (path.includes('/ptz') ? 'gb-cam-1' : 'cam-1')
    : path.startsWith('/api/sensors/') ? 's-1'
    : path.startsWith('/api/departments/') ? 'dept-1'
    : path.startsWith('/api/gb28181/devices/') ? GB_DEVICE
    : path.startsWith('/api/keys/') ? ids.key
    : path.startsWith('/api/incidents/') ? ids.incident
    // No delivery has this id (a low one may have become a dead letter of the fuzz's own webhook by then).
    : path.startsWith('/api/webhooks/deliveries/') ? '987654321'
    : path.startsWith('/api/webhooks/') ? ids.webhook
    : path.startsWith('/media/') ? 'cam-1'
    : 'x';
  const known: Record<string, string> = {
    id, code: 'D1-S1-G1', action: 'accept', token: ids.mediaToken, segment: 'seg-1.ts', name: 'fuzz-profile',
    day: '20260101', file: '00000000-0000-0000-0000-000000000000.jpg', '*': 'index.css',
  };
  return Object.fromEntries(paramNames(path).map((n) => [n, encodeURIComponent(known[n] ?? 'x')]));
}

/** Valid bodies and queries where a schema alone does not make one (references to fixtures, semantics). */
const EXAMPLES: Record<string, Partial<Example> & { expect?: number }> = {
  'POST /api/channels': { body: rtspChannel('cam-fuzz', { enabled: false, source: { url: 'rtsp://127.0.0.1:9/fuzz' } }) },
  'PATCH /api/channels/:id': { body: { name: '东门广场-改', tags: ['广场'] } },
  'POST /api/sensors': { body: sensor('s-fuzz') },
  'PATCH /api/sensors/:id': { body: { name: '燃气-改', rules: { ch4: { above: 20 } } } },
  'POST /api/grids': { body: { code: 'D1-S1-G9', name: '新网格', level: 'grid', parentCode: 'D1-S1' } },
  'PATCH /api/grids/:code': { body: { name: '东门广场网格-改' } },
  'POST /api/departments': { body: { id: 'dept-fuzz', name: '应急管理局' } },
  'PATCH /api/departments/:id': { body: { name: '城管执法大队-改' } },
  'POST /api/gb28181/devices': { body: { id: '34020000001110000009', name: '西门 NVR', password: 'gb-device-pw', mediaTransport: 'udp' } },
  'PATCH /api/gb28181/devices/:id': { body: { name: '东门 NVR-改' } },
  'POST /api/keys': { body: { name: 'fuzz key', role: 'dispatcher' } },
  'POST /api/import': { query: { entity: 'channels', dryRun: 'true' }, body: [rtspChannel('cam-import', { enabled: false, source: { url: 'rtsp://127.0.0.1:9/i' } })] },
  'GET /api/export': { query: { entity: 'channels' } },
  'POST /api/incidents': { body: manualReport() },
  'POST /api/incidents/candidates': {
    headers: { 'idempotency-key': 'fuzz-candidate-1' },
    body: {
      source: { kind: 'detector', id: 'cam-1' }, type: 'intrusion', severity: 'major', occurredAt: Date.now() - 1000,
      evidence: { detections: [{ label: 'person', score: 0.9, box: [10, 20, 30, 40] }], frameSize: [1280, 720], frameTs: Date.now() - 1000, rule: '河堤' },
    },
  },
  'POST /api/incidents/:id/actions/:action': { body: { version: 1, note: '已受理' } },
  'POST /api/incidents/:id/claim': { body: { leaseSeconds: 60 } },
  'GET /api/incidents': { query: { status: 'reported', order: 'queue', from: encodeURIComponent('2026-01-01T00:00:00Z') } },
  'GET /api/stats/incidents': { query: { by: 'grid', from: encodeURIComponent(new Date(Date.now() - 86_400_000).toISOString()) } },
  'GET /api/sensors/:id/readings': { query: { step: '60' } },
  'POST /api/webhooks': { body: { name: '指挥中心', url: 'http://127.0.0.1:9/hook2', filter: { types: ['incident.created'], minSeverity: 'major', grids: ['D1'] } } },
  'POST /api/channels/:id/ptz': { body: { pan: 'left', panSpeed: 100 }, expect: 409 }, // the device is not registered
  'POST /api/gb28181/devices/:id/catalog': { expect: 409 },
  'GET /api/gb28181/devices/:id/info': { expect: 409 },
  'GET /api/gb28181/devices/:id/device-status': { expect: 409 },
  'PUT /api/detection/profiles/:name': {
    body: { model: 'yolov8n', fps: 2, rules: [{ name: '河堤', classes: ['person'], minScore: 0.5, incidentType: 'intrusion', severity: 'major' }] },
    expect: 400, // no model is configured in this gateway
  },
  'GET /api/snapshots/:day/:file': { expect: 404 },
  'GET /api/channels/:id/snapshot.jpg': { expect: 503 }, // the camera is disabled
  'GET /media/:token/:id/index.m3u8': { expect: 503 },
  'GET /media/:token/:id/:segment': { expect: 404 },
  'GET /media/:token/:id/live.flv': { expect: 503 },
  'POST /api/webhooks/deliveries/:id/retry': { expect: 404 }, // no dead letter
  // Nothing listens on 127.0.0.1:9: the camera is unreachable (a host from the schema would be looked up in DNS).
  'POST /api/onvif/inspect': { body: { host: '127.0.0.1', port: 9, username: 'admin', password: 'fuzz-pw' }, expect: 422 },
  'POST /api/onvif/channels': { body: { host: '127.0.0.1', port: 9, username: 'admin', password: 'fuzz-pw', name: 'ONVIF 路口' }, expect: 422 },
  'POST /api/onvif/channels/:id/refresh': { expect: 404 },
  'POST /api/onvif/discover': { body: { timeoutMs: 100 } },
};

interface Planned {
  route: Route;
  example: Example;
  expect?: number;
  /** The example was written for this route (not made from its schema). */
  handwritten: boolean;
  queryParams: string[];
  takesBody: boolean;
}

async function plan({ t: gw, ids }: Target): Promise<Planned[]> {
  const doc = (await gw.call('admin', { method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, Record<string, Operation>> };
  const routes = registeredRoutes(gw.app);
  const out: Planned[] = [];
  for (const route of routes) {
    const op = doc.paths[openApiPath(route.path)]?.[route.method.toLowerCase()];
    const given = EXAMPLES[`${route.method} ${route.path}`] ?? {};
    const bodySchema = op?.requestBody?.content?.['application/json']?.schema ?? op?.requestBody?.content?.['application/merge-patch+json']?.schema;
    const body = 'body' in given ? given.body : bodySchema ? exampleOf(bodySchema) : undefined;
    out.push({
      route,
      example: { params: paramsFor(route.path, ids), query: given.query ?? {}, ...(body !== undefined ? { body } : {}), ...(given.headers ? { headers: given.headers } : {}) },
      expect: given.expect,
      handwritten: `${route.method} ${route.path}` in EXAMPLES,
      queryParams: (op?.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
      takesBody: bodySchema !== undefined,
    });
  }
  // GET and HEAD first, then writes, deletes last (they remove the fixtures the others use).
  const order = (m: string) => ({ GET: 0, HEAD: 0, DELETE: 2 })[m] ?? 1;
  return out.sort((a, b) => order(a.route.method) - order(b.route.method));
}

interface Operation {
  parameters?: Array<{ in: string; name: string }>;
  requestBody?: { content?: Record<string, { schema?: Record<string, unknown> }> };
}

const baseline = (gw: TestGateway, p: Planned, role: Role | null, key?: string): Probe => ({
  label: `valid request as ${role ?? (key ? 'a bad key' : 'nobody')}`,
  method: p.route.method,
  url: urlOf(p.route.path, p.example.params, Object.entries(p.example.query)),
  headers: {
    ...(p.example.body !== undefined ? { 'content-type': 'application/json' } : {}),
    ...p.example.headers,
    ...(role ? { authorization: `Bearer ${gw.keys[role]}` } : key ? { authorization: key } : {}),
  },
  ...(p.example.body !== undefined ? { body: JSON.stringify(p.example.body) } : {}),
});

/**
 * Sends every route its valid request (as each role and as nobody) and its
 * mutations (as admin); asserts the rule on every answer, that the
 * hand-written examples are still answered as written, and that every room's
 * routes were reached.
 */
async function fuzzEveryRoute(target: Target): Promise<void> {
  const { t: gw, port: at } = target;
  const planned = await plan(target);
  const rand = prng(SEED); // the same mutations on every run
  const failures: string[] = [];
  const statuses = new Map<number, number>();
  const examplesRefused: string[] = [];
  let sent = 0;
  const slowest: Array<[string, number]> = [];
  const check = (p: Probe, a: Answer) => {
    sent++;
    statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
    const why = breach(p, a);
    if (why) failures.push(`${p.method} ${p.url.slice(0, 100)} [${p.label}] → ${why}`);
  };
  const admin = { authorization: `Bearer ${gw.keys.admin}` };

  for (const p of planned) {
    const key = `${p.route.method} ${p.route.path}`;
    const started = Date.now();
    // The valid request first, as admin: the mutations start from something the route accepts.
    const valid = baseline(gw, p, 'admin');
    const answer = await send(at, valid, agent);
    check(valid, answer);
    if (p.expect !== undefined ? answer.status !== p.expect : p.handwritten && answer.status >= 400) examplesRefused.push(`${key}: ${answer.status} ${answer.body.slice(0, 200)}`);
    if (p.route.method === 'HEAD') continue;
    for (const role of ['engineer', 'operator', 'dispatcher', null] as const) {
      const probe = baseline(gw, p, role);
      check(probe, await send(at, probe, agent));
    }
    for (const bad of ['Bearer gwk_not_a_key', 'Basic Zm9vOmJhcg==', `Bearer ${'x'.repeat(4000)}`]) {
      const probe = baseline(gw, p, null, bad);
      check(probe, await send(at, probe, agent));
    }
    for (const m of mutations({ route: p.route, example: p.example, queryParams: p.queryParams, takesBody: p.takesBody, rand })) {
      const probe = { ...m, headers: { ...m.headers, ...admin } };
      check(probe, await send(at, probe, agent));
    }
    slowest.push([key, Date.now() - started]);
  }
  slowest.sort((a, b) => b[1] - a[1]);
  console.log(`route fuzz: slowest routes ${JSON.stringify(slowest.slice(0, 5))}`);
  const routes = new Set(planned.map((p) => `${p.route.method} ${p.route.path}`));
  console.log(`route fuzz: ${routes.size} routes, ${sent} requests, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);

  assert.deepEqual(failures, [], `${failures.length} answers broke the rule:\n${failures.slice(0, 60).join('\n')}`);
  assert.deepEqual(examplesRefused, [], 'every hand-written example is answered as expected (so its mutations test more than the first check)');
  for (const name of Object.keys(EXAMPLES)) assert.ok(routes.has(name), `the example for ${name} names a route that no longer exists`);
  // The walk reached every room: registry, incidents, video, detection, sensors, GB28181, docs and health.
  for (const route of ['GET /api/channels/:id/snapshot.jpg', 'PUT /api/detection/profiles/:name', 'GET /api/sensors/:id/readings', 'POST /api/channels/:id/ptz', 'GET /media/:token/:id/live.flv', 'POST /api/incidents', 'GET /metrics']) {
    assert.ok(routes.has(route), `${route} is among the fuzzed routes`);
  }
  // Still healthy, and nothing failed unseen (an error logged after the answer was sent).
  assert.equal((await gw.call(null, { method: 'GET', url: '/healthz' })).statusCode, 200);
  assert.equal((await gw.call(null, { method: 'GET', url: '/readyz' })).statusCode, 200);
  assert.deepEqual(gw.logs().split('\n').filter((l) => /unhandled error|Maximum call stack|Invalid time value|failed; closing the stream/.test(l)), []);
}

test('every route on the embedded stores: no 500 and catalogue errors for generated bad input', { timeout: 300_000 }, () => fuzzEveryRoute(embedded));


// Regressions, one class each: they hold whatever the seed picks above.

const report = (extra: Record<string, unknown> = {}) => ({ type: 'road_damage', severity: 'minor', title: '井盖缺失', ...extra });
const nested = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
const raw = (method: string, url: string, body: string, type = 'application/json'): InjectOptions => ({ method: method as 'POST', url, headers: { 'content-type': type }, payload: body });
const incidentCount = async () => (await t.call('admin', { method: 'GET', url: '/api/incidents?limit=1' })).json().total as number;

async function refused(role: Role, opts: InjectOptions, field: string, code = 'GW_ERR_VALIDATION'): Promise<string> {
  const res = await t.call(role, opts);
  const body = res.json();
  assert.equal(body.code, code, res.body.slice(0, 300));
  assert.equal(res.statusCode, code === 'GW_ERR_VALIDATION' ? 400 : res.statusCode);
  assert.equal(body.field, field, res.body.slice(0, 300));
  return body.message as string;
}

test('free-form JSON is bounded in depth and size at every layer: 400 naming the field, nothing stored', async () => {
  const before = await incidentCount();
  // Above the field's bound (16), under the body's (32): the schema refuses it.
  assert.match(await refused('operator', raw('POST', '/api/incidents', JSON.stringify(report()).replace(/}$/, `,"evidence":{"x":${nested(17)}}}`)), 'evidence'), /nested deeper than 16 levels/);
  // A few thousand levels (once a stack overflow when stored and served) and 100,000 (would overflow JSON.parse's callers): refused before parsing.
  for (const levels of [3000, 100_000]) {
    const evidence = levels > 10_000 ? `${'['.repeat(levels)}${']'.repeat(levels)}` : `{"x":${nested(levels)}}`;
    const message = await refused('operator', raw('POST', '/api/incidents', JSON.stringify(report()).replace(/}$/, `,"evidence":${evidence}}`)), 'evidence');
    assert.match(message, /nested deeper than 32 levels/);
  }
  // Size: 140 KB of free-form evidence, under the body limit (256 KiB), over the evidence bound (128 KiB).
  assert.match(await refused('operator', { method: 'POST', url: '/api/incidents', payload: report({ evidence: { note: 'x'.repeat(140_000) } }) }, 'evidence'), /larger than 131072 bytes/);
  // The machine door has the same bounds, and so does the door itself (a producer inside the gateway).
  const candidate = { source: { kind: 'detector', id: 'cam-1' }, type: 'intrusion', severity: 'minor', occurredAt: Date.now() };
  await refused('engineer', raw('POST', '/api/incidents/candidates', JSON.stringify({ ...candidate, evidence: { x: JSON.parse(nested(20)) } })), 'evidence');
  let deep: unknown = 1;
  for (let i = 0; i < 100_000; i++) deep = [deep];
  await assert.rejects(t.gw.incidents.service.raise({ ...candidate, evidence: { deep } }), (err: GwError) => err.code === 'GW_ERR_VALIDATION' && err.field === 'evidence');
  // Other free-form fields: a channel patch's source, a whole body.
  await refused('engineer', { method: 'PATCH', url: '/api/channels/any-cam', payload: { source: { url: { a: { b: 1 } } } } }, 'source');
  await refused('engineer', raw('POST', '/api/departments', `{"id":"d","name":"n","deep":${'['.repeat(40)}${']'.repeat(40)}}`), 'deep');
  assert.equal(await incidentCount(), before, 'nothing was stored');
  // Within the bounds it is kept as sent.
  const ok = await t.call('operator', { method: 'POST', url: '/api/incidents', payload: report({ evidence: { note: { by: 'patrol', levels: JSON.parse(nested(10)) } } }) });
  assert.equal(ok.statusCode, 201, ok.body);
  assert.deepEqual(ok.json().incident.evidence.note.levels, JSON.parse(nested(10)));
});

test('every timestamp is bounded: 400 naming the field for 1e20, the year 3000, a leap second; a recent time is accepted', async () => {
  const DAY = 86_400_000;
  for (const occurredAt of [1e20, Date.UTC(3000, 0, 1), Date.now() + 10 * 60_000, Date.now() - 31 * DAY, -1]) {
    await refused('operator', { method: 'POST', url: '/api/incidents', payload: report({ occurredAt }) }, 'occurredAt');
  }
  const candidate = { source: { kind: 'detector', id: 'cam-1' }, type: 'intrusion', severity: 'minor', occurredAt: Date.now() };
  await refused('engineer', { method: 'POST', url: '/api/incidents/candidates', payload: { ...candidate, occurredAt: 1e20 } }, 'occurredAt');
  await refused('engineer', { method: 'POST', url: '/api/incidents/candidates', payload: { ...candidate, evidence: { frameTs: Date.UTC(3000, 0, 1) } } }, 'evidence.frameTs');
  await refused('engineer', { method: 'POST', url: '/api/incidents/candidates', payload: { ...candidate, evidence: { readings: [{ ts: 1e20, metric: 'ch4', value: 1 }] } } }, 'evidence.readings.0.ts');
  for (const url of ['/api/incidents?from=2016-12-31T23:59:60Z', '/api/stats/sla?to=9999-12-31T23:59:59Z', '/api/audit?from=1969-12-31T23:59:59Z', '/api/sensors/any-sensor/readings?from=3000-01-01T00:00:00Z']) {
    const field = /[?&](\w+)=/.exec(url)![1]!;
    await refused('engineer', { method: 'GET', url }, field);
  }
  const ok = await t.call('operator', { method: 'POST', url: '/api/incidents', payload: report({ occurredAt: Date.now() - 3 * DAY, dedupeKey: 'three-days-ago' }) });
  assert.equal(ok.statusCode, 201, ok.body);
  assert.equal((await t.call('operator', { method: 'GET', url: '/api/incidents?from=1970-01-01T00:00:00Z' })).statusCode, 200);
});

test('PATCH takes application/merge-patch+json on every PATCH route, and the OpenAPI document says so', async () => {
  // Its own entities: the fuzz above may have deleted the shared ones.
  const gbDevice = '34020000001110000077';
  await created(t, 'engineer', 'POST', '/api/departments', { id: 'mp-dept', name: '合并部门' });
  await created(t, 'engineer', 'POST', '/api/grids', { code: 'MP-G', name: '合并网格', level: 'grid' });
  await created(t, 'engineer', 'POST', '/api/channels', rtspChannel('mp-cam', { enabled: false, gridCode: 'MP-G', source: { url: 'rtsp://127.0.0.1:9/mp' } }));
  await created(t, 'engineer', 'POST', '/api/sensors', sensor('mp-s', { gridCode: 'MP-G' }));
  await created(t, 'engineer', 'POST', '/api/gb28181/devices', { id: gbDevice, name: '合并 NVR' });
  const patches: Array<[string, object]> = [
    ['/api/channels/mp-cam', { location: null, tags: ['合并'] }], ['/api/sensors/mp-s', { unit: null }], ['/api/grids/MP-G', { name: '合并网格-改' }],
    ['/api/departments/mp-dept', { name: '合并部门-改' }], [`/api/gb28181/devices/${gbDevice}`, { name: 'NVR 合并' }],
  ];
  for (const [url, patch] of patches) {
    const res = await t.call('engineer', raw('PATCH', url, JSON.stringify(patch), 'application/merge-patch+json; charset=utf-8'));
    assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
  }
  assert.equal((await t.call('operator', { method: 'GET', url: '/api/grids/MP-G' })).json().name, '合并网格-改');
  const doc = (await t.call(null, { method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, Record<string, { requestBody?: { content: object } }>> };
  const patchOps = Object.entries(doc.paths).flatMap(([path, ops]) => (ops.patch ? [[path, ops.patch] as const] : []));
  assert.ok(patchOps.length >= 5, 'the registry entities are patched');
  for (const [path, op] of patchOps) assert.ok(Object.keys(op.requestBody!.content).includes('application/merge-patch+json'), `${path} documents application/merge-patch+json`);
  // A merge patch is for PATCH; JSON Patch (RFC 6902) is not what PATCH implements.
  await refused('engineer', raw('POST', '/api/departments', '{"id":"d2","name":"n"}', 'application/merge-patch+json'), 'content-type', 'GW_ERR_UNSUPPORTED_MEDIA_TYPE');
  await refused('engineer', raw('PATCH', '/api/departments/mp-dept', '[{"op":"replace","path":"/name","value":"x"}]', 'application/json-patch+json'), 'content-type', 'GW_ERR_UNSUPPORTED_MEDIA_TYPE');
});

test('a __proto__ or constructor.prototype key is refused as such, not as "not valid JSON"', async () => {
  for (const [body, key] of [
    ['{"__proto__":{"admin":true},"id":"d3","name":"n"}', '__proto__'],
    ['{"id":"d3","name":"n","x":{"\\u005f_proto__":{"admin":true}}}', '__proto__'],
    ['{"constructor":{"prototype":{"admin":true}},"id":"d3","name":"n"}', 'constructor.prototype'],
  ] as const) {
    const message = await refused('engineer', raw('POST', '/api/departments', body), 'body');
    assert.match(message, new RegExp(`the key ${key.replace('.', '\\.')} is not allowed`));
    assert.doesNotMatch(message, /not valid JSON/);
  }
  // A key named "constructor" alone is ordinary data.
  const ok = await t.call('operator', { method: 'POST', url: '/api/incidents', payload: report({ evidence: { constructor: 'crane' }, dedupeKey: 'constructor-key' }) });
  assert.equal(ok.statusCode, 201, ok.body);
});

test('what is refused before any route runs is a catalogue error too', async () => {
  // A Content-Length that does not match the body.
  const res = await t.app.inject({ method: 'POST', url: '/api/departments', headers: { authorization: `Bearer ${t.keys.engineer}`, 'content-type': 'application/json', 'content-length': '100' }, payload: '{"id":"d4","name":"n"}' });
  assert.equal(res.statusCode, 400, res.body);
  assert.equal(res.json().code, 'GW_ERR_VALIDATION');
  // A path that is not percent-encoded UTF-8, and one longer than the router takes.
  assert.equal(await refused('operator', { method: 'GET', url: '/api/channels/%ff%fe' }, 'path'), 'the path is not valid percent-encoded UTF-8');
  await refused('operator', { method: 'GET', url: `/api/channels/${'x'.repeat(500)}` }, 'path');
  // Request headers past Node's limit: answered by the HTTP layer, in the catalogue's form.
  const answer = await new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`GET /api/me HTTP/1.1\r\nHost: x\r\nX-Big: ${'y'.repeat(20_000)}\r\n\r\n`));
    let text = '';
    socket.on('data', (c) => (text += c.toString()));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
  assert.match(answer, /^HTTP\/1\.1 431 /);
  assert.equal(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).code, 'GW_ERR_HEADERS_TOO_LARGE');
});

// Last: one live server per process, so the embedded gateway stops first.
test('every route on PostgreSQL: no 500 and catalogue errors for generated bad input', { timeout: 300_000 }, async () => {
  await stopEmbedded();
  const target = await startTarget(['--store.database', 'postgres', '--store.postgres.url', await pg.freshDatabase()]);
  try {
    await fuzzEveryRoute(target);
  } finally {
    await target.t.stop();
  }
});
