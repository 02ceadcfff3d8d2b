// Loading real ONNX files of each layout: the layout from the output shape,
// names from the metadata or a labels file, dynamic, float16, RT-DETR, segment
// and pose exports, and the clear errors.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ChannelDetector } from '../channel-detector.ts';
import { ensureModels } from '../tools/generate-models.ts';
import type { RawFrame } from '../types.ts';
import { ModelBuilder } from '../onnx/builder.ts';
import { float16ToFloat32, float32ToFloat16, fromFloat16Bits, toFloat16Bits } from './float16.ts';
import { loadModel, ModelError } from './load-model.ts';

let models: Awaited<ReturnType<typeof ensureModels>>;
const dir = mkdtempSync(join(tmpdir(), 'gw-models-'));
before(async () => {
  models = await ensureModels();
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** 640×360 grey with a red 48 px square at (400, 100) and a blue one at (100, 250). */
function frame(): RawFrame {
  const data = Buffer.alloc(640 * 360 * 3, 128);
  const paint = (x0: number, y0: number, rgb: number[]) => {
    for (let y = y0; y < y0 + 48; y++) for (let x = x0; x < x0 + 48; x++) data.set(rgb, (y * 640 + x) * 3);
  };
  paint(400, 100, [255, 0, 0]);
  paint(100, 250, [0, 0, 255]);
  return { width: 640, height: 360, ts: 1000, data };
}

const tracker = { minHits: 1, minMedianScore: 0.5, maxMissed: 5, stationaryFrames: 10, stationaryPx: 3, matchIou: 0.2 };

const EXPORTS = [
  ['test-detector-yolov8-320.onnx', 'yolov8'], ['test-detector-yolov5-320.onnx', 'yolov5'], ['test-detector-e2e-320.onnx', 'e2e'], ['test-detector-yolov8-640.onnx', 'yolov8'],
  // symbolic dims (found by the probe run), float16 in and out, RT-DETR's [1, 300, 4+C] (here [1, 300, 6], shaped like an end-to-end export),
  // and the boxes of segmentation ([1, 4+C+32, N] and mask prototypes) and pose ([1, 4+C+51, N]) exports
  ['test-detector-yolov8-320-dynamic.onnx', 'yolov8'], ['test-detector-yolov8-320-dynamic-batch.onnx', 'yolov8'], ['test-detector-yolov8-320-fp16.onnx', 'yolov8'],
  ['test-detector-rtdetr-320.onnx', 'rtdetr'], ['test-detector-seg-320.onnx', 'yolov8'], ['test-detector-pose-320.onnx', 'yolov8'],
] as const;

for (const [file, layout] of EXPORTS) {
  test(`${file}: ${layout} layout, names from metadata, boxes back in source pixels`, async () => {
    const model = await loadModel(models[file], { intraOpNumThreads: 1 });
    try {
      assert.equal(model.layout, layout);
      assert.equal(model.output.classes, 2);
      assert.equal(model.input.type, file.includes('fp16') ? 'float16' : 'float32');
      assert.deepEqual([model.input.width, model.input.height], file.includes('640') ? [640, 640] : [320, 320]);
      assert.deepEqual(model.classes, ['person', 'car']);
      assert.match(model.sha256, /^[0-9a-f]{64}$/);
      const detector = new ChannelDetector({ channelId: 'c', model, rules: [], minScore: 0.25, iouThreshold: 0.45, tracker });
      const { detections } = await detector.process(frame());
      const person = detections.find((d) => d.label === 'person')!;
      const car = detections.find((d) => d.label === 'car')!;
      assert.equal(detections.length, 2, JSON.stringify(detections));
      for (const [d, x, y] of [[person, 400, 100], [car, 100, 250]] as const) {
        assert.ok(Math.abs(d.box[0] - x) <= 3 && Math.abs(d.box[1] - y) <= 3 && Math.abs(d.box[2] - 48) <= 4, `${d.label} at ${d.box.join(',')}`);
      }
    } finally {
      await model.release();
    }
  });
}

test('the benchmark model has YOLOv8n shapes and COCO names', async () => {
  const model = await loadModel(models['bench-yolov8n-320.onnx'], { intraOpNumThreads: 1 });
  assert.equal(model.layout, 'yolov8');
  assert.equal(model.anchors, 2100);
  assert.equal(model.classes.length, 80);
  assert.equal(model.classes[0], 'person');
  await model.release();
});

test('clear errors: not ONNX, a labels file that does not match, a labels file that does', async () => {
  const junk = join(dir, 'junk.onnx');
  writeFileSync(junk, 'not a model at all');
  await assert.rejects(loadModel(junk), (e: unknown) => e instanceof ModelError && /not a model onnxruntime can load/.test(e.message));
  const labels = join(dir, 'three.txt');
  writeFileSync(labels, 'person\ncar\nbus\n');
  await assert.rejects(loadModel(models['test-detector-yolov8-320.onnx'], { labelsFile: labels }), /labels name 3 classes but the model outputs 2/);
  const ok = join(dir, 'zh.txt');
  writeFileSync(ok, '行人\n车辆\n');
  const model = await loadModel(models['test-detector-yolov8-320.onnx'], { labelsFile: ok });
  assert.deepEqual(model.classes, ['行人', '车辆']);
  await model.release();
});

test('a missing model file or labels file is a ModelError that names it', async () => {
  const missing = join(dir, 'no-such-model.onnx');
  await assert.rejects(loadModel(missing), (e: unknown) => e instanceof ModelError && e.message === `model file ${missing} does not exist`);
  await assert.rejects(loadModel(models['test-detector-yolov8-320.onnx'], { labelsFile: join(dir, 'nope.txt') }), (e: unknown) => e instanceof ModelError && /labels file .*nope\.txt cannot be read \(ENOENT\)/.test(e.message));
});

/** A small model that is not a detector: input → global average pool, with the exporter's metadata. */
function nonDetector(meta: Record<string, string>): string {
  const m = new ModelBuilder('not_a_detector');
  m.graph.input('images', [1, 3, 64, 64]);
  m.graph.node('GlobalAveragePool', ['images'], ['output0']);
  m.graph.output('output0', [1, 3, 1, 1]);
  for (const [k, v] of Object.entries(meta)) m.metadata(k, v);
  const file = join(dir, `${meta.task ?? 'none'}-${Object.keys(meta).length}.onnx`);
  writeFileSync(file, m.toBytes());
  return file;
}

test('exports without boxes are refused with the reason: classify, obb, a pose export without kpt_shape, an unknown output', async () => {
  await assert.rejects(loadModel(nonDetector({ task: 'classify', imgsz: '[64, 64]' })), (e: unknown) => e instanceof ModelError && /is a 'classify' export; only detection models \(and the boxes of segment and pose exports\)/.test(e.message));
  await assert.rejects(loadModel(nonDetector({ task: 'obb' })), /is a 'obb' export/);
  await assert.rejects(loadModel(nonDetector({ task: 'pose' })), /pose export without a usable kpt_shape/);
  await assert.rejects(loadModel(nonDetector({ task: 'detect', imgsz: '[64, 64]' })), (e: unknown) => e instanceof ModelError && /unsupported output shape \[1, 3, 1, 1\]/.test(e.message));
});

test('float16 conversion: exact bit patterns, round to nearest even, overflow to infinity, subnormals', () => {
  const cases: Array<[number, number]> = [[0, 0x0000], [1, 0x3c00], [-2, 0xc000], [0.1, 0x2e66], [1 / 3, 0x3555], [65504, 0x7bff], [65520, 0x7c00], [1e6, 0x7c00], [2 ** -24, 0x0001], [2 ** -14, 0x0400], [114 / 255, 0x3727], [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02]];
  for (const [value, bits] of cases) assert.equal(toFloat16Bits(value), bits, `${value} → 0x${toFloat16Bits(value).toString(16)}, want 0x${bits.toString(16)}`);
  assert.ok(Number.isNaN(fromFloat16Bits(toFloat16Bits(NaN))));
  const values = Float32Array.from([0, 0.5, 114 / 255, 1, 2 ** -24, -3.25, 1000.5]);
  const back = float16ToFloat32(float32ToFloat16(values));
  for (const [i, v] of values.entries()) assert.ok(Math.abs(back[i]! - v) <= Math.abs(v) * 2 ** -11, `${v} came back as ${back[i]}`);
});
