// Scope (分级分权) for people and their actions: a signed-in person's scope that
// shrinks while their event stream is open holds from the next event; lists
// follow the new scope at once; dispatch goes only to the departments of the
// caller's cells; a scoped engineer cannot move a camera into another street.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { buildCity, type City } from './helpers/scope-city.ts';
import { openSse, type SseClient } from './helpers/sse.ts';

const PASSWORD = 'district-watch-2026';

let t: TestGateway;
let city: City;
let base: string;

before(async () => {
  t = await startTestGateway({ argv: ['--video.enabled', 'true', '--video.startStaggerMs', '0'] }); // the cameras are disabled: no ffmpeg runs
  city = await buildCity(t);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});
after(async () => {
  await t?.stop();
});

/** Polls until the stream has an event about this incident (events are written in order, so earlier ones are there too). */
async function waitFor(stream: SseClient, incidentId: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!stream.events.some((e) => e.data.id === incidentId)) {
    assert.ok(Date.now() < deadline, `no event of incident ${incidentId}; got ${JSON.stringify(stream.events.map((e) => e.data.id))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("a person's scope that shrinks while their stream is open holds from the next event, and in their lists at once", async () => {
  const { user } = await t.gw.accounts.users.create(
    { username: 'district-op', displayName: '区值班员', role: 'operator', scope: ['dist'], password: PASSWORD },
    { keyId: null, name: 'test', role: 'admin' },
    { mustChangePassword: false },
  );
  const login = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'district-op', password: PASSWORD } });
  assert.equal(login.statusCode, 200, login.body);
  const cookie = String(login.headers['set-cookie']).split(';')[0]!;
  const asPerson = (url: string) => t.app.inject({ method: 'GET', url, headers: { cookie } });

  const stream = await openSse(`${base}/api/events`, { cookie });
  try {
    // The whole district: street B's incidents arrive.
    const b1 = await city.raise('b', 'major', 'shrink_b1');
    await waitFor(stream, b1);
    assert.ok(JSON.stringify((await asPerson('/api/incidents')).json()).includes(b1));

    // Narrowed to street A by an admin: B's next incident never arrives, A's does.
    const narrowed = await t.call('admin', { method: 'PATCH', url: `/api/users/${user.id}`, payload: { scope: ['street-a'] } });
    assert.equal(narrowed.statusCode, 200, narrowed.body);
    const b2 = await city.raise('b', 'major', 'shrink_b2');
    const a2 = await city.raise('a', 'major', 'shrink_a2');
    await waitFor(stream, a2);
    assert.ok(!stream.events.some((e) => e.data.id === b2), 'street B\'s incident reached a stream narrowed to street A');
    assert.equal(stream.ended, undefined, 'the stream stays open');

    const list = JSON.stringify((await asPerson('/api/incidents')).json());
    assert.ok(list.includes(a2) && !list.includes(b1) && !list.includes(b2), 'the list follows the narrowed scope');
    const outside = await asPerson(`/api/incidents/${b1}`);
    assert.equal(outside.statusCode, 404);
  } finally {
    stream.close();
  }
});

test("a play URL issued in a person's scope stops opening the camera once their scope no longer covers it", async () => {
  const { user } = await t.gw.accounts.users.create(
    { username: 'media-op', role: 'operator', scope: ['dist'], password: PASSWORD },
    { keyId: null, name: 'test', role: 'admin' },
    { mustChangePassword: false },
  );
  const login = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'media-op', password: PASSWORD } });
  const cookie = String(login.headers['set-cookie']).split(';')[0]!;
  const play = await t.app.inject({ method: 'GET', url: '/api/channels/cam-b/play', headers: { cookie } });
  assert.equal(play.statusCode, 200, play.body);
  const hls = (play.json() as { hls: string }).hls;
  // In scope the media answers for the camera itself (it is disabled: 503, no video).
  assert.equal((await t.app.inject({ method: 'GET', url: hls })).statusCode, 503);
  assert.equal((await t.call('admin', { method: 'PATCH', url: `/api/users/${user.id}`, payload: { scope: ['street-a'] } })).statusCode, 200);
  const after = await t.app.inject({ method: 'GET', url: hls });
  const unknown = await t.call('admin', { method: 'GET', url: '/api/channels/cam-none' });
  assert.equal(after.statusCode, 404, after.body);
  assert.equal(after.body.replaceAll('cam-b', '<id>'), unknown.body.replaceAll('cam-none', '<id>'), 'the camera is not there for them any more');
});

test("dispatch goes only to a department that one of the caller's cells names", async () => {
  const incident = await city.raise('a', 'major', 'dispatch_test');
  // Accepted first (dispatch follows 受理).
  const accepted = await city.call(city.scoped.operator, { method: 'POST', url: `/api/incidents/${incident}/actions/accept`, payload: { version: 1 } });
  assert.equal(accepted.statusCode, 200, accepted.body);
  const version = (accepted.json() as { version: number }).version;
  const to = (departmentId: string) => city.call(city.scoped.dispatcher, {
    method: 'POST', url: `/api/incidents/${incident}/actions/dispatch`, payload: { version, departmentId, note: '请处置' },
  });
  const other = await to('dept-b');
  const unknown = await to('dept-none');
  assert.equal(other.statusCode, 400, other.body);
  assert.equal(other.body.replaceAll('dept-b', '<id>'), unknown.body.replaceAll('dept-none', '<id>'), "street B's department is refused as one that does not exist");
  const own = await to('dept-a');
  assert.equal(own.statusCode, 200, own.body);
  assert.equal((own.json() as { departmentId: string }).departmentId, 'dept-a');
});

test('a scoped engineer cannot move a camera out of their cells, nor place a new cell under another street', async () => {
  const move = await city.call(city.scoped.engineer, { method: 'PATCH', url: '/api/channels/cam-a', payload: { gridCode: 'cell-b' } });
  const moveUnknown = await city.call(city.scoped.engineer, { method: 'PATCH', url: '/api/channels/cam-a', payload: { gridCode: 'cell-none' } });
  assert.equal(move.statusCode, 400, move.body);
  assert.equal(move.body.replaceAll('cell-b', '<id>'), moveUnknown.body.replaceAll('cell-none', '<id>'));
  const unplace = await city.call(city.scoped.engineer, { method: 'PATCH', url: '/api/channels/cam-a', payload: { gridCode: null } });
  assert.equal(unplace.statusCode, 400, unplace.body);
  assert.equal((unplace.json() as { field: string }).field, 'gridCode');
  const within = await city.call(city.scoped.engineer, { method: 'PATCH', url: '/api/channels/cam-a', payload: { gridCode: 'comm-a' } });
  assert.equal(within.statusCode, 200, within.body);
  // A key scoped to street A still sees the camera in its new cell (comm-a is below street-a).
  assert.equal((await city.call(city.scoped.operator, { method: 'GET', url: '/api/channels/cam-a' })).statusCode, 200);
  const cell = await city.call(city.scoped.engineer, { method: 'POST', url: '/api/grids', payload: { code: 'comm-b2', name: '新社区', level: 'community', parentCode: 'street-b' } });
  assert.equal(cell.statusCode, 400, cell.body);
  assert.equal((cell.json() as { field: string }).field, 'parentCode');
});
