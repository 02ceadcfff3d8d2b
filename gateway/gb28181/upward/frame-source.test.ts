// PushedFrames: what a session that subscribes late gets (everything from the
// first keyframe until the first listener, then the current GOP), a PTS for a
// frame without one, and the end told once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FeedFrame } from './channel-feed.ts';
import { PushedFrames } from './frame-source.ts';

/** `pts` null: a frame whose PES carried none. */
const f = (n: number, keyframe: boolean, pts: number | null = n * 3600, size = 10) => ({ codec: 'h264' as const, data: Buffer.alloc(size, n), keyframe, ...(pts === null ? {} : { pts }) });

test('before the first listener every frame from the first keyframe on is kept; after it, the current GOP', () => {
  const src = new PushedFrames();
  src.push(f(0, false));
  for (let n = 1; n <= 60; n++) src.push(f(n, n % 25 === 1));
  const got: FeedFrame[] = [];
  src.subscribe({ frame: (x) => got.push(x), ended: () => undefined });
  assert.deepEqual(got.map((x) => x.pts90), Array.from({ length: 60 }, (_, i) => (i + 1) * 3600), 'from the first keyframe (frame 1), three GOPs');
  for (let n = 61; n <= 80; n++) src.push(f(n, n % 25 === 1));
  assert.deepEqual(src.currentGop().map((x) => x.pts90), Array.from({ length: 5 }, (_, i) => (76 + i) * 3600), 'a late TCP connection starts at the last keyframe');
  assert.equal(got.length, 80);
});

test('past 16 MB before anyone listens only the frames from the last keyframe on are kept', () => {
  const src = new PushedFrames();
  for (let n = 0; n < 20; n++) src.push(f(n, n % 5 === 0, n * 3600, 1024 * 1024));
  const got: number[] = [];
  src.subscribe({ frame: (x) => got.push(x.pts90), ended: () => undefined });
  assert.ok(got.length < 20 && got.length >= 5, String(got.length));
  assert.equal(got[0]! % (5 * 3600), 0, 'starts at a keyframe');
  assert.equal(got.at(-1), 19 * 3600);
});

test('a frame without a PTS is put one frame after the one before; the end is told once, also to a listener that comes after it', () => {
  const src = new PushedFrames();
  src.push(f(0, true, 90_000));
  src.push(f(1, false, null));
  const ends: string[] = [];
  const got: number[] = [];
  src.subscribe({ frame: (x) => got.push(x.pts90), ended: (why) => ends.push(why) });
  assert.deepEqual(got, [90_000, 93_600]);
  src.end('end of file');
  src.end('again');
  src.push(f(2, true));
  src.subscribe({ frame: () => assert.fail('no frame after the end'), ended: (why) => ends.push(`late: ${why}`) });
  assert.deepEqual(ends, ['end of file', 'late: end of file']);
});
