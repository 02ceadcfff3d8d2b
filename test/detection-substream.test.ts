// Detection on a sub-stream, end to end: the camera simulator serves the same
// scene (the red square on grey) as a 720p main stream and a 360p
// sub-stream. A channel with both decodes only the sub-stream for detection
// (the main stream runs without a frame tap, for live and recording), and the
// incident's boxes and snapshot are given on the main stream's 1280×720
// picture, where the square is.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import type { ChannelRunner } from '../gateway/detection/channel-runner.ts';
import { startCameraSimulator, type CameraSimulator } from './sim/camera-sim.ts';
import type { TestGateway } from './helpers/gateway.ts';
import { CLIP_DIR, startVideoGateway, statusOf, waitFor } from './helpers/video.ts';

let sim: CameraSimulator;
let t: TestGateway;
const liveEvents: Array<{ channelId: string; frameSize: number[]; detections: Array<{ label: string; box: number[] }> }> = [];

before(async () => {
  sim = await startCameraSimulator({ clipDir: CLIP_DIR, streams: [{ path: 'main', clip: 'red-square-720p' }, { path: 'sub', clip: 'red-square-360p' }] });
  for (const p of ['main', 'sub']) await sim.waitReady(p, 120_000);
  const rule = { name: '任何位置', classes: ['person'], minScore: 0.5, cooldownSeconds: 600, incidentType: 'intrusion', severity: 'major' };
  const config = { detection: { enabled: true, concurrency: 1, generateTestModels: true, models: { test: { path: '${dataDir}/models/test-detector-yolov8-320.onnx', intraOpThreads: 1 } }, profiles: { any: { model: 'test', fps: 4, rules: [rule] } } } };
  const file = join(CLIP_DIR, `detection-substream-test-${process.pid}.json`);
  writeFileSync(file, JSON.stringify(config));
  t = await startVideoGateway(['--config', file]);
  t.gw.incidents.service.bus.on('event', (e) => {
    if (e.type === 'detection') liveEvents.push(e.payload as never);
  });
  // The main stream runs first (always on), then detection is switched on: its boxes are mapped to the main picture,
  // whose size is known once the main stream runs (before that, on a busy machine, they would stay on the sub-stream's).
  const res = await t.call('engineer', { method: 'POST', url: '/api/channels', payload: { id: 'c-sub', name: 'c-sub', kind: 'rtsp', mode: 'always-on', source: { url: sim.url('main') }, subSource: { url: sim.url('sub') } } });
  assert.equal(res.statusCode, 201, res.body);
  await waitFor(async () => (await statusOf(t, 'c-sub')).state === 'online' || undefined, 120_000, 'the main stream running (live, recording)');
  const on = await t.call('engineer', { method: 'PATCH', url: '/api/channels/c-sub', payload: { detectionProfile: 'any' } });
  assert.equal(on.statusCode, 200, on.body);
});
after(async () => {
  await t?.stop();
  await sim?.stop();
});

const runner = () => t.gw.detection!.runners().find((r) => r.channelId === 'c-sub') as ChannelRunner;
type Incident = { evidence: { snapshots: string[]; detections: Array<{ label: string; box: [number, number, number, number] }>; frameSize: number[] } };

test('detection decodes the 360p sub-stream; the incident\'s boxes and snapshot are on the 720p main stream, on the square', async () => {
  await waitFor(() => (runner()?.status().alarms ?? 0) >= 1 || undefined, 60_000, 'the alarm');
  assert.equal(runner().framesKey, 'c-sub~sub');
  const frames = t.gw.video!.frames;
  // Only the sub-stream is decoded: its frames are 640×360, the main stream has no tap (and no subscriber).
  assert.deepEqual([frames.latestFrame('c-sub~sub')?.width, frames.latestFrame('c-sub~sub')?.height], [640, 360]);
  assert.equal(frames.latestFrame('c-sub'), undefined, 'the main stream is not decoded for detection');
  assert.equal(frames.count('c-sub'), 0);
  assert.equal(t.gw.video!.manager.status('c-sub')?.input?.width, 1280);
  assert.equal(t.gw.video!.manager.status('c-sub~sub')?.state, 'online', 'the sub-stream runs while detection reads it');

  const [incident] = (await t.call('operator', { method: 'GET', url: '/api/incidents?sourceId=c-sub' })).json().items as Incident[];
  assert.deepEqual(incident!.evidence.frameSize, [1280, 720]);
  const d = incident!.evidence.detections.find((x) => x.label === 'person')!;
  const [x, y, w, h] = d.box;
  // The 48 px square of the sub-stream is the main stream's 96 px square, vertically centred at 360.
  assert.ok(Math.abs(w - 96) <= 12 && Math.abs(h - 96) <= 12, `a 96 px square on the main picture, got ${w}×${h}`);
  assert.ok(Math.abs(y + h / 2 - 360) <= 12, `vertically centred on the main picture, got y ${y}`);
  assert.ok(x >= 0 && x + w <= 1280);
  const jpeg = await t.call('operator', { method: 'GET', url: incident!.evidence.snapshots.at(-1)! });
  const { data, info } = await sharp(jpeg.rawPayload).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height], [1280, 720], 'the snapshot has the camera\'s resolution');
  const at = (px: number, py: number) => [...data.subarray((py * info.width + px) * 3, (py * info.width + px) * 3 + 3)];
  const [r, g, b] = at(Math.round(x + w / 2), Math.round(y + h / 2));
  assert.ok(r! > 180 && g! < 90 && b! < 90, `the box centre is on the red square (${r},${g},${b})`);
  const overlay = liveEvents.find((e) => e.channelId === 'c-sub' && e.detections.length > 0)!;
  assert.deepEqual(overlay.frameSize, [1280, 720], 'overlay events are on the main picture too');
});

test('detectOn main: the sub-stream is left alone and the main stream is tapped', async () => {
  const res = await t.call('engineer', { method: 'PATCH', url: '/api/channels/c-sub', payload: { video: { detectOn: 'main' } } });
  assert.equal(res.statusCode, 200, res.body);
  await waitFor(() => runner()?.framesKey === 'c-sub' || undefined, 20_000, 'the runner on the main stream');
  await waitFor(() => t.gw.video!.frames.latestFrame('c-sub')?.width === 640 || undefined, 30_000, 'main-stream tap frames (scaled to the tap width)');
  await waitFor(() => t.gw.video!.manager.status('c-sub~sub')?.state !== 'online' || undefined, 30_000, 'the sub-stream stopped (nobody watches it)');
});
