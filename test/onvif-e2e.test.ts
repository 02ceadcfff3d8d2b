// An ONVIF camera from discovery to incidents, end to end in process: the
// camera simulator serves the red-square scene as a 720p main stream and a
// 360p sub-stream (with the camera's credentials), the ONVIF simulator's
// profiles point at them, and the gateway runs real ffmpeg and the project's
// test detector (a red square is a "person"). Discovered over unicast
// WS-Discovery → added from the discovered address → the live HLS is the main
// stream → detection decodes the sub-stream and raises a person incident →
// PTZ moves, stops and a preset round trip reach the camera → a motion event
// (motion switched on for this channel) raises camera_motion with the live
// picture as its snapshot.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { startCameraSimulator, type CameraSimulator } from './sim/camera-sim.ts';
import { OnvifSimHost, simEvents, type OnvifDeviceSim } from './sim/onvif/index.ts';
import type { TestGateway } from './helpers/gateway.ts';
import { onvifApi } from './helpers/onvif.ts';
import { CLIP_DIR, ffprobe, startVideoGateway, statusOf, waitFor } from './helpers/video.ts';

const USER = 'admin';
const PASSWORD = 'E2e-Onvif-Secret-5';
let cams: CameraSimulator;
let sims: OnvifSimHost;
let camera: OnvifDeviceSim;
let t: TestGateway;
let base: string;
let api: ReturnType<typeof onvifApi>;
let id: string;
const configFile = join(CLIP_DIR, `onvif-e2e-test-${process.pid}.json`);

before(async () => {
  cams = await startCameraSimulator({
    clipDir: CLIP_DIR,
    streams: [{ path: 'main', clip: 'red-square-720p' }, { path: 'sub', clip: 'red-square-360p' }],
    credentials: { username: USER, password: PASSWORD },
  });
  for (const path of ['main', 'sub']) await cams.waitReady(path, 120_000);
  sims = await OnvifSimHost.start();
  const profile = (token: string, name: string, width: number, height: number, path: string) =>
    ({ token, name, encoding: 'H264', width, height, fps: 25, bitrateKbps: width * 2, streamUri: cams.url(path) });
  camera = await sims.addDevice({
    name: 'e2e-ptz-dome', manufacturer: 'HIKVISION', model: 'DS-2DE4425IW', serial: 'E2E-0001', username: USER, password: PASSWORD,
    rtsp: { main: cams.url('main'), sub: cams.url('sub') },
    profiles: [profile('Profile_1', 'mainStream', 1280, 720, 'main'), profile('Profile_2', 'subStream', 640, 360, 'sub')],
  });
  // The project's test detector: the red square is a "person" anywhere in the picture.
  const rule = { name: '任何位置', classes: ['person'], minScore: 0.5, cooldownSeconds: 600, incidentType: 'intrusion', severity: 'major' };
  const detection = { enabled: true, concurrency: 1, generateTestModels: true, models: { test: { path: '${dataDir}/models/test-detector-yolov8-320.onnx', intraOpThreads: 1 } }, profiles: { any: { model: 'test', fps: 2, rules: [rule] } } };
  const responder = sims.discoveryAddress!;
  const onvif = { requestTimeoutMs: 8000, discovery: { unicastTo: [responder] }, events: { pullTimeoutSeconds: 2 } };
  writeFileSync(configFile, JSON.stringify({ detection, onvif })); // JSON is YAML
  t = await startVideoGateway(['--config', configFile]);
  base = await t.app.listen({ host: '127.0.0.1', port: 0 });
  api = onvifApi(t, { username: USER, password: PASSWORD });
});
after(async () => {
  await t?.stop();
  await sims?.close();
  await cams?.stop();
  rmSync(configFile, { force: true });
});

test('discovery finds the camera over unicast WS-Discovery; added from that address, discovery then names its channel', async () => {
  const res = await t.call('engineer', { method: 'POST', url: '/api/onvif/discover', payload: { timeoutMs: 3000 } });
  assert.equal(res.statusCode, 200, res.body);
  const found = (res.json() as { devices: Array<{ host: string; port: number; name?: string; registered: string | null }> }).devices;
  const mine = found.find((d) => d.port === camera.port);
  assert.ok(mine, `the camera on port ${camera.port} is found (${found.length} in all)`);
  assert.deepEqual([mine.host, mine.name, mine.registered], ['127.0.0.1', 'e2e-ptz-dome', null]);

  // Added from the address discovery gave, with detection and the camera's motion switched on.
  id = await api.add({ host: mine.host, port: mine.port }, {
    id: 'onvif-e2e', name: 'ONVIF 球机', mode: 'always-on', detectionProfile: 'any', events: { types: ['camera_motion', 'camera_tamper'] },
  });
  const again = await t.call('engineer', { method: 'POST', url: '/api/onvif/discover', payload: { timeoutMs: 3000 } });
  assert.equal((again.json() as { devices: Array<{ port: number; registered: string | null }> }).devices.find((d) => d.port === camera.port)?.registered, id);
  const row = (await t.call('operator', { method: 'GET', url: `/api/channels/${id}` })).json() as { source: { url: string }; subSource?: { url: string }; onvif: { profiles: unknown } };
  assert.deepEqual([row.source.url, row.subSource?.url, row.onvif.profiles], [cams.url('main'), cams.url('sub'), { main: 'Profile_1', sub: 'Profile_2' }]);
  assert.ok(!JSON.stringify(row).includes(PASSWORD));
});

test('the live HLS plays the main stream (the main profile\'s 1280×720)', async () => {
  const online = await waitFor(async () => {
    const s = await statusOf(t, id);
    return s.state === 'online' ? s : undefined;
  }, 120_000, 'the ONVIF channel online');
  assert.deepEqual([online.input?.width, online.input?.height], [1280, 720]);
  const play = (await t.call('operator', { method: 'GET', url: `/api/channels/${id}/play` })).json() as { hls: string };
  const video = await waitFor(async () => (await ffprobe(`${base}${play.hls}`)).find((s) => s.codec_type === 'video'), 60_000, 'the live playlist probed');
  assert.deepEqual([video.codec_name, video.width, video.height], ['h264', 1280, 720]);
});

test('detection decodes the sub-stream (640×360) and raises a person incident', async () => {
  type Detected = { id: string; evidence: { detections: Array<{ label: string }>; snapshots: string[] } };
  const [incident] = await waitFor(async () => {
    const items = (await t.call('operator', { method: 'GET', url: `/api/incidents?type=intrusion&sourceId=${id}` })).json().items as Detected[];
    return items.length ? items : undefined;
  }, 120_000, 'the intrusion incident');
  assert.ok(incident!.evidence.detections.some((d) => d.label === 'person'), JSON.stringify(incident!.evidence.detections));
  assert.ok(incident!.evidence.snapshots.length > 0, 'a snapshot with the boxes');
  const runner = t.gw.detection!.runners().find((r) => r.channelId === id)!;
  assert.equal(runner.framesKey, `${id}~sub`, 'the detector reads the sub-stream');
  const frame = t.gw.video!.frames.latestFrame(`${id}~sub`);
  assert.deepEqual([frame?.width, frame?.height], [640, 360], 'detection frames have the sub profile\'s size');
  assert.equal(t.gw.video!.frames.latestFrame(id), undefined, 'the main stream is not decoded for detection');
  const sub = t.gw.video!.manager.status(`${id}~sub`);
  assert.deepEqual([sub?.state, sub?.input?.width, sub?.input?.height], ['online', 640, 360], 'the sub-stream runs for the detector');
  const status = (await t.call('operator', { method: 'GET', url: '/api/detection/status' })).json() as { channels: Array<{ channelId: string; state: string; alarms: number }> };
  const mine = status.channels.find((c) => c.channelId === id);
  assert.equal(mine?.state, 'running');
  assert.ok(mine!.alarms >= 1);
});

test('PTZ: a move reaches the camera as a velocity (speed/255), then stop; a preset is set, called and deleted', async () => {
  const moved = await api.ptz(id, { pan: 'right', tilt: 'down', panSpeed: 128, tiltSpeed: 255 });
  assert.equal(moved.statusCode, 200, moved.body);
  assert.equal(camera.ptz.moving, true);
  assert.deepEqual(camera.ptz.lastVelocity, { x: 0.502, y: -1, zoom: 0 });
  await waitFor(() => camera.ptz.position.x > 0 || undefined, 10_000, 'the camera turned right');
  assert.equal((await api.ptz(id, {})).statusCode, 200);
  assert.equal(camera.ptz.moving, false);

  const set = await api.ptz(id, { preset: { action: 'set', index: 1, name: '路口东' } });
  assert.equal(set.statusCode, 200, set.body);
  const token = (set.json() as { presetToken: string }).presetToken;
  assert.equal(camera.ptz.presets.get(token)?.name, '路口东');
  assert.equal((await api.ptz(id, { preset: { action: 'call', index: 1 } })).statusCode, 200);
  assert.equal(camera.ptz.lastPreset, token);
  const del = await api.ptz(id, { preset: { action: 'delete', index: 1 } });
  assert.equal(del.statusCode, 200, del.body);
  assert.equal(camera.ptz.presets.has(token), false);
  assert.deepEqual((del.json() as { ptzPresets: unknown }).ptzPresets, []);
});

test('a motion event from the camera raises camera_motion with the live main picture as its snapshot', async () => {
  await waitFor(async () => (await api.eventsStatus(id))?.state === 'subscribed', 60_000, 'the camera\'s events subscribed');
  assert.ok((await api.eventsStatus(id))!.types.includes('camera_motion'));
  camera.emit(simEvents.motion(true));
  const [motion] = await waitFor(async () => {
    const items = await api.incidents('camera_motion', id);
    return items.length ? items : undefined;
  }, 60_000, 'the camera_motion incident');
  assert.equal(motion!.source.id, id);
  const snapshot = motion!.evidence?.snapshots?.[0];
  assert.ok(snapshot, 'a snapshot is attached');
  const jpeg = await t.call('operator', { method: 'GET', url: snapshot });
  assert.equal(jpeg.statusCode, 200);
  assert.equal(jpeg.headers['content-type'], 'image/jpeg');
  const meta = await sharp(jpeg.rawPayload).metadata();
  // The camera's own snapshot URI serves a 352×288 grey picture: this is the channel's live frame.
  assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 1280, 720]);
  assert.ok(!t.logs().includes(PASSWORD), 'no log line holds the camera password');
});
