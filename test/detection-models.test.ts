// Models replaced without a restart, end to end: the camera simulator's red
// square, the real ffmpeg tap and a running gateway. A channel detects
// `person` with model `swap`; replacing `swap` (a file under dataDir/models
// with other class names, then an upload) switches its detections to the new
// classes while the channel's ffmpeg keeps its pid. A broken file or a path
// out of the models folder is refused and the old model runs on; a model a
// profile names cannot be deleted.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ensureModels } from '../detectors/tools/generate-models.ts';
import { startCameraSimulator, type CameraSimulator } from './sim/camera-sim.ts';
import type { TestGateway } from './helpers/gateway.ts';
import { CLIP_DIR, startVideoGateway, statusOf, waitFor } from './helpers/video.ts';

let sim: CameraSimulator;
let t: TestGateway;
const events: Array<{ at: number; channelId: string; detections: Array<{ label: string }> }> = [];
type ModelView = { name: string; loaded: boolean; classes: string[]; layout: string; loadedAt: string; sha256: string; profiles: string[]; channels: string[]; executionProviders: string[]; input: { width: number; height: number } };

before(async () => {
  sim = await startCameraSimulator({ clipDir: CLIP_DIR, streams: [{ path: 'red', clip: 'red-square-360p' }] });
  await sim.waitReady('red', 90_000);
  const config = {
    detection: {
      enabled: true, concurrency: 1, generateTestModels: true, modelUploadMaxMB: 1,
      models: { swap: { path: '${dataDir}/models/test-detector-yolov8-320.onnx', intraOpThreads: 1 } },
      // No rules: what is watched is the detections' class, published live.
      profiles: {
        watch: { model: 'swap', fps: 4, motion: { enabled: false }, rules: [] },
        // its model comes later, over the API
        later: { model: 'later', fps: 2, rules: [{ name: 'r', classes: ['person'], incidentType: 'intrusion', severity: 'major' }] },
      },
    },
  };
  const file = join(CLIP_DIR, `detection-models-test-${process.pid}.json`);
  writeFileSync(file, JSON.stringify(config));
  t = await startVideoGateway(['--config', file]);
  t.gw.incidents.service.bus.on('event', (e) => {
    if (e.type === 'detection') events.push({ at: Date.now(), ...(e.payload as { channelId: string; detections: Array<{ label: string }> }) });
  });
  for (const [id, profile] of [['c-swap', 'watch'], ['c-later', 'later']]) {
    const res = await t.call('engineer', { method: 'POST', url: '/api/channels', payload: { id, name: id, kind: 'rtsp', source: { url: sim.url('red') }, detectionProfile: profile } });
    assert.equal(res.statusCode, 201, res.body);
  }
});
after(async () => {
  await t?.stop();
  await sim?.stop();
});

const models = async () => (await t.call('operator', { method: 'GET', url: '/api/detection/models' })).json() as ModelView[];
const labelsSince = (since: number) => new Set(events.filter((e) => e.channelId === 'c-swap' && e.at > since).flatMap((e) => e.detections.map((d) => d.label)));
const runningPid = async () => (await waitFor(async () => {
  const s = await statusOf(t, 'c-swap');
  return s.state === 'online' && s.pid ? s.pid : undefined;
}, 60_000, 'the channel online')) as number;
/** Waits for detections of `label` after `since`, then checks no other class came after the first of them. */
async function detectsOnly(label: string, since: number): Promise<void> {
  await waitFor(() => labelsSince(since).has(label) || undefined, 60_000, `detections of '${label}'`);
  const first = events.find((e) => e.channelId === 'c-swap' && e.at > since && e.detections.some((d) => d.label === label))!.at;
  await waitFor(() => events.filter((e) => e.channelId === 'c-swap' && e.at > first && e.detections.length).length >= 4 || undefined, 30_000, 'more detections');
  assert.deepEqual([...labelsSince(first)], [label]);
}

test('the models list says what each model is and who uses it', async () => {
  await detectsOnly('person', 0);
  const [swap] = await models();
  assert.equal(swap!.name, 'swap');
  assert.equal(swap!.loaded, true);
  assert.deepEqual(swap!.classes, ['person', 'car']);
  assert.deepEqual(swap!.input, { width: 320, height: 320, type: 'float32' } as never);
  assert.equal(swap!.layout, 'yolov8');
  assert.deepEqual(swap!.executionProviders, ['cpu']);
  assert.deepEqual(swap!.profiles, ['watch']);
  assert.deepEqual(swap!.channels, ['c-swap']);
  const put = await t.call('operator', { method: 'PUT', url: '/api/detection/models/swap', payload: { path: 'test-detector-yolov8-320.onnx' } });
  assert.equal(put.statusCode, 403, 'operators may not change models');
});

test('a path out of the models folder, a broken file and cuda are refused with the reason; the old model runs on', async () => {
  const before = (await models())[0]!;
  writeFileSync(join(t.dataDir, 'models', 'broken.onnx'), 'this is not ONNX');
  const cases: Array<[Record<string, unknown>, string, RegExp]> = [
    [{ path: '../detection-models.json' }, 'path', /leads out of the models folder/],
    [{ path: '/etc/passwd' }, 'path', /relative to the models folder/],
    [{ path: 'broken.onnx' }, 'path', /broken\.onnx is not a model onnxruntime can load/],
    [{ path: 'test-detector-yolov8-320.onnx', executionProviders: ['cuda'] }, 'executionProviders', /execution provider 'cuda' .*it offers cpu/],
    [{ path: 'test-detector-yolov8-320.onnx', executionProviders: ['gpu'] }, 'executionProviders', /.*/],
  ];
  for (const [payload, field, message] of cases) {
    const res = await t.call('engineer', { method: 'PUT', url: '/api/detection/models/swap', payload });
    assert.equal(res.statusCode, 400, `${JSON.stringify(payload)}: ${res.body}`);
    const body = res.json() as { field?: string; message: string };
    assert.ok(body.field?.startsWith(field), `${JSON.stringify(payload)}: field ${body.field}`);
    assert.match(body.message, message);
  }
  const after = (await models())[0]!;
  assert.equal(after.loadedAt, before.loadedAt, 'still the first load');
  assert.equal(after.sha256, before.sha256);
  await detectsOnly('person', Date.now());
});

test('replacing the model by one with other classes switches the running channel\'s detections; its ingest keeps its pid', async () => {
  const pid = await runningPid();
  const replacedAt = Date.now();
  const res = await t.call('admin', { method: 'PUT', url: '/api/detection/models/swap', payload: { path: 'test-detector-yolov5-320.onnx', labels: ['cyclist', 'truck'] } });
  assert.equal(res.statusCode, 200, res.body);
  const view = res.json() as ModelView;
  assert.deepEqual(view.classes, ['cyclist', 'truck']);
  assert.equal(view.layout, 'yolov5');
  assert.deepEqual(view.channels, ['c-swap']);
  await detectsOnly('cyclist', replacedAt);
  const status = (await t.call('operator', { method: 'GET', url: '/api/detection/status' })).json() as { models: Array<{ name: string; loadedAt: string; sha256: string }>; channels: Array<{ channelId: string; state: string; model: string }> };
  assert.equal(status.models[0]!.loadedAt, view.loadedAt, 'the status shows the new model');
  assert.equal(status.models[0]!.sha256, view.sha256);
  assert.equal(status.channels.find((c) => c.channelId === 'c-swap')!.state, 'running');
  assert.equal((await statusOf(t, 'c-swap')).pid, pid, 'the channel\'s ffmpeg was not restarted');
  const saved = JSON.parse(readFileSync(join(t.dataDir, 'detection-models.json'), 'utf8')) as Record<string, { path: string; labels: string[] }>;
  assert.deepEqual(saved.swap, { path: 'test-detector-yolov5-320.onnx', labels: ['cyclist', 'truck'], intraOpThreads: 2, executionProviders: ['cpu'] });
});

test('an uploaded .onnx replaces the model the same way; a model a profile names cannot be deleted, another can', async () => {
  const pid = await runningPid();
  const bytes = readFileSync((await ensureModels())['test-detector-e2e-320.onnx']);
  const broken = await t.call('engineer', { method: 'POST', url: '/api/detection/models/swap/file', headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.from('not a model') });
  assert.equal(broken.statusCode, 400, broken.body);
  const uploadedAt = Date.now();
  const res = await t.call('engineer', { method: 'POST', url: `/api/detection/models/swap/file?labels=${encodeURIComponent('行人,车辆')}`, headers: { 'content-type': 'application/octet-stream' }, payload: bytes });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual((res.json() as ModelView).classes, ['行人', '车辆']);
  assert.deepEqual(readFileSync(join(t.dataDir, 'models', 'swap.onnx')), bytes, 'kept as dataDir/models/<name>.onnx');
  await detectsOnly('行人', uploadedAt);
  assert.equal((await statusOf(t, 'c-swap')).pid, pid, 'the channel\'s ffmpeg was not restarted');

  const inUse = await t.call('engineer', { method: 'DELETE', url: '/api/detection/models/swap' });
  assert.equal(inUse.statusCode, 409, inUse.body);
  assert.match((inUse.json() as { message: string }).message, /used by the profiles watch/);
  const spare = await t.call('engineer', { method: 'PUT', url: '/api/detection/models/spare', payload: { path: 'test-detector-yolov8-320.onnx' } });
  assert.equal(spare.statusCode, 200, spare.body);
  assert.deepEqual((spare.json() as ModelView).channels, []);
  assert.equal((await t.call('engineer', { method: 'DELETE', url: '/api/detection/models/spare' })).statusCode, 204);
  assert.deepEqual((await models()).map((m) => m.name), ['swap']);
  const large = await t.call('engineer', { method: 'POST', url: '/api/detection/models/big/file', headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.alloc(1024 * 1024 + 1) });
  assert.equal(large.statusCode, 413, 'over detection.modelUploadMaxMB');
});

test('a channel whose profile names a model not loaded yet starts detecting when the model is added', async () => {
  const detectionStatus = async () => ((await t.call('operator', { method: 'GET', url: '/api/detection/status' })).json() as { channels: Array<{ channelId: string; state: string; reason?: string }> }).channels.find((c) => c.channelId === 'c-later');
  const failed = await waitFor(detectionStatus, 30_000, 'c-later in the detection status');
  assert.equal(failed.state, 'failed');
  assert.match(failed.reason!, /model 'later' is not loaded/);
  const res = await t.call('engineer', { method: 'PUT', url: '/api/detection/models/later', payload: { path: 'test-detector-yolov8-320.onnx', intraOpThreads: 1 } });
  assert.equal(res.statusCode, 200, res.body);
  await waitFor(async () => (await detectionStatus())?.state === 'running' || undefined, 60_000, 'c-later running');
  assert.deepEqual((res.json() as ModelView).profiles, ['later']);
});
