// Adding ONVIF cameras through the gateway's API (in process) against our
// ONVIF simulator (test/sim/onvif, real SOAP over HTTP with WS-UsernameToken
// digest, a WS-Discovery responder on loopback): inspect → facts; add → an
// RTSP channel with its main and sub-streams and its facts; a wrong password
// names `password` and adds nothing; discovery over unicast says which are
// registered; a bulk import of 5 with one wrong password reports that row;
// refresh re-reads the camera; the export carries facts and no password.
// No video runs here (the streams' URLs point at nothing); onvif-add-live.test.ts
// plays an added camera's streams from the camera simulator.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { OnvifSimHost, type OnvifDeviceSim } from './sim/onvif/index.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';

const PASSWORD = 'Onvif-Cam-Secret-7';
let sims: OnvifSimHost;
let t: TestGateway;
const devices: OnvifDeviceSim[] = [];

const rtsp = (n: number) => ({ main: `rtsp://127.0.0.1:9/cam${n}/main`, sub: `rtsp://127.0.0.1:9/cam${n}/sub` });
const camera = (d: OnvifDeviceSim, password = PASSWORD) => ({ host: '127.0.0.1', port: d.port, username: 'admin', password });

before(async () => {
  sims = await OnvifSimHost.start();
  for (let n = 1; n <= 8; n++) {
    devices.push(await sims.addDevice({
      name: `sim-cam-${n}`, manufacturer: n === 2 ? 'Dahua' : 'HIKVISION', model: `DS-2CD${n}`, serial: `SIM-SERIAL-${n}`, firmware: 'V5.7.3',
      username: 'admin', password: PASSWORD, rtsp: rtsp(n),
      // Camera 2: a clock three hours ahead (the client corrects for it); camera 3: one H.265 profile only.
      ...(n === 2 ? { clockSkewMs: 3 * 3600_000 } : {}),
      ...(n === 3 ? { profiles: [{ token: 'MainOnly', name: 'main', encoding: 'H265', width: 2560, height: 1440, fps: 20, bitrateKbps: 6144, streamUri: rtsp(3).main }] } : {}),
    }));
  }
  const responder = sims.discoveryAddress!;
  t = await startTestGateway({ argv: ['--onvif.discovery.unicastTo', `[{host: ${responder.host}, port: ${responder.port}}]`,
    // All simulated cameras answer from 127.0.0.1: more than the 4 per host kept by default.
    '--onvif.discovery.maxPerHost', '16', '--onvif.requestTimeoutMs', '4000'] });
});
after(async () => {
  await t?.stop();
  await sims?.close();
});

const post = (url: string, payload: unknown, role: 'engineer' | 'operator' = 'engineer') => t.call(role, { method: 'POST', url, payload: payload as object });
const noSecretIn = (text: string, what: string) => assert.ok(!text.includes(PASSWORD), `${what} holds the camera password`);

test('inspect reads the facts, profiles and stream URIs; nothing is saved; a clock hours off is reported', async () => {
  const res = await post('/api/onvif/inspect', camera(devices[0]!));
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  assert.equal(body.facts.manufacturer, 'HIKVISION');
  assert.equal(body.facts.serial, 'SIM-SERIAL-1');
  assert.deepEqual(body.facts.profiles.map((p: { token: string; streamUri: string }) => [p.token, p.streamUri]), [['Profile_1', rtsp(1).main], ['Profile_2', rtsp(1).sub]]);
  assert.equal(body.main, 'Profile_1');
  assert.equal(body.sub, 'Profile_2');
  assert.equal(body.registered, null);
  assert.deepEqual(body.warnings, []);
  noSecretIn(res.body, 'the inspect answer');
  assert.equal((await t.call('admin', { method: 'GET', url: '/api/channels' })).json().total, 0, 'nothing saved');

  const skewed = await post('/api/onvif/inspect', camera(devices[1]!));
  assert.equal(skewed.statusCode, 200, skewed.body);
  assert.ok(Math.abs(skewed.json().facts.clockSkewMs - 3 * 3600_000) < 60_000, `skew ${skewed.json().facts.clockSkewMs}`);
  assert.equal(skewed.json().facts.clockSource, 'utc', 'the inspect answer says how the skew was measured');
  assert.deepEqual(skewed.json().warnings.map((w: { code: string }) => w.code), ['onvif_clock_skew']);

  assert.equal((await post('/api/onvif/inspect', camera(devices[0]!), 'operator')).statusCode, 403, 'engineers and admins only');
});

test('a wrong password: 422 naming password, no channel, and the password in no answer or log line', async () => {
  const res = await post('/api/onvif/channels', { ...camera(devices[0]!, 'Wrong-Pass-1'), name: '错密码' });
  assert.equal(res.statusCode, 422, res.body);
  assert.equal(res.json().code, 'GW_ERR_DEVICE_CREDENTIALS');
  assert.equal(res.json().field, 'password');
  assert.equal(res.json().messageCode, 'onvif_auth_refused');
  assert.match(res.json().message, new RegExp(`127\\.0\\.0\\.1:${devices[0]!.port}`));
  assert.equal((await t.call('admin', { method: 'GET', url: '/api/channels' })).json().total, 0);
  const unreachable = await post('/api/onvif/inspect', { host: '127.0.0.1', port: 9, username: 'admin', password: PASSWORD });
  assert.deepEqual([unreachable.statusCode, unreachable.json().code, unreachable.json().field], [422, 'GW_ERR_DEVICE_UNREACHABLE', 'host']);
  for (const text of [res.body, unreachable.body, t.logs()]) {
    assert.ok(!text.includes('Wrong-Pass-1'), 'the wrong password is not repeated');
    noSecretIn(text, 'an answer or the log');
  }
});

test('add: an RTSP channel with the main stream as source, the sub-stream as subSource, the facts; twice is a conflict', async () => {
  const res = await post('/api/onvif/channels', { ...camera(devices[0]!), id: 'cam-onvif-1', name: '东门 ONVIF', tags: ['东门'], enabled: false, events: { types: ['camera_tamper'] } });
  assert.equal(res.statusCode, 201, res.body);
  const ch = res.json();
  assert.equal(ch.kind, 'rtsp');
  assert.equal(ch.source.url, rtsp(1).main);
  assert.equal(ch.source.username, 'admin');
  assert.equal(ch.source.credentialsSet, true);
  assert.equal(ch.subSource.url, rtsp(1).sub);
  assert.equal(ch.onvif.xaddr, devices[0]!.xaddr);
  assert.deepEqual(ch.onvif.profiles, { main: 'Profile_1', sub: 'Profile_2' });
  assert.deepEqual(ch.onvif.events, { types: ['camera_tamper'] });
  assert.equal(ch.onvif.facts.model, 'DS-2CD1');
  assert.deepEqual(ch.onvif.facts.capabilities, { ptz: true, events: true });
  noSecretIn(res.body, 'the add answer');
  // The stored source has the password, for the ingest.
  const stored = await t.gw.service.getStored('channels', 'cam-onvif-1');
  assert.equal(stored?.secret?.password, PASSWORD);
  const audit = await t.call('admin', { method: 'GET', url: '/api/audit?entity=channels&entityId=cam-onvif-1' });
  assert.equal(audit.json().items?.[0]?.action ?? audit.json()[0]?.action, 'create', audit.body.slice(0, 300));
  noSecretIn(audit.body, 'the audit log');

  const again = await post('/api/onvif/channels', { ...camera(devices[0]!), name: '又一次' });
  assert.equal(again.statusCode, 400, again.body);
  assert.match(again.json().message, /already used by channel 'cam-onvif-1'/);

  const inspected = await post('/api/onvif/inspect', camera(devices[0]!));
  assert.equal(inspected.json().registered, 'cam-onvif-1');
});

test('a camera with one (H.265) profile: no subSource', async () => {
  const res = await post('/api/onvif/channels', { ...camera(devices[2]!), id: 'cam-onvif-3', name: '单码流', enabled: false });
  assert.equal(res.statusCode, 201, res.body);
  assert.equal(res.json().subSource, undefined);
  assert.deepEqual(res.json().onvif.profiles, { main: 'MainOnly' });
  assert.equal(res.json().onvif.facts.profiles[0].encoding, 'H265');
});

test('discover over unicast to the responder: every simulated camera, each with its channel or null', async () => {
  const res = await post('/api/onvif/discover', { timeoutMs: 1500 });
  assert.equal(res.statusCode, 200, res.body);
  const found = res.json().devices as Array<{ xaddrs: string[]; port: number; registered: string | null; name?: string }>;
  const byPort = new Map(found.map((d) => [d.port, d]));
  for (const d of devices) assert.ok(byPort.has(d.port), `device on ${d.port} found (${found.length} in all)`);
  assert.equal(byPort.get(devices[0]!.port)!.registered, 'cam-onvif-1');
  assert.equal(byPort.get(devices[2]!.port)!.registered, 'cam-onvif-3');
  assert.equal(byPort.get(devices[3]!.port)!.registered, null);
  assert.equal(byPort.get(devices[3]!.port)!.name, 'sim-cam-4');
});

test('bulk import of 5 ONVIF rows, one with a wrong password: that row is reported by its column, nothing written (all), the 4 written (valid)', async () => {
  const rows = [3, 4, 5, 6, 7].map((i) => ({ kind: 'onvif', name: `导入 ${i + 1}`, enabled: false, ...camera(devices[i]!, i === 5 ? 'Wrong-Pass-2' : PASSWORD) }));
  const all = await t.call('engineer', { method: 'POST', url: '/api/import?entity=channels', payload: rows });
  assert.equal(all.statusCode, 422, all.body);
  assert.deepEqual(all.json().rows.map((r: { action: string }) => r.action), ['create', 'create', 'error', 'create', 'create']);
  assert.deepEqual(all.json().rows[2].errors.map((e: { field: string; code: string }) => [e.field, e.code]), [['password', 'onvif_auth_refused']]);
  assert.equal(all.json().written, 0);
  assert.equal((await t.call('admin', { method: 'GET', url: '/api/channels' })).json().total, 2, 'nothing half-created');

  const csv = ['kind,name,onvif.host,onvif.port,source.username,source.password,enabled', ...[3, 4, 5, 6, 7].map((i) => `onvif,CSV ${i + 1},127.0.0.1,${devices[i]!.port},admin,${i === 5 ? 'Wrong-Pass-2' : PASSWORD},false`)].join('\n');
  const valid = await t.call('engineer', { method: 'POST', url: '/api/import?entity=channels&mode=valid', headers: { 'content-type': 'text/csv; charset=utf-8' }, payload: csv });
  assert.equal(valid.statusCode, 200, valid.body);
  assert.equal(valid.json().written, 4);
  assert.deepEqual(valid.json().rows[2].errors.map((e: { field: string }) => e.field), ['source.password']);
  for (const text of [all.body, valid.body]) noSecretIn(text, 'the import report');
  const listed = (await t.call('admin', { method: 'GET', url: '/api/channels?limit=100' })).json().items as Array<{ name: string; onvif?: { facts: { serial: string } }; subSource?: unknown }>;
  const imported = listed.filter((c) => c.name.startsWith('CSV'));
  assert.equal(imported.length, 4);
  for (const c of imported) assert.ok(c.onvif?.facts.serial.startsWith('SIM-SERIAL-') && c.subSource, `${c.name} has its facts and sub-stream`);

  const dup = await t.call('engineer', { method: 'POST', url: '/api/import?entity=channels', payload: [{ kind: 'onvif', name: 'dup', ...camera(devices[3]!) }] });
  assert.equal(dup.statusCode, 422, dup.body);
  assert.match(dup.json().rows[0].errors[0].message, /already used by channel/);
});

test('refresh re-reads the camera: new firmware and stream URI land on the channel, audited; a plain RTSP channel is a 409', async () => {
  devices[0]!.facts.firmware = 'V5.8.0';
  const res = await post('/api/onvif/channels/cam-onvif-1/refresh', {});
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().onvif.facts.firmware, 'V5.8.0');
  assert.deepEqual(res.json().onvif.events, { types: ['camera_tamper'] }, 'the switches people set are kept');
  assert.equal(res.json().source.credentialsSet, true, 'the credentials are kept');
  assert.equal((await t.gw.service.getStored('channels', 'cam-onvif-1'))?.secret?.password, PASSWORD);
  const plain = await t.call('engineer', { method: 'POST', url: '/api/channels', payload: { id: 'cam-plain', name: 'plain', kind: 'rtsp', enabled: false, source: { url: 'rtsp://127.0.0.1:9/p' } } });
  assert.equal(plain.statusCode, 201);
  const refused = await post('/api/onvif/channels/cam-plain/refresh', {});
  assert.equal(refused.statusCode, 409, refused.body);
  assert.equal((await post('/api/onvif/channels/nope/refresh', {})).statusCode, 404);
  const forged = await t.call('engineer', { method: 'PATCH', url: '/api/channels/cam-onvif-1', payload: { onvif: { facts: { model: 'forged' } } } });
  assert.equal(forged.statusCode, 400, 'people do not write the facts');
});

test('a scoped engineer adds only into their cells (refused before the camera is contacted) and sees registered only for channels there', async () => {
  const admin = { keyId: null, name: 'test', role: 'admin' as const };
  for (const grid of [{ code: 'ST-A', name: '甲街道', level: 'street' }, { code: 'ST-B', name: '乙街道', level: 'street' }]) await t.gw.service.create('grids', grid, admin);
  const key = (await t.gw.keys.create({ name: 'street A engineer', role: 'engineer', scope: ['ST-A'] }, admin)).secret;
  const as = (url: string, payload: object) => t.app.inject({ method: 'POST', url, payload, headers: { authorization: `Bearer ${key}` } });
  const cam = devices[3]!;
  await t.call('admin', { method: 'DELETE', url: `/api/channels/${(await post('/api/onvif/inspect', camera(cam))).json().registered}` });
  const before = cam.received.length;
  const outside = await as('/api/onvif/channels', { ...camera(cam), name: '乙街道摄像机', gridCode: 'ST-B' });
  assert.equal(outside.statusCode, 400, outside.body);
  assert.equal(outside.json().field, 'gridCode');
  assert.equal(cam.received.length, before, 'the camera was not contacted');
  const inside = await as('/api/onvif/channels', { ...camera(cam), id: 'cam-street-a', name: '甲街道摄像机', gridCode: 'ST-A' });
  assert.equal(inside.statusCode, 201, inside.body);
  const found = (await as('/api/onvif/discover', { timeoutMs: 1500 })).json().devices as Array<{ port: number; registered: string | null }>;
  const byPort = new Map(found.map((d) => [d.port, d.registered]));
  assert.equal(byPort.get(cam.port), 'cam-street-a', 'its own cell\'s channel is named');
  assert.equal(byPort.get(devices[0]!.port), null, 'a channel in no cell of theirs is not named');
  assert.equal((await as('/api/onvif/channels/cam-onvif-1/refresh', {})).statusCode, 404, 'another cell\'s channel is not found');
});

test('the export carries the ONVIF facts and no password (JSON and CSV)', async () => {
  for (const format of ['json', 'csv']) {
    const res = await t.call('engineer', { method: 'GET', url: `/api/export?entity=channels&format=${format}` });
    assert.equal(res.statusCode, 200);
    assert.ok(res.body.includes('SIM-SERIAL-1') && res.body.includes('V5.8.0'), `${format}: facts exported`);
    noSecretIn(res.body, `the ${format} export`);
  }
  noSecretIn(t.logs(), 'the log');
});
