// The letterbox a channel keeps: one tensor filled in place, bilinear with
// half-pixel centres (OpenCV's INTER_LINEAR, as the exporter resizes).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Letterboxer, letterbox } from './letterbox.ts';
import type { RawFrame } from './types.ts';

const frameOf = (width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): RawFrame => {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * 3);
  return { width, height, ts: 0, data };
};

test('a Letterboxer fills the same tensor frame after frame (no allocation per frame), padding included', () => {
  const boxer = new Letterboxer(320, 320);
  const grey = boxer.fit(frameOf(640, 360, () => [200, 200, 200]));
  const tensor = grey.tensor;
  assert.ok(Math.abs(tensor[0]! - 114 / 255) < 1e-6, 'top padding');
  assert.ok(Math.abs(tensor[100 * 320 + 10]! - 200 / 255) < 1e-6, 'picture');
  const red = boxer.fit(frameOf(640, 360, () => [255, 0, 0]));
  assert.equal(red.tensor, tensor, 'the same tensor');
  assert.equal(red, grey, 'the same result object');
  assert.ok(Math.abs(tensor[100 * 320 + 10]! - 1) < 1e-6 && tensor[320 * 320 + 100 * 320 + 10] === 0, 'refilled with the new frame');
  assert.ok(Math.abs(tensor[0]! - 114 / 255) < 1e-6, 'the padding stays');
  assert.deepEqual([red.scale, red.padX, red.padY], [0.5, 0, 70]);
  // another source size: new geometry and padding (a 4:3 sub-stream pads left and right)
  const cif = boxer.fit(frameOf(400, 300, () => [10, 10, 10]));
  assert.deepEqual([cif.scale, cif.padX, cif.padY], [0.8, 0, 40]);
  assert.ok(Math.abs(tensor[0]! - 114 / 255) < 1e-6);
});

test('bilinear with half-pixel centres: halving averages each 2×2 block; a frame at the model\'s scale is copied', () => {
  // columns alternate 0 and 200: each output pixel sits between two source columns
  const stripes = frameOf(640, 360, (x) => (x % 2 ? [200, 200, 200] : [0, 0, 0]));
  const lb = new Letterboxer(320, 320).fit(stripes);
  assert.ok(Math.abs(lb.tensor[100 * 320 + 10]! - 100 / 255) < 1e-6, `got ${lb.tensor[100 * 320 + 10]! * 255}`);
  const same = frameOf(320, 180, (x, y) => [x % 256, y, 7]);
  const copied = new Letterboxer(320, 320).fit(same);
  assert.equal(Math.round(copied.tensor[(70 + 5) * 320 + 33]! * 255), 33);
  assert.equal(Math.round(copied.tensor[320 * 320 + (70 + 5) * 320 + 33]! * 255), 5);
});

test('the one-off letterbox gives the same tensor as a Letterboxer, in a tensor of its own', async () => {
  const frame = frameOf(640, 360, (x, y) => [(x * 3) % 256, (y * 5) % 256, (x + y) % 256]);
  const a = await letterbox(frame, 320, 320);
  const b = await letterbox(frame, 320, 320);
  assert.notEqual(a.tensor, b.tensor);
  assert.deepEqual(a.tensor, new Letterboxer(320, 320).fit(frame).tensor);
});

test('halving (the 640×360 tap into a 320 model) gives what the general bilinear resampling gives', () => {
  const frame = frameOf(640, 360, (x, y) => [(x * 7 + y * 3) % 256, (x * y) % 256, (x ^ y) % 256]);
  const fast = new Letterboxer(320, 320).fit(frame).tensor;
  // The bilinear formula with half-pixel centres, written out: each output pixel samples the source at
  // (2x + 0.5, 2y + 0.5), weights ½ each way; the picture sits 70 rows down (the padding above it).
  const plane = 320 * 320;
  const at = (x: number, y: number, ch: number) => frame.data[(y * 640 + x) * 3 + ch]!;
  let worst = 0;
  for (let y = 0; y < 180; y++) {
    for (let x = 0; x < 320; x++) {
      for (let ch = 0; ch < 3; ch++) {
        const expected = (at(2 * x, 2 * y, ch) + at(2 * x + 1, 2 * y, ch) + at(2 * x, 2 * y + 1, ch) + at(2 * x + 1, 2 * y + 1, ch)) / 4 / 255;
        worst = Math.max(worst, Math.abs(fast[ch * plane + (y + 70) * 320 + x]! - expected));
      }
    }
  }
  assert.ok(worst < 1e-6, `largest difference ${worst}`);
});
