// Sessions in worker threads: the same answers as a session in this thread,
// for float32 and float16 exports; runs of two channels proceed while the
// main thread goes on (a timer keeps ticking); an input the model refuses is
// an error for that run only; release ends the threads.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { ensureModels } from '../tools/generate-models.ts';
import { loadModel } from './load-model.ts';

let models: Awaited<ReturnType<typeof ensureModels>>;
before(async () => {
  models = await ensureModels();
});

/** A deterministic picture-like input: a gradient with a bright square. */
function input(size: number): Float32Array {
  const t = new Float32Array(3 * size * size);
  for (let i = 0; i < t.length; i++) t[i] = ((i % size) / size + Math.floor(i / size) % size / size) / 2;
  for (let y = 100; y < 148; y++) for (let x = 200; x < 248; x++) t[y * size + x] = 1;
  return t;
}

for (const file of ['test-detector-yolov8-320.onnx', 'test-detector-yolov8-320-fp16.onnx', 'bench-yolov8n-320.onnx'] as const) {
  test(`${file}: sessions in 2 worker threads answer as the session in this thread does`, async () => {
    const here = await loadModel(models[file]);
    const pool = await loadModel(models[file], { workers: 2 });
    try {
      assert.deepEqual({ ...pool.output }, { ...here.output });
      assert.equal(pool.anchors, here.anchors);
      const x = input(320);
      const expected = await here.run(x);
      const [a, b] = await Promise.all([pool.run(x), pool.run(x)]);
      for (const got of [a, b]) {
        assert.equal(got.length, expected.length);
        let worst = 0;
        for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - expected[i]!));
        assert.ok(worst < 1e-3, `largest difference ${worst}`);
      }
    } finally {
      await Promise.all([here.release(), pool.release()]);
    }
  });
}

test('runs in worker threads leave the main thread free: a 5 ms timer keeps ticking through them', async () => {
  const pool = await loadModel(models['bench-yolov8n-640.onnx'], { workers: 2 });
  const x = input(640);
  await pool.run(x);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  const started = performance.now();
  await Promise.all(Array.from({ length: 8 }, () => pool.run(x)));
  const ms = performance.now() - started;
  clearInterval(timer);
  await pool.release();
  // In this thread the 8 runs would hold the loop the whole time (no tick at all); here it ticks along.
  assert.ok(ticks >= Math.floor(ms / 5 / 4), `${ticks} ticks in ${Math.round(ms)} ms`);
});

test('a run that fails fails alone; release ends the threads and later runs fail clearly', async () => {
  const pool = await loadModel(models['test-detector-yolov8-320.onnx'], { workers: 1 });
  await assert.rejects(pool.run(new Float32Array(7)), /./);
  assert.ok((await pool.run(input(320))).length > 0, 'the next run works');
  await pool.release();
  await assert.rejects(pool.run(input(320)), /inference thread exited/);
});
