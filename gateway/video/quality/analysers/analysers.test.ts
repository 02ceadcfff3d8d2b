// Each analyser on synthetic frames: the clean scene passes every check, and
// each damaged copy of it fails exactly the check made for that damage.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assess, type Defect } from '../assess.ts';
import { QUALITY_DEFAULTS } from '../config.ts';
import { labAB } from './colour-cast.ts';
import { lumaStats } from './exposure.ts';
import { meanAbsDifference } from './frozen.ts';
import { analysisImage } from './image.ts';
import { noiseSigma } from './noise.ts';
import { largestFlatArea } from './occlusion.ts';
import { laplacianVariance } from './sharpness.ts';
import { blurred, covered, flat, noisy, scene, tinted, type RawRgb } from './synthetic.ts';

const img = (f: RawRgb) => analysisImage(f.data, f.width, f.height);
const t = QUALITY_DEFAULTS.thresholds;
/** The clean scene a moment earlier, moved a little: what the previous look saw. */
const earlier = { image: img(scene(640, 360, 7)), ts: 0 };
const defectsOf = (f: RawRgb, previous = earlier) => assess({ image: img(f), ts: 1000 }, t, previous).defects;

test('analysis image: a 640x360 frame becomes 320x180 box averages, luma by BT.601', () => {
  const a = img(flat(200, 100, 50));
  assert.equal(a.width, 320);
  assert.equal(a.height, 180);
  assert.deepEqual([...a.rgb.subarray(0, 3)], [200, 100, 50]);
  assert.ok(Math.abs(a.luma[0]! - (0.299 * 200 + 0.587 * 100 + 0.114 * 50)) < 1e-3);
  assert.throws(() => analysisImage(Buffer.alloc(10), 640, 360), /too short/);
});

test('a clean, moving scene has no defect', () => {
  assert.deepEqual(defectsOf(scene()), []);
});

const cases: Array<[string, RawRgb, Defect]> = [
  ['black', flat(6, 6, 6), 'black'],
  ['a blue "no video" screen', flat(40, 80, 170), 'blank'],
  ['defocused (box blur r=6)', blurred(scene(), 6), 'blur'],
  ['three quarters covered', covered(scene(), 0.75), 'covered'],
  ['tinted red-yellow', tinted(scene(), [50, 10, -40]), 'colour_cast'],
  ['snow (±40 noise)', noisy(scene(), 40), 'noise'],
];
for (const [name, frame, defect] of cases) {
  test(`${name} is found as ${defect}, and only as that`, () => {
    assert.deepEqual(defectsOf(frame), [defect]);
  });
}

test('frozen: the same picture again, later, is frozen; at the same capture time it is not judged', () => {
  const same = { image: img(scene()), ts: 0 };
  assert.deepEqual(defectsOf(scene(), same), ['frozen']);
  const sameTime = assess({ image: img(scene()), ts: 0 }, t, same);
  assert.equal(sameTime.checks.find((c) => c.name === 'frozen')?.verdict, 'n/a', 'time did not move on: nothing to say');
  // A live sensor's noise on a still scene is enough to be live.
  assert.deepEqual(defectsOf(noisy(scene(), 3, 2), { image: img(noisy(scene(), 3, 1)), ts: 0 }), []);
});

test('a black picture is black only: blur, cover, cast, noise and frozen do not apply to it', () => {
  const a = assess({ image: img(flat(0, 0, 0)), ts: 1000 }, t, { image: img(flat(0, 0, 0)), ts: 0 });
  assert.deepEqual(a.defects, ['black']);
  for (const name of ['frozen', 'blur', 'covered', 'colour_cast', 'noise'] as const) assert.equal(a.checks.find((c) => c.name === name)?.verdict, 'n/a', name);
});

test('blur is judged against the channel baseline too: half as sharp passes, a fifth fails', () => {
  const sharp = laplacianVariance(img(scene()));
  const soft = blurred(scene(), 1);
  const softness = laplacianVariance(img(soft));
  assert.ok(softness > t.blurMinSharpness, 'mildly soft passes the fixed floor');
  const withBaseline = (baseline: number) => assess({ image: img(soft), ts: 1000 }, t, earlier, baseline);
  assert.deepEqual(withBaseline(softness * 2).defects, []);
  assert.deepEqual(withBaseline(softness * 10).defects, ['blur']);
  assert.ok(sharp > softness);
});

test('every check carries its value, threshold, direction and verdict', () => {
  const a = assess({ image: img(scene()), ts: 1000 }, t, earlier);
  assert.deepEqual(a.checks.map((c) => c.name), ['frozen', 'black', 'blank', 'blur', 'covered', 'colour_cast', 'noise']);
  for (const c of a.checks) {
    assert.equal(typeof c.value, 'number', c.name);
    assert.equal(typeof c.threshold, 'number', c.name);
    assert.ok(['below', 'above'].includes(c.when));
    assert.equal(c.verdict, 'ok', c.name);
  }
});

test('measures: known values on simple pictures', () => {
  assert.deepEqual(lumaStats(img(flat(100, 100, 100))), { mean: 100, std: 0 });
  assert.equal(laplacianVariance(img(flat(100, 100, 100))), 0);
  assert.equal(noiseSigma(img(flat(100, 100, 100))), 0);
  assert.equal(largestFlatArea(img(flat(100, 100, 100)), 4), 1);
  assert.equal(largestFlatArea(img(scene()), 4), 0);
  assert.equal(meanAbsDifference(img(flat(10, 10, 10)), img(flat(20, 20, 20))), 10);
  assert.equal(meanAbsDifference(img(flat(10, 10, 10)), img(flat(10, 10, 10, 160, 90))), undefined, 'different sizes are not compared');
  const [a, b] = labAB(128, 128, 128);
  assert.ok(Math.abs(a) < 0.01 && Math.abs(b) < 0.01, 'grey is neutral');
  const [ra] = labAB(255, 0, 0);
  assert.ok(ra > 70, 'red has a large a*');
  // ±40 uniform per channel (σ 23), in luma σ 23 × √(.299² + .587² + .114²) ≈ 15.4, averaged 2×2: ≈ 7.7.
  const sigma = noiseSigma(img(noisy(flat(128, 128, 128), 40)));
  assert.ok(sigma > 6.5 && sigma < 9, `σ ${sigma}`);
});
