// Restart pacing, staggered starts and the frame hub's latest-frame-wins.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FrameHub, RawFrameReader, type Frame } from '../frames.ts';
import { StartQueue } from '../start-queue.ts';
import { backoffDelay } from './supervisor.ts';

test('backoff: 1 s doubling to a 30 s cap, with ±20 % jitter', () => {
  const mid = (attempt: number) => backoffDelay(attempt, 1000, 30_000, () => 0.5);
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 10].map(mid), [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  assert.equal(backoffDelay(0, 1000, 30_000, () => 0), 800);
  assert.equal(backoffDelay(0, 1000, 30_000, () => 1), 1200);
});

test('channels start one after another with the configured gap', async () => {
  const queue = new StartQueue(100);
  const started: number[] = [];
  const t0 = Date.now();
  await new Promise<void>((done) => {
    for (let i = 0; i < 4; i++) queue.add(`c${i}`, () => {
      started.push(Date.now() - t0);
      if (started.length === 4) done();
    });
  });
  for (let i = 1; i < started.length; i++) assert.ok(started[i]! - started[i - 1]! >= 95, `gap ${started[i]! - started[i - 1]!}`);
});

test('raw frames are cut at their size whatever the chunking', () => {
  const frames: Buffer[] = [];
  const reader = new RawFrameReader(2, 2, (f) => frames.push(f));
  const bytes = Buffer.from(Array.from({ length: 30 }, (_, i) => i));
  reader.push(bytes.subarray(0, 5));
  reader.push(bytes.subarray(5, 29));
  assert.equal(frames.length, 2);
  assert.deepEqual([...frames[1]!], [...bytes.subarray(12, 24)]);
});

test('a busy subscriber gets the newest frame, never a queue; the others are not held up', async () => {
  const hub = new FrameHub();
  const frame = (n: number): Frame => ({ channelId: 'c', ts: n, width: 1, height: 1, format: 'rgb24', data: Buffer.alloc(3) });
  const slow: number[] = [];
  const fast: number[] = [];
  let release!: () => void;
  hub.subscribe('c', async (f) => {
    slow.push(f.ts);
    if (f.ts === 1) await new Promise<void>((r) => (release = r));
  });
  hub.subscribe('c', (f) => void fast.push(f.ts));
  for (let n = 1; n <= 5; n++) hub.publish(frame(n));
  assert.deepEqual(fast, [1, 2, 3, 4, 5]);
  release();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(slow, [1, 5]);
  assert.equal(hub.stats('c').dropped, 3);
});
