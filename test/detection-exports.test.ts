// Exports as users bring them, end to end (camera simulator, real ffmpeg tap,
// onnxruntime): dynamic-shape, float16, RT-DETR, segmentation and pose models
// made by the project's generator load and raise alarms on the red square; a
// model whose every inference fails turns its channel's detection failed with
// the reason and logs rolled up; a profile PUT starts a channel that failed
// because the profile did not exist yet; Chinese class names from a labels
// file are drawn on the evidence snapshot.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { annotatedJpeg } from '../detectors/annotate.ts';
import { ModelBuilder } from '../detectors/onnx/builder.ts';
import { pythonNamesDict } from '../detectors/tools/yolo-export.ts';
import type { ChannelRunner } from '../gateway/detection/channel-runner.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { CLIP_DIR, waitFor } from './helpers/video.ts';
import { startCameraSimulator, type CameraSimulator } from './sim/camera-sim.ts';

const VIDEO_ARGS = [
  '--video.enabled', 'true', '--video.watchdogSeconds', '4', '--video.ioTimeoutSeconds', '3', '--video.backoff.initialMs', '300',
  '--video.backoff.maxMs', '1500', '--video.startStaggerMs', '0', '--video.onDemandIdleSeconds', '6', '--log.level', 'info',
];
const EXPORTS = {
  dynamic: 'test-detector-yolov8-320-dynamic.onnx',
  'dynamic-batch': 'test-detector-yolov8-320-dynamic-batch.onnx',
  fp16: 'test-detector-yolov8-320-fp16.onnx',
  rtdetr: 'test-detector-rtdetr-320.onnx',
  seg: 'test-detector-seg-320.onnx',
  pose: 'test-detector-pose-320.onnx',
} as const;
const LAYOUTS: Record<keyof typeof EXPORTS, string> = { dynamic: 'yolov8', 'dynamic-batch': 'yolov8', fp16: 'yolov8', rtdetr: 'rtdetr', seg: 'yolov8', pose: 'yolov8' };

const SCREENSHOTS = join(import.meta.dirname, '..', 'artifacts', 'screenshots', 'detect');
const rule = { name: '任何位置', classes: ['person'], minScore: 0.5, cooldownSeconds: 600, incidentType: 'intrusion', severity: 'major' };
let sim: CameraSimulator;
let t: TestGateway;
const scratch = mkdtempSync(join(tmpdir(), 'gw-exports-'));

/**
 * A model that loads and passes the blank probe but fails on every real frame: a Reshape whose target size
 * comes from the picture (1 element for a black input, 6 for anything brighter), as a broken export can.
 */
function failingModel(): string {
  const m = new ModelBuilder('fails_on_frames');
  const g = m.graph;
  g.input('images', [1, 3, 320, 320]);
  const f32 = (v: number) => Float32Array.of(v);
  g.initializer('zero', [], f32(0));
  g.initializer('one', [], f32(1));
  g.initializer('five', [], f32(5));
  g.initializer('shape_one', [1], BigInt64Array.of(1n));
  g.initializer('base', [1, 6, 2100], new Float32Array(6 * 2100));
  g.node('ReduceMax', ['images'], ['max'], { keepdims: { int: 0 } });
  g.node('Ceil', ['max'], ['bright']);
  g.node('Mul', ['bright', 'five'], ['more']);
  g.node('Add', ['more', 'one'], ['count']);
  g.node('Cast', ['count'], ['count64'], { to: { int: 7 } });
  g.node('Reshape', ['count64', 'shape_one'], ['target']);
  g.node('Reshape', ['max', 'shape_one'], ['max1']);
  g.node('Reshape', ['max1', 'target'], ['reshaped']);
  g.node('ReduceSum', ['reshaped'], ['sum'], { keepdims: { int: 0 } });
  g.node('Mul', ['sum', 'zero'], ['nothing']);
  g.node('Add', ['base', 'nothing'], ['output0']);
  g.output('output0', [1, 6, 2100]);
  m.metadata('task', 'detect').metadata('imgsz', '[320, 320]').metadata('names', pythonNamesDict(['person', 'car']));
  const file = join(scratch, 'fails-on-frames.onnx');
  writeFileSync(file, m.toBytes());
  return file;
}

async function gateway(dataDir: string, detection: Record<string, unknown>): Promise<TestGateway> {
  const file = join(scratch, `config-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify({ detection: { enabled: true, concurrency: 1, generateTestModels: true, ...detection } })); // JSON is YAML
  return startTestGateway({ dataDir, argv: [...VIDEO_ARGS, '--config', file] });
}

const addChannel = async (gw: TestGateway, id: string, profile: string) => {
  const res = await gw.call('engineer', { method: 'POST', url: '/api/channels', payload: { id, name: id, kind: 'rtsp', source: { url: sim.url('red') }, detectionProfile: profile } });
  assert.equal(res.statusCode, 201, res.body);
};

before(async () => {
  sim = await startCameraSimulator({ clipDir: CLIP_DIR, streams: [{ path: 'red', clip: 'red-square-360p' }] });
  await sim.waitReady('red', 90_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'gw-exports-data-'));
  const test = { path: '${dataDir}/models/test-detector-yolov8-320.onnx', intraOpThreads: 1 };
  // First run: profile 'later' exists in the configuration, a channel uses it.
  const first = await gateway(dataDir, { models: { test }, profiles: { later: { model: 'test', rules: [rule] } } });
  await addChannel(first, 'c-later', 'later');
  await first.stop({ keepData: true });
  // Second run: the configuration no longer has it (the channel stays, its detection failed until a PUT brings it back).
  const labels = join(scratch, 'zh.txt');
  writeFileSync(labels, '人员\n车辆\n');
  const models: Record<string, unknown> = { test, fails: { path: failingModel(), intraOpThreads: 1 }, zh: { ...test, labels } };
  const profiles: Record<string, unknown> = { fails: { model: 'fails', fps: 4, rules: [rule] }, zh: { model: 'zh', fps: 2, rules: [{ ...rule, classes: ['人员'] }] } };
  for (const [name, file] of Object.entries(EXPORTS)) {
    models[name] = { path: `\${dataDir}/models/${file}`, intraOpThreads: 1 };
    profiles[name] = { model: name, fps: 2, rules: [rule] };
  }
  t = await gateway(dataDir, { models, profiles });
  for (const name of [...Object.keys(EXPORTS), 'fails', 'zh']) await addChannel(t, `c-${name}`, name);
});
after(async () => {
  await t?.stop();
  await sim?.stop();
});

const runner = (id: string) => t.gw.detection!.runners().find((r) => r.channelId === id) as ChannelRunner | undefined;
type Status = { models: Array<{ name: string; loaded: boolean; layout?: string; reason?: string }>; channels: Array<{ channelId: string; state: string; reason?: string; frames?: number }> };
const status = async () => (await t.call('operator', { method: 'GET', url: '/api/detection/status' })).json() as Status;

test('dynamic-shape, float16, RT-DETR, segment and pose exports load and raise an alarm with the box on the red square', async () => {
  const { models } = await status();
  for (const [name, layout] of Object.entries(LAYOUTS)) {
    const m = models.find((x) => x.name === name)!;
    assert.deepEqual([m.loaded, m.layout], [true, layout], `${name}: ${m.reason ?? ''}`);
  }
  for (const name of Object.keys(EXPORTS)) {
    const id = `c-${name}`;
    await waitFor(() => (runner(id)?.status().alarms ?? 0) >= 1 || undefined, 30_000, `${id}'s alarm`);
    const items = (await t.call('operator', { method: 'GET', url: `/api/incidents?sourceId=${id}` })).json().items as Array<{ evidence: { detections: Array<{ label: string; box: number[] }>; model: { name: string } } }>;
    const d = items[0]!.evidence.detections.find((x) => x.label === 'person')!;
    assert.equal(items[0]!.evidence.model.name, name);
    assert.ok(Math.abs(d.box[2]! - 48) <= 6 && Math.abs(d.box[3]! - 48) <= 6 && Math.abs(d.box[1]! + d.box[3]! / 2 - 180) <= 6, `${name}: a 48 px square at mid-height, got ${d.box.join(',')}`);
  }
});

test('a model whose every inference fails: the channel is failed with the reason, failures logged rolled up without stacks', async () => {
  const failed = await waitFor(async () => (await status()).channels.find((c) => c.channelId === 'c-fails' && c.state === 'failed'), 30_000, 'c-fails to fail');
  assert.match(failed.reason!, /^every inference fails \(10 in a row\): .*Reshape/i);
  const lines = t.logs().split('\n').filter((l) => l.includes('"channelId":"c-fails"') && l.includes('detection failed'));
  assert.ok(lines.length >= 2 && lines.length <= 4, `the first failure, maybe a summary, and the final line; got ${lines.length}:\n${lines.join('\n')}`);
  assert.ok(lines.every((l) => !l.includes('    at ')), 'no stack traces');
  const model = (await status()).models.find((m) => m.name === 'fails')!;
  assert.equal(model.loaded, true, 'it loaded: the blank probe runs');
  const frames = runner('c-fails')!.status().frames;
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(runner('c-fails')!.status().frames, frames, 'detection is off: no more frames taken');
});

test('a profile PUT restarts a channel whose detection failed because the profile did not exist yet', async () => {
  const before = (await status()).channels.find((c) => c.channelId === 'c-later')!;
  assert.deepEqual([before.state, before.reason], ['failed', "no detection profile 'later'"]);
  const res = await t.call('engineer', { method: 'PUT', url: '/api/detection/profiles/later', payload: { model: 'test', fps: 2, rules: [rule] } });
  assert.equal(res.statusCode, 200, res.body);
  await waitFor(() => (runner('c-later')?.status().inferred ?? 0) > 0 || undefined, 30_000, 'c-later to run detection');
  await waitFor(() => (runner('c-later')?.status().alarms ?? 0) >= 1 || undefined, 30_000, 'c-later to raise its alarm');
});

/** Dark (text-coloured) pixels of a 640×360 RGB picture inside a rectangle, as a 0/1 mask. */
function darkMask(rgb: Buffer, x0: number, y0: number, w: number, h: number): Uint8Array {
  const mask = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const i = ((y0 + y) * 640 + x0 + x) * 3;
    mask[y * w + x] = rgb[i]! + rgb[i + 1]! + rgb[i + 2]! < 180 ? 1 : 0;
  }
  return mask;
}

test('Chinese class names from a labels file are drawn on the evidence snapshot in a CJK font, not as ??', async () => {
  await waitFor(() => (runner('c-zh')?.status().alarms ?? 0) >= 1 || undefined, 30_000, 'c-zh\'s alarm');
  const [incident] = (await t.call('operator', { method: 'GET', url: '/api/incidents?sourceId=c-zh' })).json().items as Array<{ title: string; evidence: { snapshots: string[]; detections: Array<{ label: string; score: number; box: [number, number, number, number]; trackId?: number }> } }>;
  const d = incident!.evidence.detections.find((x) => x.label === '人员')!;
  assert.ok(d, JSON.stringify(incident!.evidence.detections));
  // Repeats add their snapshot to the open incident and replace its detections: the last snapshot goes with them.
  const jpeg = (await t.call('operator', { method: 'GET', url: incident!.evidence.snapshots.at(-1)! })).rawPayload;
  const snapshot = await sharp(jpeg).raw().toBuffer();
  mkdirSync(SCREENSHOTS, { recursive: true });
  await sharp(jpeg).png().toFile(join(SCREENSHOTS, 'zh-label-evidence.png'));
  // The label sits on a coloured band above the box; its first two glyphs within 34×21 px from its left edge.
  const [x, y] = d.box;
  const region = [x + 1, y - 21, 34, 21] as const;
  const drawn = darkMask(snapshot, ...region);
  const asQuestionMarks = darkMask(await sharp(await annotatedJpeg({ width: 640, height: 360, ts: 0, data: Buffer.alloc(640 * 360 * 3, 128) }, [d], 95, { cjkFontFamily: null })).raw().toBuffer(), ...region);
  const ink = drawn.reduce((a, b) => a + b, 0);
  const differ = drawn.reduce((n, v, i) => n + (v !== asQuestionMarks[i] ? 1 : 0), 0);
  assert.ok(ink >= 40, `text-coloured pixels in the label (${ink})`);
  assert.ok(differ >= 0.3 * ink, `not the pixel font's ?? (${differ} of ${ink} pixels differ)`);
});
