// Scope (分级分权) over every /api route, table-driven: a gateway with video,
// recording, detection, sensors and GB28181 on, a district with streets A and B,
// and keys scoped to street A. Each registered route must have a row here (a new
// route without one fails), and is checked by how it declared its scope:
// - about one thing ({ by, param }): street B's id is the same 404 as an id that
//   does not exist (same body, ids aside); street A's id reaches the route;
// - 'filtered': the answer names nothing of street B (and, where the row says,
//   does name street A's); a write into street B is refused as into a cell that
//   does not exist;
// - 'global': answered, and names nothing of street B;
// - 'admin-only': refused to a scoped key (403); 'public': no caller to scope.
// The event stream (SSE) row opens real streams: street B's events never arrive.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Role, ScopeRouteEntry } from '../device-registry/index.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { buildCity, normalized, streetBMarkers, type City, type SideIds } from './helpers/scope-city.ts';
import { openSse } from './helpers/sse.ts';

type Caller = Exclude<Role, 'admin'>;

interface Row {
  /** Who calls (their key is scoped to street A). */
  as?: Caller;
  /** The request, with one street's ids (or ids that exist nowhere). */
  call?: (ids: SideIds) => InjectOptions;
  /** Filtered: the status street A's call must get (the filter let it through). */
  answers?: number;
  /** Filtered: what the answer must name of street A to show the filter kept it. */
  sees?: (ids: SideIds) => string[];
  /** Filtered writes: street B's call must answer as the unknown ids' call (refused as if its cell did not exist). */
  refusesB?: boolean;
  /** An in-scope call that cannot be told from an unknown id here (nothing exists behind it), with why. */
  inScopeIsNotFound?: string;
  /** A check of its own instead (the event stream). */
  custom?: (city: City) => Promise<void>;
  /** Public and admin-only routes: why there is nothing to scope. */
  why?: string;
  /** Parts of the answer that vary from call to call (a probe's duration), left out of the comparison. */
  varies?: RegExp;
}

const json = (payload: unknown, extra: Partial<InjectOptions> = {}): Partial<InjectOptions> => ({ payload: payload as object, ...extra });
const get = (url: string): InjectOptions => ({ method: 'GET', url });
const stale = { 'if-match': '999' }; // writes to existing things stop at the version check: nothing changes
const hour = () => ({ from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date().toISOString() });
const ADMIN_ONLY = { why: 'admins only; an admin\'s scope is everything' };
const PUBLIC = { why: 'no caller (sign-in)' };

/** One row per registered route: `METHOD path` as Fastify registered it. */
const ROWS: Record<string, Row> = {
  // Registry entities.
  'GET /api/channels': { call: () => get('/api/channels?limit=500'), sees: (i) => [i.channel, i.gbChannel] },
  'GET /api/channels/:id': { call: (i) => get(`/api/channels/${i.channel}`) },
  'POST /api/channels': { as: 'engineer', refusesB: true, sees: (i) => [i.fresh], call: (i) => ({ method: 'POST', url: '/api/channels', ...json({ id: i.fresh, name: '新路口', kind: 'rtsp', source: { url: 'rtsp://127.0.0.1:9/new' }, gridCode: i.grid, enabled: false }) }) },
  'PATCH /api/channels/:id': { as: 'engineer', call: (i) => ({ method: 'PATCH', url: `/api/channels/${i.channel}`, headers: stale, ...json({ name: '改' }) }) },
  'DELETE /api/channels/:id': { as: 'engineer', call: (i) => ({ method: 'DELETE', url: `/api/channels/${i.channel}`, headers: stale }) },
  'GET /api/sensors': { call: () => get('/api/sensors'), sees: (i) => [i.sensor] },
  'GET /api/sensors/:id': { call: (i) => get(`/api/sensors/${i.sensor}`) },
  'POST /api/sensors': { as: 'engineer', refusesB: true, sees: (i) => [i.fresh], call: (i) => ({ method: 'POST', url: '/api/sensors', ...json({ id: i.fresh, name: '新燃气', kind: 'gas', mqtt: { clientId: i.fresh, username: i.fresh, password: 'pw-new-secret' }, unit: '%LEL', gridCode: i.grid }) }) },
  'PATCH /api/sensors/:id': { as: 'engineer', call: (i) => ({ method: 'PATCH', url: `/api/sensors/${i.sensor}`, headers: stale, ...json({ name: '改' }) }) },
  'DELETE /api/sensors/:id': { as: 'engineer', call: (i) => ({ method: 'DELETE', url: `/api/sensors/${i.sensor}`, headers: stale }) },
  'GET /api/grids': { call: () => get('/api/grids'), sees: (i) => [i.grid, i.street] },
  'GET /api/grids/:code': { call: (i) => get(`/api/grids/${i.grid}`) },
  'POST /api/grids': { as: 'engineer', refusesB: true, sees: (i) => [i.fresh], call: (i) => ({ method: 'POST', url: '/api/grids', ...json({ code: i.fresh, name: '新社区', level: 'community', parentCode: i.street }) }) },
  'PATCH /api/grids/:code': { as: 'engineer', call: (i) => ({ method: 'PATCH', url: `/api/grids/${i.grid}`, headers: stale, ...json({ name: '改' }) }) },
  'DELETE /api/grids/:code': { as: 'engineer', call: (i) => ({ method: 'DELETE', url: `/api/grids/${i.grid}`, headers: stale }) },
  'GET /api/departments': { call: () => get('/api/departments') },
  'GET /api/departments/:id': { call: (i) => get(`/api/departments/${i.dept}`) },
  'POST /api/departments': { as: 'engineer', call: () => ({ method: 'POST', url: '/api/departments', ...json({ id: 'dept-new', name: '应急管理局' }) }) },
  'PATCH /api/departments/:id': { as: 'engineer', call: (i) => ({ method: 'PATCH', url: `/api/departments/${i.dept}`, headers: stale, ...json({ name: '改' }) }) },
  'DELETE /api/departments/:id': { as: 'engineer', call: (i) => ({ method: 'DELETE', url: `/api/departments/${i.dept}`, headers: stale }) },
  'GET /api/gb28181/devices': { call: () => get('/api/gb28181/devices'), sees: (i) => [i.gbDevice] },
  'GET /api/gb28181/devices/:id': { call: (i) => get(`/api/gb28181/devices/${i.gbDevice}`) },
  'POST /api/gb28181/devices': { as: 'engineer', refusesB: true, sees: (i) => [i.freshGb], call: (i) => ({ method: 'POST', url: '/api/gb28181/devices', ...json({ id: i.freshGb, name: '新 NVR', gridCode: i.grid }) }) },
  'PATCH /api/gb28181/devices/:id': { as: 'engineer', call: (i) => ({ method: 'PATCH', url: `/api/gb28181/devices/${i.gbDevice}`, headers: stale, ...json({ name: '改' }) }) },
  'DELETE /api/gb28181/devices/:id': { as: 'engineer', call: (i) => ({ method: 'DELETE', url: `/api/gb28181/devices/${i.gbDevice}`, headers: stale }) },
  'GET /api/keys': ADMIN_ONLY,
  'POST /api/keys': ADMIN_ONLY,
  'DELETE /api/keys/:id': ADMIN_ONLY,
  'GET /api/me': { call: () => get('/api/me') },
  'POST /api/url-tokens': { call: () => ({ method: 'POST', url: '/api/url-tokens' }) },
  'GET /api/audit': { as: 'engineer', call: () => get('/api/audit?limit=1000'), sees: (i) => [i.channel, i.grid] },
  'POST /api/import': {
    as: 'engineer', refusesB: true,
    call: (i) => ({ method: 'POST', url: '/api/import?entity=channels&dryRun=true', ...json([{ id: i.fresh, name: '导入', kind: 'rtsp', source: { url: 'rtsp://127.0.0.1:9/i' }, gridCode: i.grid, enabled: false }]) }),
  },
  'GET /api/export': { as: 'engineer', call: () => get('/api/export?entity=channels&format=json'), sees: (i) => [i.channel] },

  // ONVIF cameras (gateway/onvif/http): nothing listens on 127.0.0.1:9, so in street A the camera is unreachable (422).
  'POST /api/onvif/inspect': { as: 'engineer', answers: 422, call: () => ({ method: 'POST', url: '/api/onvif/inspect', ...json({ host: '127.0.0.1', port: 9, username: 'admin', password: 'pw' }) }) },
  'POST /api/onvif/channels': { as: 'engineer', refusesB: true, answers: 422, call: (i) => ({ method: 'POST', url: '/api/onvif/channels', ...json({ host: '127.0.0.1', port: 9, username: 'admin', password: 'pw', name: '新摄像机', gridCode: i.grid }) }) },
  'POST /api/onvif/channels/:id/refresh': { as: 'engineer', call: (i) => ({ method: 'POST', url: `/api/onvif/channels/${i.channel}/refresh` }) },
  'POST /api/onvif/discover': { as: 'engineer', answers: 200, call: () => ({ method: 'POST', url: '/api/onvif/discover', ...json({ timeoutMs: 100 }) }) },

  // People and sign-in (the accounts and single sign-on rooms).
  'POST /api/auth/login': PUBLIC,
  'GET /api/auth/config': PUBLIC,
  'GET /api/auth/oidc/login': PUBLIC,
  'GET /api/auth/oidc/callback': PUBLIC,
  'POST /api/auth/logout': { call: () => ({ method: 'POST', url: '/api/auth/logout' }) },
  'POST /api/auth/logout-all': { call: () => ({ method: 'POST', url: '/api/auth/logout-all' }) },
  'GET /api/auth/me': { call: () => get('/api/auth/me') },
  'POST /api/auth/password': { call: () => ({ method: 'POST', url: '/api/auth/password', ...json({ currentPassword: 'not-a-person', newPassword: 'not-a-person-either' }) }) },
  'GET /api/users': ADMIN_ONLY,
  'POST /api/users': ADMIN_ONLY,
  'GET /api/users/:id': ADMIN_ONLY,
  'PATCH /api/users/:id': ADMIN_ONLY,
  'DELETE /api/users/:id': ADMIN_ONLY,
  'POST /api/users/:id/reset-password': ADMIN_ONLY,

  // Incidents, statistics, webhooks, the event stream.
  'POST /api/incidents': { refusesB: true, call: (i) => ({ method: 'POST', url: '/api/incidents', ...json({ type: 'road_damage', severity: 'minor', title: '路面塌陷', gridCode: i.grid }) }) },
  'POST /api/incidents/candidates': {
    as: 'engineer', refusesB: true,
    call: (i) => ({ method: 'POST', url: '/api/incidents/candidates', ...json({ source: { kind: 'detector', id: i.channel }, type: 'loitering', severity: 'minor', occurredAt: Date.now() - 1000, gridCode: i.grid }) }),
  },
  'GET /api/incidents': { call: () => get('/api/incidents?limit=500'), sees: (i) => [i.incident] },
  'GET /api/incidents/transitions': { call: () => get('/api/incidents/transitions') },
  // Street B's incident is critical and street A's minor: only a scoped queue hands out A's.
  'POST /api/incidents/queue/next': { as: 'dispatcher', call: () => ({ method: 'POST', url: '/api/incidents/queue/next' }), sees: (i) => [i.grid] },
  'GET /api/incidents/:id': { call: (i) => get(`/api/incidents/${i.incident}`) },
  'POST /api/incidents/:id/actions/:action': { call: (i) => ({ method: 'POST', url: `/api/incidents/${i.incident}/actions/accept`, ...json({ version: 99 }) }) },
  'POST /api/incidents/:id/claim': { as: 'dispatcher', call: (i) => ({ method: 'POST', url: `/api/incidents/${i.incident}/claim`, ...json({ leaseSeconds: 60 }) }) },
  'DELETE /api/incidents/:id/claim': { as: 'dispatcher', call: (i) => ({ method: 'DELETE', url: `/api/incidents/${i.incident}/claim` }) },
  'POST /api/incidents/:id/snapshots': {
    call: (i) => ({ method: 'POST', url: `/api/incidents/${i.incident}/snapshots`, headers: { 'content-type': 'image/jpeg' }, payload: Buffer.from('not a jpeg') }),
  },
  'GET /api/stats/incidents': { call: () => get('/api/stats/incidents?by=grid'), sees: (i) => [i.grid] },
  'GET /api/stats/durations': { call: () => get('/api/stats/durations') },
  'GET /api/stats/sla': { call: () => get('/api/stats/sla') },
  'GET /api/stats/sla/by': { call: () => get('/api/stats/sla/by?by=grid') },
  'GET /api/stats/devices': { call: () => get('/api/stats/devices'), sees: (i) => [i.grid] },
  'GET /api/stats/heat': { call: () => get('/api/stats/heat'), sees: (i) => [i.grid, i.street] },
  // The map (issue 21). The city's devices and incidents have no location (no marker): test/map-api.test.ts checks a street's markers and nearest cameras.
  'GET /api/map/config': { call: () => get('/api/map/config'), answers: 200 },
  'GET /api/map/layers': { call: () => get('/api/map/layers'), answers: 200, sees: (i) => [i.grid, i.street] },
  'GET /api/channels/near': { call: () => get('/api/channels/near?lat=31.21&lng=121.41&radius=50000&limit=100'), answers: 200 },
  'GET /api/webhooks': ADMIN_ONLY,
  'POST /api/webhooks': ADMIN_ONLY,
  'DELETE /api/webhooks/:id': ADMIN_ONLY,
  'GET /api/webhooks/:id/deliveries': ADMIN_ONLY,
  'POST /api/webhooks/deliveries/:id/retry': ADMIN_ONLY,
  'GET /api/events': { custom: sseKeepsStreetBOut },
  'GET /api/snapshots/:day/:file': { refusesB: true, call: (i) => get(i.snapshot), answers: 200 },

  // Video, recording, playback, exports, clips.
  'GET /api/video/ingest': { call: () => get('/api/video/ingest') },
  'GET /api/channels/status': { call: () => get('/api/channels/status'), sees: (i) => [i.channel] },
  'GET /api/channels/:id/status': { call: (i) => get(`/api/channels/${i.channel}/status`) },
  'GET /api/channels/:id/play': { call: (i) => get(`/api/channels/${i.channel}/play`) },
  'GET /api/channels/:id/sub/status': { call: (i) => get(`/api/channels/${i.channel}/sub/status`) },
  'GET /api/channels/:id/snapshot.jpg': { call: (i) => get(`/api/channels/${i.channel}/snapshot.jpg`) },
  'POST /api/channels/test': {
    as: 'engineer', refusesB: true, varies: /"ms":\d+/g,
    call: (i) => ({ method: 'POST', url: '/api/channels/test', ...json({ source: { url: 'rtsp://127.0.0.1:9/probe' }, channelId: i.channel }) }),
  },
  'GET /api/channels/:id/recordings': { call: (i) => get(`/api/channels/${i.channel}/recordings`) },
  'GET /api/channels/:id/play/recording': { call: (i) => get(`/api/channels/${i.channel}/play/recording?from=${encodeURIComponent(hour().from)}&to=${encodeURIComponent(hour().to)}`) },
  'POST /api/channels/:id/exports': { as: 'dispatcher', call: (i) => ({ method: 'POST', url: `/api/channels/${i.channel}/exports`, ...json(hour()) }) },
  'GET /api/exports': { as: 'dispatcher', call: () => get('/api/exports') },
  'GET /api/exports/:id': { as: 'dispatcher', call: () => get('/api/exports/exp-none') },
  'GET /api/exports/:id/download': { as: 'dispatcher', call: () => get('/api/exports/exp-none/download') },
  'DELETE /api/exports/:id': { as: 'dispatcher', call: () => ({ method: 'DELETE', url: '/api/exports/exp-none' }) },
  'GET /api/clips/:incidentId/:file': {
    call: (i) => get(`/api/clips/${i.incident}/1-2.mp4`),
    inScopeIsNotFound: 'no clip was recorded (the cameras are off): in scope the route answers its own "no clip"',
  },

  // Detection and video quality.
  'GET /api/detection/status': { call: () => get('/api/detection/status') },
  'GET /api/detection/models': { call: () => get('/api/detection/models') },
  'PUT /api/detection/models/:name': { as: 'engineer', call: () => ({ method: 'PUT', url: '/api/detection/models/m-none', ...json({}) }) },
  'DELETE /api/detection/models/:name': { as: 'engineer', call: () => ({ method: 'DELETE', url: '/api/detection/models/m-none' }) },
  'POST /api/detection/models/:name/file': { as: 'engineer', call: () => ({ method: 'POST', url: '/api/detection/models/m-none/file', headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.from('x') }) },
  'GET /api/detection/profiles': { call: () => get('/api/detection/profiles') },
  'PUT /api/detection/profiles/:name': { as: 'engineer', call: () => ({ method: 'PUT', url: '/api/detection/profiles/p-none', ...json({}) }) },
  'POST /api/detection/rule-test': {
    as: 'engineer', refusesB: true,
    call: (i) => ({ method: 'POST', url: '/api/detection/rule-test', ...json({ channelId: i.channel, profile: { model: 'yolov8n', fps: 2, rules: [] } }) }),
  },
  'GET /api/channels/:id/quality': { call: (i) => get(`/api/channels/${i.channel}/quality`) },
  'GET /api/video/quality': { call: () => get('/api/video/quality') },
  'GET /api/stats/video': { call: () => get('/api/stats/video'), sees: (i) => [i.grid] },

  // Sensors.
  'GET /api/sensors/state': { call: () => get('/api/sensors/state'), sees: (i) => [i.sensor] },
  'GET /api/sensors/alarms': { call: () => get('/api/sensors/alarms') },
  'GET /api/sensors/ingest': { call: () => get('/api/sensors/ingest') },
  'GET /api/sensors/:id/state': { call: (i) => get(`/api/sensors/${i.sensor}/state`) },
  'GET /api/sensors/:id/rules': { call: (i) => get(`/api/sensors/${i.sensor}/rules`) },
  'GET /api/sensors/:id/readings': { call: (i) => get(`/api/sensors/${i.sensor}/readings`) },

  // GB28181.
  'GET /api/gb28181/status': { call: () => get('/api/gb28181/status') },
  'GET /api/gb28181/registrations': { call: () => get('/api/gb28181/registrations') },
  'GET /api/gb28181/sessions': { call: () => get('/api/gb28181/sessions') },
  'GET /api/gb28181/upper': { as: 'engineer', call: () => get('/api/gb28181/upper') },
  'POST /api/gb28181/devices/:id/catalog': { as: 'engineer', call: (i) => ({ method: 'POST', url: `/api/gb28181/devices/${i.gbDevice}/catalog` }) },
  'GET /api/gb28181/devices/:id/info': { call: (i) => get(`/api/gb28181/devices/${i.gbDevice}/info`) },
  'GET /api/gb28181/devices/:id/device-status': { call: (i) => get(`/api/gb28181/devices/${i.gbDevice}/device-status`) },
  'POST /api/channels/:id/ptz': { call: (i) => ({ method: 'POST', url: `/api/channels/${i.gbChannel}/ptz`, ...json({ pan: 'left', panSpeed: 100 }) }) },
  'GET /api/channels/:id/ptz/presets': { call: (i) => get(`/api/channels/${i.gbChannel}/ptz/presets`) },
  'GET /api/onvif/events/status': { call: () => get('/api/onvif/events/status') },
  'GET /api/channels/:id/device-recordings': { call: (i) => get(`/api/channels/${i.gbChannel}/device-recordings?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z`) },
  'POST /api/channels/:id/device-playback': { call: (i) => ({ method: 'POST', url: `/api/channels/${i.gbChannel}/device-playback`, ...json({ from: '2026-01-01T00:00:00Z', to: '2026-01-01T01:00:00Z' }) }) },
  'POST /api/channels/:id/device-downloads': { as: 'dispatcher', call: (i) => ({ method: 'POST', url: `/api/channels/${i.gbChannel}/device-downloads`, ...json({ from: '2026-01-01T00:00:00Z', to: '2026-01-01T01:00:00Z' }) }) },
  'GET /api/channels/:id/device-playback/:session': { call: (i) => get(`/api/channels/${i.gbChannel}/device-playback/${i.gbChannel}~pb~1`) },
  'POST /api/channels/:id/device-playback/:session/control': { call: (i) => ({ method: 'POST', url: `/api/channels/${i.gbChannel}/device-playback/${i.gbChannel}~pb~1/control`, ...json({ pause: true }) }) },
  'GET /api/channels/:id/device-playback/:session/hls/:file': { call: (i) => get(`/api/channels/${i.gbChannel}/device-playback/${i.gbChannel}~pb~1/hls/index.m3u8`) },
  'DELETE /api/channels/:id/device-playback/:session': { call: (i) => ({ method: 'DELETE', url: `/api/channels/${i.gbChannel}/device-playback/${i.gbChannel}~pb~1` }) },
};

/**
 * Routes registered only in a cluster (PostgreSQL and NATS), not in this gateway, so not called here:
 * GET /api/cluster is 'filtered' (the channels this node runs, named only when in scope; gateway/cluster/http.ts).
 */
const CLUSTER_ONLY = new Set(['GET /api/cluster']);

let t: TestGateway;
let city: City;
let routes: ScopeRouteEntry[];

before(async () => {
  t = await startTestGateway({ argv: ['--video.enabled', 'true', '--video.startStaggerMs', '0', '--log.level', 'info'] });
  city = await buildCity(t);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  routes = t.app.scopeRoutes.filter((r) => r.method !== 'HEAD');
});
after(async () => {
  await t?.stop();
});

const keyOf = (row: Row) => city.scoped[row.as ?? 'operator'];
const bodyOf = (res: LightMyRequestResponse, row?: Row) => (row?.varies ? res.body.replace(row.varies, '') : res.body);

test('every registered /api route has a row in the scope table, and every row a route', () => {
  const registered = new Set(routes.map((r) => `${r.method} ${r.url}`));
  const missing = [...registered].filter((r) => !ROWS[r]);
  assert.deepEqual(missing, [], `routes without a row: add one (and its scope check) for ${missing.join(', ')}`);
  const stale = Object.keys(ROWS).filter((r) => !registered.has(r) && !CLUSTER_ONLY.has(r));
  assert.deepEqual(stale, [], 'rows for routes that are no longer registered');
});

/** Deletes last: they would remove what later rows need (they stop at the version check anyway). */
const ORDER = (method: string) => ({ GET: 0, DELETE: 2 })[method as 'GET'] ?? 1;

test('each route keeps street B from a key scoped to street A, as it declared', async (tt) => {
  const { a, b, none } = city.ids;
  const markers = streetBMarkers(b);
  for (const route of [...routes].sort((x, y) => ORDER(x.method) - ORDER(y.method))) {
    const name = `${route.method} ${route.url}`;
    const row = ROWS[name];
    if (!row) continue; // reported by the test above
    await tt.test(`${name} (${typeof route.scope === 'object' ? `by ${route.scope.by}` : route.scope})`, async () => {
      if (row.custom) return row.custom(city);
      if (route.scope === 'public') return assert.ok(row.why, 'a public route says why nothing is scoped');
      if (route.scope === 'admin-only') {
        // A scoped key of every other role is refused by the route's roles before any data is read.
        const res = await city.call(city.scoped.engineer, { method: route.method as 'GET', url: route.url.replace(/:([A-Za-z]+)/g, 'x') });
        return assert.equal(res.statusCode, 403, `${name}: ${res.body}`);
      }
      assert.ok(row.call, `${name}: the row says how to call it`);
      const key = keyOf(row);
      if (typeof route.scope === 'object') {
        const unknown = await city.call(key, row.call(none));
        const outside = await city.call(key, row.call(b));
        assert.equal(outside.statusCode, 404, `${name} with street B's id: ${outside.body}`);
        assert.equal(normalized(bodyOf(outside), b), normalized(bodyOf(unknown), none), `${name}: street B's id is answered as an id that does not exist`);
        const inside = await city.call(key, row.call(a));
        if (row.inScopeIsNotFound) assert.equal(inside.statusCode, 404, row.inScopeIsNotFound);
        else assert.notEqual(normalized(bodyOf(inside), a), normalized(bodyOf(unknown), none), `${name}: street A's id reaches the route (${inside.statusCode} ${inside.body.slice(0, 200)})`);
        for (const m of markers) assert.ok(!bodyOf(inside).includes(m), `${name}: street A's answer names '${m}' of street B`);
        return;
      }
      if (row.refusesB) {
        const unknown = await city.call(key, row.call(none));
        const outside = await city.call(key, row.call(b));
        assert.ok(outside.statusCode >= 400 || outside.statusCode === 200, `${name} into street B: ${outside.statusCode}`);
        assert.equal(normalized(bodyOf(outside, row), b), normalized(bodyOf(unknown, row), none), `${name}: street B is refused as if it did not exist`);
      }
      const res = await city.call(key, row.call(a));
      assert.ok(res.statusCode < 500, `${name}: ${res.statusCode} ${res.body}`);
      if (row.answers) assert.equal(res.statusCode, row.answers, `${name}: street A's call`);
      for (const m of markers) assert.ok(!bodyOf(res).includes(m), `${name}: names '${m}' of street B: ${res.body.slice(0, 300)}`);
      for (const s of row.sees?.(a) ?? []) assert.ok(bodyOf(res).includes(s), `${name}: street A's '${s}' is missing (${res.statusCode} ${res.body.slice(0, 300)})`);
    });
  }
});

/** The event stream: a street A stream gets A's incidents and detections, never B's, while an admin's gets both. */
async function sseKeepsStreetBOut(c: City): Promise<void> {
  const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  const streetA = await openSse(`${base}/api/events`, { authorization: `Bearer ${c.scoped.operator}` });
  const everyone = await openSse(`${base}/api/events`, { authorization: `Bearer ${t.adminKey}` });
  // As the wall's EventSource opens it: with a URL token of the same scoped key.
  const token = (await c.call(c.scoped.operator, { method: 'POST', url: '/api/url-tokens' })).json<{ token: string }>().token;
  const byToken = await openSse(`${base}/api/events?access_token=${encodeURIComponent(token)}`);
  try {
    const live = (channelId: string) => t.gw.incidents.service.publishLive('detection', { channelId, frameTs: Date.now(), frameSize: [1280, 720], detections: [] });
    const b1 = await c.raise('b', 'major', 'sse_check');
    live(c.ids.b.channel);
    const a1 = await c.raise('a', 'major', 'sse_check');
    live(c.ids.a.channel);
    const seen = (s: typeof streetA, pred: (e: (typeof streetA.events)[number]) => boolean) => s.events.some(pred);
    const aArrived = (s: typeof streetA) => seen(s, (e) => (e.data as { id?: string }).id === a1) && seen(s, (e) => e.event === 'detection' && e.data.channelId === c.ids.a.channel);
    const deadline = Date.now() + 30_000;
    while (!(aArrived(streetA) && aArrived(byToken) && aArrived(everyone) && seen(everyone, (e) => (e.data as { id?: string }).id === b1))) {
      assert.ok(Date.now() < deadline, `events did not arrive: street A ${JSON.stringify(streetA.events.map((e) => e.event))}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    // Events leave each stream in order: B's came before A's, so had they been sent they would be here.
    for (const [how, stream] of [['key', streetA], ['URL token', byToken]] as const) {
      const text = JSON.stringify(stream.events);
      for (const m of streetBMarkers(c.ids.b)) assert.ok(!text.includes(m), `the street A stream (${how}) got '${m}' of street B`);
    }
    assert.ok(JSON.stringify(everyone.events).includes(c.ids.b.channel), 'the admin stream gets street B');
  } finally {
    streetA.close();
    byToken.close();
    everyone.close();
  }
}
