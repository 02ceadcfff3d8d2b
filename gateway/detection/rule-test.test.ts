// "Test a rule": the detection ring is bounded in time and count, and a
// candidate profile replayed over it fires where and when the live rules
// would (zone, dwell, cooldown, masks), with the matching boxes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loadModel, type Detection, type Model } from '../../detectors/index.ts';
import { ensureModels } from '../../detectors/tools/generate-models.ts';
import type { DetectionProfile } from './config.ts';
import { DetectionHistory, MAX_DETECTIONS, replayRules, type RecordedFrame } from './rule-test.ts';

let model: Model;
before(async () => {
  model = await loadModel((await ensureModels())['test-detector-yolov8-320.onnx'], { intraOpNumThreads: 1 });
});
after(() => model?.release());

const SIZE: [number, number] = [640, 360];
const RIGHT_HALF: Array<[number, number]> = [[0.5, 0], [1, 0], [1, 1], [0.5, 1]];
const T0 = Date.parse('2026-12-07T14:02:00Z');
/** A square walking left to right over 20 s at 2 fps, then gone. */
const walk = (start = T0): RecordedFrame[] => Array.from({ length: 40 }, (_, i) => ({
  frameTs: start + i * 500, frameSize: SIZE, detections: [{ label: 'person', score: 0.9, box: [20 + i * 15, 150, 40, 40] } as Detection],
}));
const profile = (rule: Record<string, unknown>): DetectionProfile => ({
  model: 'test', fps: 2, rules: [{ name: '东侧', classes: ['person'], minScore: 0.5, cooldownSeconds: 60, incidentType: 'intrusion', severity: 'major', ...rule }],
});

test('the ring keeps the last minutes, at most its frame count, and the best-scored detections of a frame', () => {
  const history = new DetectionHistory(60_000, 10);
  for (let i = 0; i < 30; i++) history.add('c', { frameTs: T0 + i * 10_000, frameSize: SIZE, detections: [] });
  const kept = history.frames('c', 60_000, T0 + 29 * 10_000);
  assert.deepEqual(kept.map((f) => (f.frameTs - T0) / 10_000), [23, 24, 25, 26, 27, 28, 29], 'the last minute');
  const crowded = Array.from({ length: 50 }, (_, i) => ({ label: 'person', score: i / 100, box: [i, 0, 1, 1] as Detection['box'], trackId: i }));
  const full = new DetectionHistory(60_000, 5);
  for (let i = 0; i < 8; i++) full.add('c', { frameTs: T0 + i, frameSize: SIZE, detections: crowded });
  const frames = full.frames('c', 60_000, T0 + 8);
  assert.equal(frames.length, 5, 'the frame count bound');
  assert.equal(frames[0]!.detections.length, MAX_DETECTIONS);
  assert.equal(frames[0]!.detections[0]!.score, 0.49, 'the best scored');
  assert.equal(frames[0]!.detections[0]!.trackId, undefined, 'track ids are the replay\'s own');
  assert.deepEqual(full.frames('other'), []);
});

test('a zone rule fires once per pass where the square enters the zone, with the matching boxes', () => {
  const frames = [...walk(), ...walk(T0 + 60_000)];
  const r = replayRules('c', profile({ zone: { name: 'right', polygon: RIGHT_HALF }, cooldownSeconds: 0 }), model, frames);
  assert.equal(r.frames, 80);
  assert.equal(r.firings.length, 2, JSON.stringify(r.firings));
  for (const f of r.firings) {
    assert.ok(f.box[0] + f.box[2] / 2 >= 320, `the square stands in the right half: ${f.box}`);
    assert.equal(f.rule, '东侧');
  }
  // Matches: every frame the square stood in the right half (x + 20 ≥ 320: frames 19–39 of each pass).
  assert.equal(r.matches.length, 42);
  assert.ok(r.matches.every((m) => m.box[0] + m.box[2] / 2 >= 320));
  assert.ok(r.firings[0]!.ts >= T0 + 19 * 500, 'not before the square reached the zone');
});

test('the candidate decides: a cooldown, a dwell too long, a mask over the zone, another class', () => {
  const frames = [...walk(), ...walk(T0 + 30_000)];
  const zone = { zone: { name: 'right', polygon: RIGHT_HALF } };
  assert.equal(replayRules('c', profile({ ...zone, cooldownSeconds: 0 }), model, frames).firings.length, 2);
  assert.equal(replayRules('c', profile({ ...zone, cooldownSeconds: 60 }), model, frames).firings.length, 2, 'two passes are two tracks: the cooldown is per object');
  assert.equal(replayRules('c', profile({ ...zone, dwellSeconds: 30 }), model, frames).firings.length, 0, 'the square stays 10 s');
  assert.equal(replayRules('c', profile({ ...zone, dwellSeconds: 3 }), model, frames).firings.length, 2);
  const masked = replayRules('c', profile({ ...zone, masks: [RIGHT_HALF] }), model, frames);
  assert.deepEqual([masked.firings.length, masked.matches.length], [0, 0]);
  assert.equal(replayRules('c', profile({ ...zone, classes: ['car'] }), model, frames).firings.length, 0);
});

test('a gap without frames ends the track: the next sighting is a new object', () => {
  // One square standing in the zone, unseen for 30 s (the channel publishes nothing then), seen again.
  const stand = (start: number, n: number): RecordedFrame[] => Array.from({ length: n }, (_, i) => ({ frameTs: start + i * 500, frameSize: SIZE, detections: [{ label: 'person', score: 0.9, box: [400, 150, 40, 40] }] }));
  const frames = [...stand(T0, 6), { frameTs: T0 + 3000, frameSize: SIZE, detections: [] }, ...stand(T0 + 33_000, 6)];
  const r = replayRules('c', profile({ zone: { name: 'right', polygon: RIGHT_HALF }, cooldownSeconds: 600 }), model, frames);
  assert.equal(r.firings.length, 2, 'a new track after the gap, not held back by the first one\'s cooldown');
  assert.notEqual(r.firings[0]!.trackId, r.firings[1]!.trackId);
});
