// The wall's stall verdict (web-wall/src/wall/stall-watch.ts) driven with
// plain times: when a tile is stalled, when it is live again, when its
// player is loaded again. The browser test (wall-stall.test.ts) shows the
// same on real streams.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FRAME_QUIET_MS, RECOVER_MS, RELOAD_BACKOFF_MS, StallWatch } from '../web-wall/src/wall/stall-watch.ts';

/** Frames every 40 ms and media every `mediaEvery` ms from `from` to `to`. */
function play(w: StallWatch, from: number, to: number, mediaEvery = 1000): void {
  for (let t = from; t < to; t += 40) {
    if ((t - from) % mediaEvery < 40) w.media(t);
    w.frame(t);
  }
}

test('nothing is judged before the picture first moved', () => {
  const w = new StallWatch();
  assert.deepEqual(w.check(60_000, 2000), { verdict: 'ok', reload: false });
});

test('no new frame for 3 s is a stall, with a reload at once, then after growing pauses', () => {
  const w = new StallWatch();
  play(w, 0, 5000);
  w.media(4960); // media still comes: only the picture stopped
  assert.equal(w.check(5000 + FRAME_QUIET_MS - 100, 2000).verdict, 'ok');
  assert.deepEqual(w.check(5000 + FRAME_QUIET_MS + 10, 2000), { verdict: 'stalled', reload: true });
  const stalledAt = 5000 + FRAME_QUIET_MS + 10;
  assert.ok(w.since! <= 5000, 'since: when the picture last moved');
  let t = stalledAt;
  const reloads: number[] = [];
  while (t < stalledAt + 30_000) {
    t += 250;
    if (w.check(t, 2000).reload) reloads.push(t - stalledAt);
  }
  const gaps = reloads.map((r, i) => r - (reloads[i - 1] ?? 0));
  assert.deepEqual(gaps.slice(0, 3).map((g) => Math.round(g / 250) * 250), [RELOAD_BACKOFF_MS[1], RELOAD_BACKOFF_MS[2], RELOAD_BACKOFF_MS[3]]);
  assert.ok(gaps.every((g) => g <= RELOAD_BACKOFF_MS.at(-1)! + 250), `gaps ${gaps.join(', ')}`);
});

test('no new media for the stream\'s gap is a stall even while the buffer still plays', () => {
  const w = new StallWatch();
  play(w, 0, 5000);
  // Frames keep coming from the buffer, no new segment since 4960.
  for (let t = 5000; t < 8500; t += 40) w.frame(t);
  assert.equal(w.check(8100, 2000).verdict, 'stalled');
  // The buffer draining is no recovery: frames without new media.
  w.frame(8200);
  assert.equal(w.check(8250, 2000).verdict, 'stalled');
  // New media, then frames moving for RECOVER_MS: live again, not before.
  w.media(9000);
  for (let t = 9040; t < 9040 + RECOVER_MS - 100; t += 40) w.frame(t);
  assert.equal(w.check(9040 + RECOVER_MS - 100, 2000).verdict, 'stalled');
  for (let t = 9040 + RECOVER_MS - 100; t <= 9040 + RECOVER_MS + 100; t += 40) w.frame(t);
  assert.deepEqual(w.check(9040 + RECOVER_MS + 150, 2000), { verdict: 'ok', reload: false });
});

test('a reloaded player replaying segments it had is no recovery; a live server\'s short cached GOP neither', () => {
  const w = new StallWatch();
  for (let t = 0; t < 5000; t += 40) {
    if (t % 1000 === 0) w.media(t, 1_000_000 + t); // segments with their capture times
    w.frame(t);
  }
  assert.equal(w.check(8100, 2000).verdict, 'stalled');
  // The new player loads the last segments again (same capture times, give or take the playlist's correction) and plays them.
  w.media(8200, 1_000_000 + 4000 + 120);
  w.media(8250, 1_000_000 + 3000);
  for (let t = 8300; t < 11_000; t += 40) w.frame(t);
  assert.equal(w.check(11_000, 2000).verdict, 'stalled', 'old segments played again');
  // FLV: bytes (no capture time) and one second of frames, then nothing.
  w.media(14_000);
  for (let t = 14_040; t < 15_000; t += 40) w.frame(t);
  assert.equal(w.check(15_100, 2000).verdict, 'stalled', 'a second of cached GOP');
  // A new segment, frames moving on: live.
  w.media(20_000, 1_000_000 + 9000);
  for (let t = 20_040; t < 22_000; t += 40) w.frame(t);
  assert.equal(w.check(22_000, 2000).verdict, 'ok');
});

test('a long segment length is not taken for a stall', () => {
  const w = new StallWatch();
  play(w, 0, 20_040, 4000);
  for (let t = 20_040; t < 28_200; t += 40) w.frame(t);
  // The last segment came at 20 000: 2.9 s later is normal for 4 s segments while frames move.
  assert.equal(w.check(22_900, 8000).verdict, 'ok', 'frames still move, segments every 4 s');
  assert.equal(w.check(28_100, 8000).verdict, 'stalled', 'no segment for two segment lengths');
});

test('a failed player is loaded again after a pause, without a stall', () => {
  const w = new StallWatch();
  w.failed(1000);
  assert.deepEqual(w.check(1000, 2000), { verdict: 'ok', reload: true });
  w.failed(1500);
  assert.equal(w.check(1600, 2000).reload, false);
  assert.equal(w.check(1500 + RELOAD_BACKOFF_MS[1], 2000).reload, true);
});
