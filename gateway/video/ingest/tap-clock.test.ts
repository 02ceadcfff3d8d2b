import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseInputStart, parseShowinfoPts, TapClock } from './tap-clock.ts';

const frame = (n: number) => Buffer.from([n]);

test('tap frames are stamped with their capture time: input start + pts, paired in order', () => {
  const got: Array<[number, number]> = [];
  const clock = new TapClock((data, ts) => got.push([data[0]!, ts]));
  const start = Date.now() - 5000;
  clock.setStart(start);
  clock.pushPts(0);
  clock.pushFrame(frame(1)); // pts first, frame after
  clock.pushFrame(frame(2)); // frame first, pts after
  clock.pushPts(0.5);
  clock.stop();
  assert.deepEqual(got, [[1, start], [2, start + 500]]);
});

test('a frame whose pts does not come is stamped on arrival, and its late pts is dropped to stay paired', async () => {
  const got: Array<[number, number]> = [];
  const clock = new TapClock((data, ts) => got.push([data[0]!, ts]));
  const start = Date.now() - 2000;
  clock.setStart(start);
  const before = Date.now();
  clock.pushFrame(frame(1));
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(got.length, 1);
  assert.ok(got[0]![1] >= before && got[0]![1] <= Date.now(), 'stamped on arrival');
  assert.equal(clock.unstamped, 1);
  clock.pushPts(0); // frame 1's, late: dropped
  clock.pushPts(0.5);
  clock.pushFrame(frame(2));
  clock.stop();
  assert.deepEqual(got[1], [2, start + 500]);
});

test('without a wall-clock start, or with a stamp that cannot be a capture time, frames keep their arrival time', () => {
  const got: number[] = [];
  const clock = new TapClock((_d, ts) => got.push(ts));
  clock.setStart(12_000); // seconds since the stream began, not epoch
  clock.pushPts(1);
  clock.pushFrame(frame(1));
  const wall = new TapClock((_d, ts) => got.push(ts));
  wall.setStart(Date.now() + 60_000); // in the future
  wall.pushPts(0);
  wall.pushFrame(frame(2));
  clock.stop();
  wall.stop();
  for (const ts of got) assert.ok(Math.abs(Date.now() - ts) < 1000);
});

test('ffmpeg lines: the input start and showinfo pts', () => {
  assert.equal(Math.round(parseInputStart('  Duration: N/A, start: 1796241684.744300, bitrate: N/A')!), 1796241684744);
  assert.equal(parseInputStart('  Stream #0:0: Video: h264'), undefined);
  assert.equal(parseShowinfoPts('[Parsed_showinfo_2 @ 0x5591c0a0] n:   3 pts:      3 pts_time:1.5     duration:      1 pos:  1234 fmt:rgb24'), 1.5);
  assert.equal(parseShowinfoPts('[Parsed_showinfo_2 @ 0x5591c0a0] config in time_base: 1/2, frame_rate: 2/1'), undefined);
});
