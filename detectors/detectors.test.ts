// The library's pieces without a model: decoders per layout, NMS, the
// letterbox round trip, the tracker, rules (zones, dwell, cooldown, schedule),
// the motion gate and the annotated snapshot.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { annotatedJpeg, overlaySvg } from './annotate.ts';
import { polygonProblem } from './geometry.ts';
import { letterbox, letterboxGeometry, toSourceBox } from './letterbox.ts';
import { MotionGate } from './motion.ts';
import { decode, detectLayout } from './postprocess/decode.ts';
import { nms } from './postprocess/nms.ts';
import { inSchedule, RuleEngine, type Rule } from './rules.ts';
import { IouTracker } from './tracker.ts';
import type { Detection, Layout, RawFrame } from './types.ts';

test('layouts from output shapes; refusal of others', () => {
  assert.deepEqual(detectLayout([1, 84, 8400]), { layout: 'yolov8', classes: 80, anchors: 8400, rowLength: 84 });
  assert.deepEqual(detectLayout([1, 25200, 85]), { layout: 'yolov5', classes: 80, anchors: 25200, rowLength: 85 });
  assert.equal(detectLayout([1, 300, 6], { classCount: 80 }).layout, 'e2e');
  assert.equal(detectLayout([1, 6300, 6]).layout, 'yolov5', 'a one-class YOLOv5 is not end-to-end');
  assert.throws(() => detectLayout([1, 3, 224, 224]), /unsupported output shape/);
  assert.throws(() => detectLayout([1, 1000]), /unsupported output shape/);
});

test('decoders agree on the same two boxes in each layout', () => {
  // box A: cx 100 cy 50 w 20 h 10, class 1 score 0.9; box B: cx 30 cy 30 w 8 h 8, class 0 score 0.4
  const v8 = new Float32Array([100, 30, 50, 30, 20, 8, 10, 8, 0.1, 0.4, 0.9, 0.05]); // [1, 4+2, 2]
  const v5 = new Float32Array([100, 50, 20, 10, 1, 0.1, 0.9, 30, 30, 8, 8, 1, 0.4, 0.05]); // [1, 2, 5+2]
  const e2e = new Float32Array([90, 45, 110, 55, 0.9, 1, 26, 26, 34, 34, 0.4, 0]); // [1, 2, 6]
  // RT-DETR [1, 2, 4+2]: normalised to the 200×100 input
  const rtdetr = new Float32Array([0.5, 0.5, 0.1, 0.1, 0.1, 0.9, 0.15, 0.3, 0.04, 0.08, 0.4, 0.05]);
  const input = { width: 200, height: 100 };
  const spec = (layout: Layout, rowLength: number) => ({ layout, classes: 2, anchors: 2, rowLength });
  for (const boxes of [
    decode(spec('yolov8', 6), v8, 0.25, input), decode(spec('yolov5', 7), v5, 0.25, input), decode(spec('e2e', 6), e2e, 0.25, input), decode(spec('rtdetr', 6), rtdetr, 0.25, input),
  ]) {
    const a = boxes.find((b) => b.cls === 1)!;
    assert.deepEqual([a.x1, a.y1, a.x2, a.y2].map((v) => Math.round(v * 1000) / 1000), [90, 45, 110, 55]);
    assert.ok(Math.abs(a.score - 0.9) < 1e-6);
    assert.equal(boxes.length, 2);
  }
  assert.equal(decode(spec('yolov8', 6), v8, 0.5, input).length, 1, 'score threshold');
});

test('RT-DETR [1, 300, 4+C] is told from YOLOv5 by the metadata; segment and pose boxes are read past their extra values', () => {
  assert.deepEqual(detectLayout([1, 300, 84]), { layout: 'yolov5', classes: 79, anchors: 300, rowLength: 84 }, 'the shape alone reads as YOLOv5');
  assert.deepEqual(detectLayout([1, 300, 84], { rtdetr: true, classCount: 80 }), { layout: 'rtdetr', classes: 80, anchors: 300, rowLength: 84 });
  assert.equal(detectLayout([1, 300, 84], { classCount: 80 }).layout, 'rtdetr', '80 names and 84 values per row: RT-DETR, not YOLOv5');
  assert.equal(detectLayout([1, 25200, 85], { classCount: 80 }).layout, 'yolov5');
  assert.equal(detectLayout([1, 300, 6], { rtdetr: true }).layout, 'rtdetr', 'a two-class RT-DETR is not an end-to-end export');
  assert.throws(() => detectLayout([1, 300, 84], { rtdetr: true, classCount: 81 }), /RT-DETR export should be \[1, queries, 4\+C\] with C = 81/);
  // YOLOv8-seg: 4 + 80 + 32 mask coefficients; YOLOv8-pose: 4 + 1 + 17×3 keypoint values
  assert.deepEqual(detectLayout([1, 116, 8400], { extra: 32 }), { layout: 'yolov8', classes: 80, anchors: 8400, rowLength: 116 });
  assert.deepEqual(detectLayout([1, 56, 8400], { extra: 51 }), { layout: 'yolov8', classes: 1, anchors: 8400, rowLength: 56 });
  assert.deepEqual(detectLayout([1, 25200, 117], { extra: 32 }), { layout: 'yolov5', classes: 80, anchors: 25200, rowLength: 117 });
  // a YOLOv5-seg row: box, objectness, 2 classes, then mask coefficients that must not be read as classes
  const v5seg = new Float32Array([10, 10, 4, 4, 1, 0.2, 0.8, 0.99, 0.99, 10, 10, 4, 4, 0, 0, 0, 0, 0]);
  const boxes = decode({ layout: 'yolov5', classes: 2, anchors: 2, rowLength: 9 }, v5seg, 0.25, { width: 32, height: 32 });
  assert.deepEqual(boxes.map((b) => [b.cls, Math.round(b.score * 100)]), [[1, 80]]);
});

test('minScore 0: labels index right (never class −1), and a zero score is no detection', () => {
  const v8 = new Float32Array([100, 30, 50, 30, 20, 8, 10, 8, 0.0, 0, 0.3, 0]); // anchor 1 scores 0 for both classes
  const boxes = decode({ layout: 'yolov8', classes: 2, anchors: 2, rowLength: 6 }, v8, 0, { width: 320, height: 320 });
  assert.deepEqual(boxes.map((b) => b.cls), [1]);
  const v5 = new Float32Array([100, 50, 20, 10, 0.5, 0.0, 0.0, 30, 30, 8, 8, 0.5, 0.4, 0.0]);
  assert.deepEqual(decode({ layout: 'yolov5', classes: 2, anchors: 2, rowLength: 7 }, v5, 0, { width: 320, height: 320 }).map((b) => b.cls), [0]);
  const e2e = new Float32Array([90, 45, 110, 55, 0.9, 7, 0, 0, 0, 0, 0, 0]); // class 7 of 2, then a padding row
  assert.deepEqual(decode({ layout: 'e2e', classes: 2, anchors: 2, rowLength: 6 }, e2e, 0, { width: 320, height: 320 }), []);
});

test('NMS is per class', () => {
  const box = (x: number, score: number, cls: number) => ({ x1: x, y1: 0, x2: x + 10, y2: 10, score, cls });
  const kept = nms([box(0, 0.9, 0), box(1, 0.8, 0), box(1, 0.7, 1), box(30, 0.6, 0)], 0.45);
  assert.deepEqual(kept.map((b) => [b.x1, b.cls]), [[0, 0], [1, 1], [30, 0]]);
});

test('letterbox: centred with 114 padding, and boxes map back to source pixels', async () => {
  const frame: RawFrame = { width: 640, height: 360, ts: 0, data: Buffer.alloc(640 * 360 * 3, 200) };
  const g = letterboxGeometry(640, 360, 320, 320);
  assert.deepEqual([g.scale, g.w, g.h, g.padX, g.padY], [0.5, 320, 180, 0, 70]);
  const lb = await letterbox(frame, 320, 320);
  assert.ok(Math.abs(lb.tensor[0]! - 114 / 255) < 1e-6, 'top padding');
  assert.ok(Math.abs(lb.tensor[100 * 320 + 10]! - 200 / 255) < 1e-6, 'picture');
  assert.deepEqual(toSourceBox({ x1: 100, y1: 95, x2: 124, y2: 119, score: 1, cls: 0 }, lb, 640, 360), [200, 50, 48, 48]);
});

test('zone polygons are fractions of the picture: a point above 1 (pixels) or a crossing is refused', () => {
  assert.equal(polygonProblem([[0, 0], [1, 0], [0.5, 0.5]]), undefined);
  assert.match(polygonProblem([[0, 0], [700, 0], [100, 100]])!, /outside the picture.*looks like pixels/);
  assert.match(polygonProblem([[0, 0], [0.5, -0.1], [0.5, 0.5]])!, /outside the picture/);
  assert.match(polygonProblem([[0, 0], [0.5, 0.5], [0.5, 0], [0, 0.5]])!, /cross/);
});

/** The frames the rules' tests' boxes are in. */
const FRAME = { width: 640, height: 360 };
const trackerOptions = { minHits: 2, minMedianScore: 0.5, maxMissed: 3, stationaryFrames: 4, stationaryPx: 2, matchIou: 0.3 };

test('tracker: one id per object across frames; confirmed after enough hits; stationary when still', () => {
  const tracker = new IouTracker(trackerOptions);
  let last;
  for (let i = 0; i < 3; i++) last = tracker.update([{ label: 'person', score: 0.9, box: [10 + i * 5, 10, 40, 40] }], i * 500);
  assert.equal(last!.tracks.length, 1);
  assert.equal(last!.detections[0]!.trackId, 1);
  assert.equal(last!.tracks[0]!.confirmed, true);
  for (let i = 0; i < 5; i++) last = tracker.update([{ label: 'person', score: 0.9, box: [20, 10, 40, 40] }], 2000 + i * 500);
  assert.equal(last!.tracks[0]!.stationary, true);
  const other = tracker.update([{ label: 'car', score: 0.9, box: [20, 10, 40, 40] }], 5000);
  assert.notEqual(other.detections[0]!.trackId, 1, 'another class is another object');
});

test('rules: zone by bottom-centre, dwell, one event per object, cooldown, schedule', () => {
  const rule: Rule = {
    name: '河堤', classes: ['person'], minScore: 0.5, minArea: 100 / (640 * 360), zone: { name: '河堤', polygon: [[300 / 640, 0], [1, 0], [1, 1], [300 / 640, 1]] },
    dwellSeconds: 1, cooldownSeconds: 10, incidentType: 'intrusion', severity: 'major',
  };
  const engine = new RuleEngine([rule]);
  const tracker = new IouTracker(trackerOptions);
  const at = (x: number, ts: number) => engine.evaluate(tracker.update([{ label: 'person', score: 0.9, box: [x, 100, 40, 40] }], ts).tracks, ts, FRAME);
  assert.equal(at(260, 0).length, 0, 'outside the zone');
  assert.equal(at(270, 500).length, 0, 'still outside (bottom-centre at 290)');
  assert.equal(at(285, 1000).length, 0, 'bottom-centre at 305 enters the zone');
  assert.equal(at(290, 1500).length, 0, 'dwell not reached');
  assert.equal(at(295, 2100).length, 1, 'fires after 1 s in the zone');
  assert.equal(at(300, 2600).length, 0, 'not twice for the same object');
  assert.equal(inSchedule({ ...rule, schedule: { from: '22:00', to: '06:00' } }, new Date(2026, 10, 22, 23, 0)), true);
  assert.equal(inSchedule({ ...rule, schedule: { from: '22:00', to: '06:00' } }, new Date(2026, 10, 22, 12, 0)), false);
});

test('motion gate: a still scene does not move, a changed one does, masked areas do not count', () => {
  const frame = (fill: (x: number, y: number) => number): RawFrame => {
    const data = Buffer.alloc(320 * 180 * 3);
    for (let y = 0; y < 180; y++) for (let x = 0; x < 320; x++) data.fill(fill(x, y), (y * 320 + x) * 3, (y * 320 + x) * 3 + 3);
    return { width: 320, height: 180, ts: 0, data };
  };
  const grey = frame(() => 128);
  const square = frame((x, y) => (x > 100 && x < 160 && y > 60 && y < 120 ? 250 : 128));
  const gate = new MotionGate({ pixelThreshold: 20, minChangedFraction: 0.01 });
  assert.equal(gate.moved(grey).moved, true, 'first frame');
  assert.equal(gate.moved(grey).moved, false);
  assert.equal(gate.moved(square).moved, true);
  const masked = new MotionGate({ pixelThreshold: 20, minChangedFraction: 0.01, masks: [[[90 / 320, 50 / 180], [170 / 320, 50 / 180], [170 / 320, 130 / 180], [90 / 320, 130 / 180]]] });
  masked.moved(grey);
  assert.equal(masked.moved(square).moved, false);
});

test('annotated snapshot: a JPEG of the frame size with the box drawn where it belongs', async () => {
  const frame: RawFrame = { width: 640, height: 360, ts: 0, data: Buffer.alloc(640 * 360 * 3, 128) };
  const jpeg = await annotatedJpeg(frame, [{ label: 'person', score: 0.93, box: [200, 120, 80, 80], trackId: 3 }]);
  const meta = await sharp(jpeg).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 640, 360]);
  const { data } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  const px = (x: number, y: number) => [...data.subarray((y * 640 + x) * 3, (y * 640 + x) * 3 + 3)];
  const distance = (a: number[], b: number[]) => Math.hypot(...a.map((v, i) => v - b[i]!));
  assert.ok(distance(px(200, 160), [128, 128, 128]) > 60, `the box edge is drawn (${px(200, 160).join(',')})`);
  assert.ok(Math.abs(px(240, 160)[0]! - 128) < 10, 'inside the box the picture is untouched');
  assert.match(overlaySvg(640, 360, [{ label: 'person', score: 0.5, box: [0, 0, 10, 10] }]), /<rect x="\d+" y="\d+" width="\d+" height="\d+" fill="#000"\/>/, 'labels are drawn as pixel rectangles, not <text>');
});

/** Frigate-like tracker settings at 2 fps, as the gateway fills them in. */
const at2fps = { minHits: 2, minMedianScore: 0.5, maxMissed: 10, stationaryFrames: 20, stationaryPx: 3, matchIou: 0.2 };
const loiterRule: Rule = { name: 'loiter', classes: ['person'], minScore: 0.5, minArea: 0, dwellSeconds: 15, cooldownSeconds: 60, incidentType: 'loitering', severity: 'minor' };

test('loitering: a person standing still with a 15 s dwell fires once at 15 ± 1 s, although the track turned stationary', () => {
  const tracker = new IouTracker(at2fps);
  const engine = new RuleEngine([loiterRule]);
  const fired: Array<{ ts: number; stationary: boolean }> = [];
  for (let ts = 0; ts <= 40_000; ts += 500) {
    const { tracks } = tracker.update([{ label: 'person', score: 0.9, box: [300, 100, 40, 90] }], ts);
    for (const f of engine.evaluate(tracks, ts, FRAME)) fired.push({ ts, stationary: f.track.stationary });
  }
  assert.equal(fired.length, 1, JSON.stringify(fired));
  assert.ok(Math.abs(fired[0]!.ts - 15_000) <= 1000, `fired at ${fired[0]!.ts} ms`);
  assert.equal(fired[0]!.stationary, true, 'the track was stationary (after 20 still frames) when it fired');
});

test('cooldown is per rule and track: a second intruder during it is alarmed; the same one coming back waits it out', () => {
  const rule: Rule = { ...loiterRule, name: 'intrusion', dwellSeconds: 0, cooldownSeconds: 60, zone: { name: 'left', polygon: [[0, 0], [300 / 640, 0], [300 / 640, 1], [0, 1]] } };
  const tracker = new IouTracker({ ...at2fps, maxMissed: 400 });
  const engine = new RuleEngine([rule]);
  const fired: Array<[number, number]> = [];
  // A, 100 px wide, steps over the zone's edge (bottom-centre 270 ↔ 310): in, out at 5 s, back at 10 s, out, back at 70 s
  const a = (ts: number) => (ts < 5000 || (ts >= 10_000 && ts < 12_000) || ts >= 70_000 ? 220 : 260);
  for (let ts = 0; ts <= 72_000; ts += 500) {
    const detections: Detection[] = [{ label: 'person', score: 0.9, box: [a(ts), 50, 100, 90] }];
    if (ts >= 2000 && ts < 20_000) detections.push({ label: 'person', score: 0.9, box: [150, 200, 40, 90] }); // B from 2 s
    const { tracks } = tracker.update(detections, ts);
    for (const f of engine.evaluate(tracks, ts, FRAME)) fired.push([f.track.id, ts]);
  }
  // A confirmed at 0.5 s; B at 2.5 s although A's alarm is 2 s old; A's return at 10 s is inside its cooldown, at 70 s not
  assert.deepEqual(fired, [[1, 500], [2, 2500], [1, 70_000]]);
});

test('tracker: frames the motion gate skipped keep the track, whether the object crept on (prediction) or stopped (last box)', () => {
  const tracker = new IouTracker(at2fps);
  const see = (x: number, ts: number) => tracker.update([{ label: 'person', score: 0.9, box: [x, 100, 48, 48] }], ts).detections[0]!.trackId;
  for (let i = 0; i < 4; i++) see(100 + 15 * i, i * 250); // 15 px per frame
  tracker.coast();
  tracker.coast();
  assert.equal(see(100 + 15 * 6, 1500), 1, 'two skipped frames later it is 45 px on: still track 1');
  for (let i = 0; i < 20; i++) tracker.coast(); // it stopped there; the gate skipped 20 frames
  assert.equal(see(100 + 15 * 6, 7000), 1, 'looked at again where it stopped: still track 1');
  assert.equal(tracker.coast()[0]!.missed, 0, 'skipped frames are no misses');
});

test('tracker: a weak detection that can never confirm stops asking for a look once its score window is full', () => {
  const tracker = new IouTracker(at2fps);
  for (let i = 0; i < 9; i++) tracker.update([{ label: 'person', score: 0.3, box: [10, 10, 40, 40] }], i * 500);
  assert.equal(tracker.hasUnconfirmed(), true, 'young: look again');
  tracker.update([{ label: 'person', score: 0.3, box: [10, 10, 40, 40] }], 5000);
  assert.equal(tracker.hasUnconfirmed(), false, '10 hits with a median of 0.3 < 0.5: the gate may skip again');
});

test('a box with nothing inside the picture (in the letterbox padding, or no width) is no detection and opens no track', async () => {
  const { ChannelDetector } = await import('./channel-detector.ts');
  // A 640×360 frame letterboxed into 320×320 has 70 px of padding above and below the picture.
  // YOLOv8 [1, 4+1, 3]: one box on the picture, one in the top padding, one of no width.
  const output = new Float32Array([
    160, 30, 200, // cx
    160, 20, 160, // cy
    40, 40, 0, // w
    40, 20, 40, // h
    0.9, 0.9, 0.9, // class 0 score
  ]);
  const model = {
    name: 'crafted', sha256: '', layout: 'yolov8' as const, classes: ['person'], input: { name: 'images', width: 320, height: 320, type: 'float32' as const },
    outputName: 'output0', output: { layout: 'yolov8' as const, classes: 1, anchors: 3, rowLength: 5 }, anchors: 3,
    run: async () => output, release: async () => undefined,
  };
  const detector = new ChannelDetector({ channelId: 'c', model, rules: [], minScore: 0.25, iouThreshold: 0.45, tracker: { minHits: 1, minMedianScore: 0.5, maxMissed: 10, stationaryFrames: 20, stationaryPx: 3, matchIou: 0.2 } });
  const frame = { width: 640, height: 360, data: Buffer.alloc(640 * 360 * 3, 128) };
  for (let i = 1; i <= 3; i++) {
    const { detections } = await detector.process({ ...frame, ts: i * 500 });
    assert.deepEqual(detections.map((d) => d.box), [[280, 140, 80, 80]], 'only the box on the picture, in source pixels');
  }
  assert.equal((detector as unknown as { tracker: IouTracker }).tracker.size, 1, 'one track, not one more per frame for the others');
});

test('tracker: 300 detections a frame against thousands of tracks of many labels stays one id per object', () => {
  const tracker = new IouTracker({ minHits: 2, minMedianScore: 0.5, maxMissed: 10, stationaryFrames: 20, stationaryPx: 3, matchIou: 0.2 });
  const frame = (shift: number): Detection[] => Array.from({ length: 300 }, (_, i) => ({
    label: `c${i % 40}`, score: 0.5 + (i % 40) / 100, box: [((i * 37) % 600) + shift, (i * 53) % 330, 12, 12] as [number, number, number, number],
  }));
  const ids = new Set<number>();
  for (let f = 0; f < 20; f++) for (const d of tracker.update(frame(f), f * 500).detections) ids.add(d.trackId!);
  assert.equal(ids.size, 300, 'each object kept its track while moving 1 px a frame');
  assert.equal(tracker.size, 300);
});
