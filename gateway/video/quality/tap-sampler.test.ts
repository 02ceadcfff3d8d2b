// Tap frames at 2 fps, one look every 10 s: each look gets the frame kept
// about 2 s before it, never the previous look's frame.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TapSampler } from './tap-sampler.ts';

test('one look per interval, paired with the frame about 2 s before it', () => {
  const sampler = new TapSampler<number>(10_000);
  const looks: Array<{ at: number; older?: number }> = [];
  for (let at = 0; at <= 30_000; at += 500) {
    const look = sampler.offer(at, at);
    if (look) looks.push({ at, ...look });
  }
  assert.deepEqual(looks, [{ at: 0 }, { at: 10_000, older: 8000 }, { at: 20_000, older: 18_000 }, { at: 30_000, older: 28_000 }]);
});

test('a slow tap (one frame in 5 s) still looks on time, with the older frame it has', () => {
  const sampler = new TapSampler<number>(10_000);
  assert.deepEqual(sampler.offer(0, 0), {});
  assert.equal(sampler.offer(5000, 5000), undefined, 'too early to keep as the pair');
  assert.equal(sampler.offer(9000, 9000), undefined);
  assert.deepEqual(sampler.offer(12_000, 12_000), { older: 9000 });
});
