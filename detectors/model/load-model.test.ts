// Loading real ONNX files of each layout: the layout from the output shape,
// names from the metadata or a labels file, and the clear errors.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ChannelDetector } from '../channel-detector.ts';
import { ensureModels } from '../tools/generate-models.ts';
import type { RawFrame } from '../types.ts';
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

for (const [file, layout] of [['test-detector-yolov8-320.onnx', 'yolov8'], ['test-detector-yolov5-320.onnx', 'yolov5'], ['test-detector-e2e-320.onnx', 'e2e'], ['test-detector-yolov8-640.onnx', 'yolov8']] as const) {
  test(`${file}: ${layout} layout, names from metadata, boxes back in source pixels`, async () => {
    const model = await loadModel(models[file], { intraOpNumThreads: 1 });
    try {
      assert.equal(model.layout, layout);
      assert.deepEqual(model.classes, ['person', 'car']);
      assert.match(model.sha256, /^[0-9a-f]{64}$/);
      const detector = new ChannelDetector({ channelId: 'c', model, rules: [], minScore: 0.25, iouThreshold: 0.45, tracker });
      const { detections } = await detector.process(frame());
      const person = detections.find((d) => d.label === 'person')!;
      const car = detections.find((d) => d.label === 'car')!;
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
