import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import * as ort from 'onnxruntime-node';
import { ensureClip } from '../../test/sim/clips.ts';
import { parseClassNames, readOnnxIoShapes, readOnnxMetadata } from '../onnx/metadata.ts';
import { benchModelStats, buildBenchModel } from './bench-model.ts';
import { ensureModels, generateModels, type ModelFile } from './generate-models.ts';
import { TEST_DETECTOR_NAMES, type TestDetectorLayout } from './test-detector.ts';
import { COCO_NAMES, pythonNamesDict } from './yolo-export.ts';

const run = promisify(execFile);
const SESSION = { intraOpNumThreads: 2, interOpNumThreads: 1 };

interface Found { cx: number; cy: number; w: number; h: number; score: number }

/** Best box per class from a raw output, in whichever layout (kept here so the test does not trust the gateway's decoders). */
function bestPerClass(layout: TestDetectorLayout, out: ort.Tensor, classes: number): Found[] {
  const d = out.data as Float32Array;
  const best: Found[] = Array.from({ length: classes }, () => ({ cx: 0, cy: 0, w: 0, h: 0, score: 0 }));
  const [, a, b] = out.dims as [number, number, number];
  const rows = layout === 'yolov8' ? b : a;
  for (let i = 0; i < rows; i++) {
    for (let c = 0; c < classes; c++) {
      let f: Found;
      if (layout === 'yolov8') f = { cx: d[i]!, cy: d[b + i]!, w: d[2 * b + i]!, h: d[3 * b + i]!, score: d[(4 + c) * b + i]! };
      else if (layout === 'yolov5') f = { cx: d[i * b]!, cy: d[i * b + 1]!, w: d[i * b + 2]!, h: d[i * b + 3]!, score: d[i * b + 4]! * d[i * b + 5 + c]! };
      else {
        const [x1, y1, x2, y2, score, cls] = Array.from(d.subarray(i * 6, i * 6 + 6)) as [number, number, number, number, number, number];
        f = { cx: (x1 + x2) / 2, cy: (y1 + y2) / 2, w: x2 - x1, h: y2 - y1, score: cls === c ? score : 0 };
      }
      if (f.score > best[c]!.score) best[c] = f;
    }
  }
  return best;
}

/** CHW float image, grey 114 like the letterbox pad, with squares of pure colour. */
function syntheticImage(size: number, squares: { x: number; y: number; side: number; rgb: [number, number, number] }[]): Float32Array {
  const img = new Float32Array(3 * size * size).fill(114 / 255);
  for (const { x, y, side, rgb } of squares) {
    for (let c = 0; c < 3; c++) for (let r = y; r < y + side; r++) img.fill(rgb[c]!, c * size * size + r * size + x, c * size * size + r * size + x + side);
  }
  return img;
}

function assertBox(found: Found, want: { cx: number; cy: number; side: number }, what: string): void {
  const near = (a: number, b: number) => Math.abs(a - b) <= 2;
  assert.ok(near(found.cx, want.cx) && near(found.cy, want.cy) && near(found.w, want.side) && near(found.h, want.side),
    `${what}: box ${JSON.stringify(found)} is not within 2 px of ${JSON.stringify(want)}`);
  assert.ok(found.score > 0.9, `${what}: score ${found.score}`);
}

const require = createRequire(import.meta.url);

function ffmpegPath(): string {
  if (process.env.FFMPEG_PATH) return process.env.FFMPEG_PATH;
  // Debian's ffmpeg on PATH in CI; else the npm static build the project depends on.
  const onPath = (process.env.PATH ?? '').split(delimiter).some((d) => d && existsSync(join(d, 'ffmpeg')));
  return onPath ? 'ffmpeg' : (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
}

let dir: string;
let models: Record<ModelFile, string>;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'models-test-'));
  models = await ensureModels(dir);
});
after(() => rm(dir, { recursive: true, force: true }));

describe('generated models', () => {
  it('are written once, rewritten when changed, and deterministic', async () => {
    assert.deepEqual((await generateModels(dir)).written, []);
    await writeFile(models['test-detector-e2e-320.onnx'], 'stale');
    assert.deepEqual((await generateModels(dir)).written, ['test-detector-e2e-320.onnx']);
    assert.equal(await readFile(models['test-detector.labels.txt'], 'utf8'), 'person\ncar\n');
    assert.deepEqual(buildBenchModel(320), new Uint8Array(await readFile(models['bench-yolov8n-320.onnx'])));
  });

  it('carry the exporter metadata and YOLO shapes', async () => {
    const shapes: Record<string, number[]> = {
      'test-detector-yolov8-320.onnx': [1, 6, 2100], 'test-detector-yolov5-320.onnx': [1, 6300, 7],
      'test-detector-e2e-320.onnx': [1, 300, 6], 'test-detector-yolov8-640.onnx': [1, 6, 8400],
      'bench-yolov8n-640.onnx': [1, 84, 8400], 'bench-yolov8n-320.onnx': [1, 84, 2100],
    };
    for (const [file, output] of Object.entries(shapes)) {
      const bytes = await readFile(models[file as ModelFile]);
      const meta = readOnnxMetadata(bytes);
      const size = file.includes('640') ? 640 : 320;
      assert.deepEqual(parseClassNames(meta.names ?? ''), file.startsWith('bench') ? COCO_NAMES : TEST_DETECTOR_NAMES, file);
      assert.deepEqual([meta.imgsz, meta.stride, meta.task], [`[${size}, ${size}]`, '32', 'detect'], file);
      assert.deepEqual(readOnnxIoShapes(bytes), {
        inputs: [{ name: 'images', dims: [1, 3, size, size], elemType: 'float' }],
        outputs: [{ name: 'output0', dims: output, elemType: 'float' }],
      }, file);
    }
    assert.equal(readOnnxMetadata(await readFile(models['test-detector-yolov8-320.onnx'])).names, "{0: 'person', 1: 'car'}");
  });

  it('include exports as users bring them: dynamic dims, float16, RT-DETR, segment and pose', async () => {
    const io = async (file: ModelFile) => readOnnxIoShapes(await readFile(models[file]));
    const meta = async (file: ModelFile) => readOnnxMetadata(await readFile(models[file]));
    assert.deepEqual((await io('test-detector-yolov8-320-dynamic.onnx')).inputs[0]!.dims, ['batch', 'channels', 'height', 'width']);
    assert.deepEqual((await io('test-detector-yolov8-320-dynamic.onnx')).outputs[0]!.dims, ['batch', 'channels', 'anchors']);
    assert.deepEqual((await io('test-detector-yolov8-320-dynamic-batch.onnx')).outputs[0]!.dims, ['batch', 6, 2100]);
    const fp16 = await io('test-detector-yolov8-320-fp16.onnx');
    assert.deepEqual([fp16.inputs[0]!.elemType, fp16.outputs[0]!.elemType], ['float16', 'float16']);
    assert.deepEqual((await io('test-detector-rtdetr-320.onnx')).outputs[0]!.dims, [1, 300, 6]);
    assert.match((await meta('test-detector-rtdetr-320.onnx')).description!, /RT-DETR/);
    const seg = await io('test-detector-seg-320.onnx');
    assert.deepEqual(seg.outputs.map((o) => o.dims), [[1, 38, 2100], [1, 32, 80, 80]]);
    assert.equal((await meta('test-detector-seg-320.onnx')).task, 'segment');
    assert.deepEqual((await io('test-detector-pose-320.onnx')).outputs[0]!.dims, [1, 57, 2100]);
    assert.deepEqual([(await meta('test-detector-pose-320.onnx')).task, (await meta('test-detector-pose-320.onnx')).kpt_shape], ['pose', '[17, 3]']);
  });

  it('names survive the Python dict literal both ways', () => {
    const names = ["it's", 'say "hi"', `both ' and "`, 'back\\slash', '行人', 'tab\there'];
    assert.deepEqual(parseClassNames(pythonNamesDict(names)), names);
    assert.equal(pythonNamesDict(["it's", 'car']), `{0: "it's", 1: 'car'}`);
  });
});

describe('test detector in onnxruntime-node', () => {
  const cases: { file: ModelFile; layout: TestDetectorLayout; size: number; red: [number, number]; blue: [number, number] }[] = [
    { file: 'test-detector-yolov8-320.onnx', layout: 'yolov8', size: 320, red: [50, 60], blue: [200, 150] },
    { file: 'test-detector-yolov5-320.onnx', layout: 'yolov5', size: 320, red: [0, 280], blue: [271, 3] },
    { file: 'test-detector-e2e-320.onnx', layout: 'e2e', size: 320, red: [137, 91], blue: [20, 200] },
    { file: 'test-detector-yolov8-640.onnx', layout: 'yolov8', size: 640, red: [560, 500], blue: [33, 70] },
  ];
  for (const { file, layout, size, red, blue } of cases) {
    it(`${file}: finds both squares within 2 px, and nothing in a plain image`, async () => {
      const session = await ort.InferenceSession.create(models[file], SESSION);
      const side = 40;
      const image = syntheticImage(size, [{ x: red[0], y: red[1], side, rgb: [1, 0, 0] }, { x: blue[0], y: blue[1], side, rgb: [0, 0, 1] }]);
      const dims = [1, 3, size, size];
      const [person, car] = bestPerClass(layout, (await session.run({ images: new ort.Tensor('float32', image, dims) })).output0!, 2);
      assertBox(person!, { cx: red[0] + side / 2, cy: red[1] + side / 2, side }, `${file} red`);
      assertBox(car!, { cx: blue[0] + side / 2, cy: blue[1] + side / 2, side }, `${file} blue`);
      const empty = bestPerClass(layout, (await session.run({ images: new ort.Tensor('float32', syntheticImage(size, []), dims) })).output0!, 2);
      for (const f of empty) assert.ok(f.score < 0.05, `${file}: empty image scored ${f.score}`);
      await session.release();
    });
  }

  it('finds the square in decoded frames of the simulator clips (x264 soft chroma edges included)', async () => {
    const session = await ort.InferenceSession.create(models['test-detector-yolov8-320.onnx'], SESSION);
    const clipDir = join(tmpdir(), 'city-gw-sim-clips');
    // 640x360 → 320x180 letterboxed into 320x320 (70 px bars): the 48 px square becomes 24 px at y 148.
    const frames = [
      { kind: 'red-square-360p', seek: 0, cls: 0, want: { cx: 12, cy: 160, side: 24 } },
      { kind: 'red-square-360p', seek: 5, cls: 0, want: { cx: 148 + 12, cy: 160, side: 24 } },
      { kind: 'blue-square-360p', seek: 2.6, cls: 1, want: { cx: (Math.floor(592 * 0.26) & ~1) / 2 + 12, cy: 160, side: 24 } },
      { kind: 'empty-360p', seek: 5, cls: -1, want: undefined },
      { kind: 'still-360p', seek: 5, cls: -1, want: undefined },
    ] as const;
    for (const { kind, seek, cls, want } of frames) {
      const clip = await ensureClip(kind, clipDir);
      const { stdout } = await run(ffmpegPath(), [
        '-v', 'error', '-ss', String(seek), '-i', clip, '-frames:v', '1', '-vf', 'scale=320:180,pad=320:320:0:70:color=0x727272',
        '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-',
      ], { encoding: 'buffer', maxBuffer: 1 << 20 });
      assert.equal(stdout.length, 320 * 320 * 3);
      const image = new Float32Array(3 * 320 * 320);
      for (let i = 0; i < 320 * 320; i++) for (let c = 0; c < 3; c++) image[c * 320 * 320 + i] = stdout[i * 3 + c]! / 255;
      const found = bestPerClass('yolov8', (await session.run({ images: new ort.Tensor('float32', image, [1, 3, 320, 320]) })).output0!, 2);
      if (want) assertBox(found[cls]!, want, `${kind} at ${seek} s`);
      for (const [c, f] of found.entries()) if (c !== cls) assert.ok(f.score < 0.05, `${kind} at ${seek} s: class ${c} scored ${f.score}`);
    }
    await session.release();
  });
});

describe('benchmark models', () => {
  it('have YOLOv8n compute: 6–12 GFLOPs at 640, a quarter at 320', () => {
    const [big, small] = [benchModelStats(640), benchModelStats(320)];
    assert.ok(big.flops > 6e9 && big.flops < 12e9, `${big.flops}`);
    assert.equal(small.flops * 4, big.flops);
    assert.equal(small.params, big.params);
  });

  for (const size of [320, 640] as const) {
    it(`bench-yolov8n-${size} runs and gives [1, 84, ${size === 640 ? 8400 : 2100}]`, async (t) => {
      const session = await ort.InferenceSession.create(models[`bench-yolov8n-${size}.onnx`], SESSION);
      const input = { images: new ort.Tensor('float32', syntheticImage(size, []), [1, 3, size, size]) };
      let out = await session.run(input); // warm-up: first run allocates and plans
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const start = performance.now();
        out = await session.run(input);
        times.push(performance.now() - start);
      }
      assert.deepEqual(out.output0!.dims, [1, 84, size === 640 ? 8400 : 2100]);
      times.sort((a, b) => a - b);
      t.diagnostic(`bench-yolov8n-${size}: session.run median ${times[2]!.toFixed(1)} ms (min ${times[0]!.toFixed(1)}), 2 intra-op threads, ${(benchModelStats(size).flops / 1e9).toFixed(2)} GFLOPs`);
      await session.release();
    });
  }
});
