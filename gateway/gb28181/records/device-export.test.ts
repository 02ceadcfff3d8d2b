// The pure parts of a device download as an export job: its stored plan and
// its progress from the frames' PTS.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { devicePlan, downloadProgress, DEVICE_EXPORT } from './device-export.ts';

test('a device download\'s plan: no segments, the asked range as the real one, its seconds, the source and its download speed', () => {
  const plan = devicePlan(1_000_000, 1_008_000, 4);
  assert.deepEqual(plan, { entries: [], actualFrom: 1_000_000, actualTo: 1_008_000, seconds: 8, gaps: 0, source: { kind: DEVICE_EXPORT, options: { downloadSpeed: 4 } } });
  assert.equal(JSON.stringify(plan).includes('/'), false, 'no path in what is stored');
});

test('progress: media seconds since the first frame over the range, kept within 0..1', () => {
  assert.equal(downloadProgress(90_000, 90_000, 8), 0);
  assert.equal(downloadProgress(90_000, 90_000 + 4 * 90_000, 8), 0.5);
  assert.equal(downloadProgress(0, 20 * 90_000, 8), 1, 'a device sending past the range');
  assert.equal(downloadProgress(90_000, 0, 8), 0, 'a PTS before the first');
  assert.equal(downloadProgress(0, 90_000, 0), 0, 'an empty range');
});
