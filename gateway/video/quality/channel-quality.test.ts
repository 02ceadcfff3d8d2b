// One channel's looks: the blur baseline is learnt from clean looks only, a
// lens going soft is blur against it even above the fixed floor, and a
// remembered earlier keyframe makes the next look judge freezing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analysisImage } from './analysers/image.ts';
import { blurred, flat, scene, type RawRgb } from './analysers/synthetic.ts';
import { ChannelQuality } from './channel-quality.ts';
import { QUALITY_DEFAULTS } from './config.ts';

const picture = (f: RawRgb, ts: number) => ({ image: analysisImage(f.data, f.width, f.height), ts });
const t = QUALITY_DEFAULTS.thresholds;

test('the baseline is learnt from clean looks; a softer lens later is blur against it', () => {
  const q = new ChannelQuality('cam', 0);
  q.look(picture(scene(640, 360, 0), 0), 'tap', t, 0);
  const sharp = q.result!.baselineSharpness!;
  assert.ok(sharp > 500);
  q.look(picture(flat(0, 0, 0), 1000), 'tap', t, 1000);
  assert.equal(q.result!.baselineSharpness, sharp, 'a black look teaches nothing');
  // Mildly soft: above the fixed floor, under a fifth of what this camera had.
  const soft = blurred(scene(640, 360, 30), 2);
  const { result, step } = q.look(picture(soft, 2000), 'tap', t, 2000);
  const blur = result.checks.find((c) => c.name === 'blur')!;
  assert.ok(blur.value! > t.blurMinSharpness, `above the floor: ${blur.value}`);
  assert.deepEqual(result.defects, ['blur']);
  assert.ok(blur.threshold > t.blurMinSharpness, 'the threshold shown is the baseline one');
  assert.deepEqual(step, { raise: ['blur'], since: 2000 }, 'persistence 0: raised at once, with what lasts now');
  assert.deepEqual(result.raised, ['black', 'blur'], 'the open incident has seen both');
});

test('keyframes in pairs: the remembered older one makes the newer one judged for freezing', () => {
  const q = new ChannelQuality('cam', 60);
  q.remember(picture(scene(), 1000));
  const { result } = q.look(picture(scene(), 4000), 'keyframe', t, 5000);
  assert.deepEqual(result.defects, ['frozen']);
  assert.equal(result.source, 'keyframe');
  assert.equal(result.raised, null, 'not yet: persistence 60 s');
  const moving = q.look(picture(scene(640, 360, 9), 6000), 'keyframe', t, 7000);
  assert.deepEqual(moving.result.defects, []);
});
