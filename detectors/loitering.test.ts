// Loitering through the whole channel pipeline (motion gate, the project's
// test detector in onnxruntime, tracker, rules) on synthetic frames at real
// timestamps: a still object keeps its track and its dwell time whether the
// motion gate is on (frames it skips are no misses) or off.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ChannelDetector } from './channel-detector.ts';
import { loadModel, type Model } from './model/load-model.ts';
import type { Rule } from './rules.ts';
import { ensureModels } from './tools/generate-models.ts';
import type { RawFrame } from './types.ts';

let model: Model;
before(async () => {
  model = await loadModel((await ensureModels())['test-detector-yolov8-320.onnx'], { intraOpNumThreads: 1 });
});
after(() => model?.release());

/** 640×360 grey with a red 48 px square (a "person" to the test detector) at x, y. */
function frame(ts: number, x: number, y = 156): RawFrame {
  const data = Buffer.alloc(640 * 360 * 3, 128);
  for (let r = y; r < y + 48; r++) for (let c = x; c < x + 48; c++) data.set([255, 0, 0], (r * 640 + c) * 3);
  return { width: 640, height: 360, ts, data };
}

const tracker = { minHits: 2, minMedianScore: 0.5, maxMissed: 10, stationaryFrames: 20, stationaryPx: 3, matchIou: 0.2 }; // 2 fps defaults
const gate = { pixelThreshold: 20, minChangedFraction: 0.002 };
const rule = (dwellSeconds: number): Rule => ({ name: 'loiter', classes: ['person'], minScore: 0.5, minArea: 0, dwellSeconds, cooldownSeconds: 600, incidentType: 'loitering', severity: 'minor' });

/** Feeds frames at 2 fps from t0; returns the firing times (ms after t0) and the detector's counts. */
async function run(detector: ChannelDetector, seconds: number, xAt: (t: number) => number) {
  const t0 = Date.UTC(2026, 11, 7, 1, 0, 0);
  const fired: number[] = [];
  for (let t = 0; t <= seconds * 1000; t += 500) {
    const result = await detector.process(frame(t0 + t, xAt(t)));
    for (const _ of result.firings) fired.push(t);
  }
  return { fired, stats: detector.stats };
}

for (const gated of [false, true]) {
  test(`a still person with a 15 s dwell fires once at 15 ± 1 s, motion gate ${gated ? 'on' : 'off'}`, async () => {
    const detector = new ChannelDetector({ channelId: 'c', model, rules: [rule(15)], minScore: 0.25, iouThreshold: 0.45, tracker, ...(gated ? { motion: gate } : {}) });
    const { fired, stats } = await run(detector, 25, () => 300);
    assert.equal(fired.length, 1, `fired at ${fired.join(', ')} ms`);
    assert.ok(Math.abs(fired[0]! - 15_000) <= 1000, `fired at ${fired[0]} ms`);
    if (gated) {
      // the first frame, the one that confirms the new track, and a look again every 10 s
      assert.ok(stats.inferred <= 5 && stats.stillSkipped >= 45, `inferred ${stats.inferred}, skipped as still ${stats.stillSkipped}`);
    } else assert.equal(stats.inferred, 51);
  });
}

test('motion gate on: a person who walks 3 s and then stands still fires a 5 s dwell at 5 s; skipped frames are no misses', async () => {
  const detector = new ChannelDetector({ channelId: 'c', model, rules: [rule(5)], minScore: 0.25, iouThreshold: 0.45, tracker, motion: gate });
  // 20 px per frame for 3 s, then still at x = 220 (the tracker drops a track after 10 missed frames = 5 s)
  const { fired, stats } = await run(detector, 20, (t) => 100 + 20 * Math.min(t, 3000) / 500);
  assert.deepEqual(fired, [5000]);
  assert.ok(stats.stillSkipped >= 25, `the gate skipped the still frames (${stats.stillSkipped})`);
});
