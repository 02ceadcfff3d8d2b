// PTZ and camera events of ONVIF channels, end to end in process: the gateway
// (video off: the event snapshot is then the camera's own snapshot URI) and
// the ONVIF camera simulator (test/sim/onvif). Cameras are added through
// POST /api/onvif/channels, steered through POST /api/channels/:id/ptz, and
// their events raise incidents through the door.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { onvifApi, type EventsStatus } from './helpers/onvif.ts';
import { waitFor } from './helpers/video.ts';
import { OnvifSimHost, simEvents, type OnvifDeviceSim } from './sim/onvif/index.ts';

const USER = 'admin';
const PASSWORD = 'Sim-pass-42';
const rtsp = (n: number) => ({ main: `rtsp://127.0.0.1:8554/cam${n}/main`, sub: `rtsp://127.0.0.1:8554/cam${n}/sub` });

describe('ONVIF PTZ and camera events', () => {
  let t: TestGateway;
  let host: OnvifSimHost;
  let ptzCam: OnvifDeviceSim;
  let plainCam: OnvifDeviceSim;
  let renewCam: OnvifDeviceSim;
  const ids: Record<string, string> = {};

  let api: ReturnType<typeof onvifApi>;

  before(async () => {
    host = await OnvifSimHost.start({ discovery: false });
    // Its clock runs two hours ahead: WS-Security must be signed on its time, events dated on ours.
    ptzCam = await host.addDevice({ name: 'ptz-cam', username: USER, password: PASSWORD, rtsp: rtsp(1), clockSkewMs: 2 * 3600_000 });
    plainCam = await host.addDevice({ name: 'plain-cam', username: USER, password: PASSWORD, rtsp: rtsp(2), faults: { noPtz: true, noEvents: true } });
    renewCam = await host.addDevice({ name: 'renew-cam', username: USER, password: PASSWORD, rtsp: rtsp(3), faults: { failRenewals: 'fault' } });
    // Short subscriptions and pauses so that a renewal and a backoff happen within the test.
    t = await startTestGateway({ argv: ['--onvif.events.terminationSeconds', '10', '--onvif.events.backoffSeconds.min', '1', '--onvif.events.backoffSeconds.max', '4', '--onvif.events.pullTimeoutSeconds', '2'] });
    api = onvifApi(t, { username: USER, password: PASSWORD });
    ids.ptz = await api.add(ptzCam, { name: 'PTZ 路口' });
    ids.plain = await api.add(plainCam, { name: '固定枪机' });
  });

  after(async () => {
    await t?.stop();
    await host?.close();
  });

  test('moves and stops reach the camera as ContinuousMove velocities and Stop on the main profile', async () => {
    const moved = await api.ptz(ids.ptz!, { pan: 'left', tilt: 'up', panSpeed: 255, tiltSpeed: 51 });
    assert.equal(moved.statusCode, 200, moved.body);
    assert.deepEqual(ptzCam.ptz.lastVelocity, { x: -1, y: 0.2, zoom: 0 });
    assert.equal(ptzCam.ptz.moving, true);
    const body = moved.json() as { operation: string; profileToken: string };
    assert.equal(body.operation, 'ContinuousMove');
    assert.equal(body.profileToken, ptzCam.profiles[0]!.token);

    assert.equal((await api.ptz(ids.ptz!, { zoom: 'in', zoomSpeed: 15 })).statusCode, 200);
    assert.deepEqual(ptzCam.ptz.lastVelocity, { x: 0, y: 0, zoom: 1 });
    const stops = ptzCam.ptz.counts.stops;
    assert.equal((await api.ptz(ids.ptz!, {})).statusCode, 200);
    assert.equal(ptzCam.ptz.counts.stops, stops + 1);
    assert.equal(ptzCam.ptz.moving, false);
    // Dispatchers watch, they do not steer.
    assert.equal((await api.ptz(ids.ptz!, {}, 'dispatcher')).statusCode, 403);
  });

  test('presets by index: set keeps the camera token on the channel, call goes to it, list, delete removes it', async () => {
    const set = await api.ptz(ids.ptz!, { preset: { action: 'set', index: 3, name: '东门' } });
    assert.equal(set.statusCode, 200, set.body);
    const token = (set.json() as { presetToken: string }).presetToken;
    assert.ok(ptzCam.ptz.presets.has(token), 'the camera has the preset');
    assert.equal(ptzCam.ptz.presets.get(token)!.name, '东门');
    const row = (await t.call('operator', { method: 'GET', url: `/api/channels/${ids.ptz}` })).json() as { ptzPresets?: unknown };
    assert.deepEqual(row.ptzPresets, [{ index: 3, name: '东门', token }]);

    assert.equal((await api.ptz(ids.ptz!, { preset: { action: 'call', index: 3 } })).statusCode, 200);
    assert.equal(ptzCam.ptz.lastPreset, token);

    const listed = await t.call('operator', { method: 'GET', url: `/api/channels/${ids.ptz}/ptz/presets` });
    assert.equal(listed.statusCode, 200, listed.body);
    assert.deepEqual((listed.json() as { ptzPresets: unknown }).ptzPresets, [{ index: 3, name: '东门', token }]);

    const unknown = await api.ptz(ids.ptz!, { preset: { action: 'call', index: 9 } });
    assert.equal(unknown.statusCode, 404);
    assert.equal((unknown.json() as { field: string }).field, 'preset.index');

    const del = await api.ptz(ids.ptz!, { preset: { action: 'delete', index: 3 } });
    assert.equal(del.statusCode, 200, del.body);
    assert.equal(ptzCam.ptz.presets.has(token), false);
    assert.deepEqual((del.json() as { ptzPresets: unknown }).ptzPresets, []);
  });

  test('a camera without PTZ is a 409 with the reason; a cruise on ONVIF too; nothing reaches the camera', async () => {
    const before = plainCam.requests('ContinuousMove').length;
    const res = await api.ptz(ids.plain!, { pan: 'right', panSpeed: 100 });
    assert.equal(res.statusCode, 409, res.body);
    const body = res.json() as { code: string; message: string };
    assert.equal(body.code, 'GW_ERR_NOT_SUPPORTED');
    assert.match(body.message, /has no PTZ/);
    assert.equal(plainCam.requests('ContinuousMove').length, before);
    const cruise = await api.ptz(ids.ptz!, { cruise: { action: 'start', group: 1 } });
    assert.equal(cruise.statusCode, 409);
    assert.equal((cruise.json() as { code: string }).code, 'GW_ERR_NOT_SUPPORTED');
  });

  test('a camera without events says so in its status', async () => {
    const status = await api.eventsStatus(ids.plain!);
    assert.equal(status?.state, 'no events');
    assert.match(status!.reason!, /no event service/);
  });

  test('motion is off by default: tamper raises camera_tamper with a snapshot, the motion before it nothing', async () => {
    await waitFor(async () => (await api.eventsStatus(ids.ptz!))?.state === 'subscribed', 30_000, 'ptz-cam subscribed');
    assert.deepEqual((await api.eventsStatus(ids.ptz!))!.types, ['camera_tamper', 'field_detection', 'line_crossing']);
    ptzCam.emit(simEvents.motion(true));
    ptzCam.emit(simEvents.tamper(true));
    await waitFor(async () => (await api.incidents('camera_tamper', ids.ptz!)).length === 1, 30_000, 'camera_tamper incident');
    assert.deepEqual(await api.incidents('camera_motion', ids.ptz!), [], 'the motion, pulled with the tamper, raised nothing');
    const [tamper] = await api.incidents('camera_tamper', ids.ptz!);
    assert.equal(tamper!.evidence?.topic, 'tns1:VideoSource/GlobalSceneChange/ImagingService');
    // The camera's clock is two hours ahead: the incident is dated on ours.
    assert.ok(Math.abs(Date.parse(tamper!.firstSeen) - Date.now()) < 60_000, `dated ${tamper!.firstSeen}`);
    const snapshot = tamper!.evidence?.snapshots?.[0];
    assert.ok(snapshot, 'a snapshot is attached');
    const jpeg = await t.call('operator', { method: 'GET', url: snapshot });
    assert.equal(jpeg.statusCode, 200);
    assert.equal(jpeg.headers['content-type'], 'image/jpeg');
    assert.equal(jpeg.rawPayload.subarray(0, 2).toString('hex'), 'ffd8');
  });

  test('switching motion on applies at once: camera_motion is raised, with a snapshot', async () => {
    const patched = await t.call('engineer', { method: 'PATCH', url: `/api/channels/${ids.ptz}`, payload: { onvif: { events: { types: ['camera_motion', 'camera_tamper'] } } } });
    assert.equal(patched.statusCode, 200, patched.body);
    await waitFor(async () => (await api.eventsStatus(ids.ptz!))?.types.includes('camera_motion') === true, 10_000, 'switch applied');
    ptzCam.emit(simEvents.motion(false)); // the off half raises nothing
    ptzCam.emit(simEvents.motion(true));
    await waitFor(async () => (await api.incidents('camera_motion', ids.ptz!)).length === 1, 30_000, 'camera_motion incident');
    const [motion] = await api.incidents('camera_motion', ids.ptz!);
    assert.ok(motion!.evidence?.snapshots?.length, 'a snapshot is attached');
    assert.equal(motion!.title, `Camera motion on camera ${ids.ptz}`);
    // Line crossing is now switched off on this channel.
    ptzCam.emit(simEvents.lineCrossing(4));
    ptzCam.emit(simEvents.tamper(true));
    await waitFor(async () => (await api.eventsStatus(ids.ptz!))?.state === 'subscribed' && (await t.call('operator', { method: 'GET', url: '/api/onvif/events/status' })).json().counts.switchedOff >= 2, 30_000, 'line crossing pulled and switched off');
    assert.deepEqual(await api.incidents('line_crossing', ids.ptz!), []);
  });

  test('renewals refused: subscribed again after a pause that doubles, and the status says so', async () => {
    ids.renew = await api.add(renewCam, { name: '续订失败' });
    await waitFor(async () => (await api.eventsStatus(ids.renew!))?.state === 'subscribed', 30_000, 'renew-cam subscribed');
    // Termination 10 s: the renewal is due after about 6.7 s, and refused.
    const failing: EventsStatus[] = [];
    await waitFor(async () => {
      const s = await api.eventsStatus(ids.renew!);
      if (s?.state === 'failing' && !failing.some((f) => f.failures === s.failures)) failing.push(s);
      return failing.length >= 2;
    }, 60_000, 'two refused renewals');
    const pauses = failing.map((s) => Math.round((Date.parse(s.retryAt!) - Date.parse(s.since)) / 1000));
    assert.deepEqual(pauses, [1, 2], 'the pause doubles');
    assert.match(failing[0]!.reason!, /Renew/i);
    assert.ok(renewCam.requests('CreatePullPointSubscription').length >= 2, 'subscribed again');
  });

  test('hostile answers to PullMessages (entity bomb, huge body): the subscription fails with the reason and backs off, the gateway goes on', async () => {
    const hostileCam = await host.addDevice({ name: 'hostile-cam', username: USER, password: PASSWORD, rtsp: rtsp(4), faults: { hostile: { PullMessages: 'entity-bomb' } } });
    ids.hostile = await api.add(hostileCam, { name: '恶意应答' });
    const failing = await waitFor(async () => {
      const s = await api.eventsStatus(ids.hostile!);
      return s?.state === 'failing' ? s : undefined;
    }, 30_000, 'failing on the entity bomb');
    assert.ok(failing.retryAt, 'a next try is named');
    assert.match(failing.reason!, /PullMessages: .*(DOCTYPE|entit)/i);
    hostileCam.faults.hostile = { PullMessages: 'huge-body' };
    const pulls = hostileCam.requests('PullMessages').length;
    // The failure after the next PullMessages: the huge body's.
    const huge = await waitFor(async () => {
      const s = await api.eventsStatus(ids.hostile!);
      return hostileCam.requests('PullMessages').length > pulls && s?.state === 'failing' && (s.failures ?? 0) > failing.failures! ? s : undefined;
    }, 30_000, 'failing on the huge body too');
    assert.match(huge.reason!, /PullMessages: .*bound/);
    assert.equal((await t.call('operator', { method: 'GET', url: '/healthz' })).statusCode, 200);
    assert.doesNotMatch(JSON.stringify(await api.eventsStatus(ids.hostile!)), new RegExp(PASSWORD));
    assert.equal((await t.call('engineer', { method: 'DELETE', url: `/api/channels/${ids.hostile}` })).statusCode, 204);
  });

  test('a disabled channel is off and its subscription ends; enabled again, it subscribes at once', async () => {
    assert.equal((await t.call('engineer', { method: 'PATCH', url: `/api/channels/${ids.renew}`, payload: { enabled: false } })).statusCode, 200);
    const off = await api.eventsStatus(ids.renew!);
    assert.equal(off?.state, 'off');
    assert.match(off!.reason!, /disabled/);
    const created = renewCam.requests('CreatePullPointSubscription').length;
    assert.equal((await t.call('engineer', { method: 'PATCH', url: `/api/channels/${ids.renew}`, payload: { enabled: true } })).statusCode, 200);
    await waitFor(() => renewCam.requests('CreatePullPointSubscription').length > created, 10_000, 'subscribed again');
  });

  test("camera failures: a SOAP fault is a 502 with the camera's reason, a camera gone a 502 naming host:port, no answer a 504; never the password", async () => {
    const cam = await host.addDevice({ name: 'gone-cam', username: USER, password: PASSWORD, rtsp: rtsp(5) });
    const id = await api.add(cam, { name: '故障云台' });
    cam.faults.fault = { ContinuousMove: { code: 'env:Receiver', subcode: 'ter:Action', reason: 'PTZ is locked by another user' } };
    const fault = await api.ptz(id, { pan: 'left', panSpeed: 10 });
    assert.equal(fault.statusCode, 502, fault.body);
    assert.equal((fault.json() as { code: string }).code, 'GW_ERR_DEVICE_REFUSED');
    assert.match((fault.json() as { message: string }).message, /PTZ is locked by another user/);
    cam.faults.fault = {};
    await cam.down();
    const gone = await api.ptz(id, {});
    assert.equal(gone.statusCode, 502, gone.body);
    assert.match((gone.json() as { message: string }).message, new RegExp(`${cam.host}:${cam.port}`));
    await cam.up();
    cam.faults.mute = ['Stop']; // answered never: the request's time runs out (onvif.requestTimeoutMs)
    const silent = await api.ptz(id, {});
    assert.equal(silent.statusCode, 504, silent.body);
    assert.equal((silent.json() as { code: string }).code, 'GW_ERR_DEVICE_TIMEOUT');
    for (const res of [fault, gone, silent]) assert.doesNotMatch(res.body, new RegExp(PASSWORD));
  });

  test('a deleted channel stops its subscription', async () => {
    const unsubscribes = ptzCam.requests('Unsubscribe').length;
    assert.equal((await t.call('engineer', { method: 'DELETE', url: `/api/channels/${ids.ptz}` })).statusCode, 204);
    assert.equal(await api.eventsStatus(ids.ptz!), undefined);
    await waitFor(() => ptzCam.requests('Unsubscribe').length > unsubscribes, 30_000, 'Unsubscribe sent');
  });
});
