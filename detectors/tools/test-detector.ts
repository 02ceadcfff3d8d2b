// A deterministic "detector" made of real ONNX operators, shaped like a YOLO
// export, so end-to-end tests can assert where a box lands. It finds one
// saturated red square (class 0 `person`) and one saturated blue square
// (class 1 `car`) anywhere in the input:
//   colour score  = 1×1 Conv: R − G − B (red), B − R − G (blue), ramped to a 0..1 mask with Clip
//   area          = ReduceSum(mask);  centre = ReduceSum(mask · x) / area (same for y)
//   side          = Sqrt(area), so w = h;  score = Sigmoid(k · (area − minArea))
// Grey (the letterbox pad, the test clips' background) scores below zero and
// drops out exactly, so the sums only see the square.
import { ModelBuilder } from '../onnx/builder.ts';
import { anchorsV5, anchorsV8, checkInputSize, E2E_ROWS, writeYoloMetadata } from './yolo-export.ts';

export type TestDetectorLayout = 'yolov8' | 'yolov5' | 'e2e';
export const TEST_DETECTOR_NAMES: readonly string[] = ['person', 'car'];

/**
 * Colour score at which a pixel counts half. Pure red or blue scores 1 and grey about −0.5,
 * so a pixel half square, half grey (x264's soft chroma edges) scores about 0.25–0.3:
 * centring the ramp there keeps the measured side within a pixel of the real one.
 */
const RAMP_CENTRE = 0.3;
/** Mask goes 0 → 1 over a colour-score range of 1/RAMP_GAIN, so soft edges count partly. */
const RAMP_GAIN = 4;
/** Squares smaller than this (px²) score below 0.5; an empty image scores Sigmoid(−6.4) ≈ 0.002. */
const MIN_AREA = 64;
const AREA_GAIN = 0.1;

const f32 = (...v: number[]) => Float32Array.from(v);
const i64 = (...v: number[]) => BigInt64Array.from(v.map(BigInt));

export function buildTestDetector(opts: { layout: TestDetectorLayout; size: number }): Uint8Array {
  const { layout, size: S } = opts;
  checkInputSize(S);
  const model = new ModelBuilder('test_detector');
  const g = model.graph;
  const C = TEST_DETECTOR_NAMES.length;
  g.input('images', [1, 3, S, S]);

  // Per class, one linear colour score folded with the ramp: mask = clip(gain·(score − centre) + 0.5).
  const weights = f32(1, -1, -1, -1, -1, 1).map((w) => w * RAMP_GAIN);
  const bias = 0.5 - RAMP_GAIN * RAMP_CENTRE;
  g.initializer('colour_w', [C, 3, 1, 1], weights);
  g.initializer('colour_b', [C], f32(bias, bias));
  g.initializer('zero', [], f32(0));
  g.initializer('one', [], f32(1));
  g.node('Conv', ['images', 'colour_w', 'colour_b'], ['colour'], { kernel_shape: { ints: [1, 1] } });
  g.node('Clip', ['colour', 'zero', 'one'], ['mask']);

  // Pixel centres (j + 0.5) so a square from x0 to x0+w has its centroid at x0 + w/2.
  const coords = Float32Array.from({ length: S }, (_, j) => j + 0.5);
  g.initializer('xs', [1, 1, 1, S], coords);
  g.initializer('ys', [1, 1, S, 1], coords);
  g.initializer('spatial', [2], i64(2, 3));
  const sum = (x: string, out: string) => g.node('ReduceSum', [x, 'spatial'], [out], { keepdims: { int: 0 } });
  sum('mask', 'area'); // [1, C]
  sum(g.node('Mul', ['mask', 'xs'], ['mask_x']), 'sum_x');
  sum(g.node('Mul', ['mask', 'ys'], ['mask_y']), 'sum_y');

  g.initializer('eps', [], f32(1e-6));
  g.initializer('min_area', [], f32(MIN_AREA));
  g.initializer('area_gain', [], f32(AREA_GAIN));
  g.node('Add', ['area', 'eps'], ['area_eps']);
  g.node('Div', ['sum_x', 'area_eps'], ['cx']);
  g.node('Div', ['sum_y', 'area_eps'], ['cy']);
  g.node('Sqrt', ['area'], ['side']);
  g.node('Sub', ['area', 'min_area'], ['area_excess']);
  g.node('Mul', ['area_excess', 'area_gain'], ['logit']);
  g.node('Sigmoid', ['logit'], ['score']);

  // Every layout puts the red square in anchor/row 0 and the blue one in 1, then pads
  // with zero rows to a real export's anchor count so shape-based layout detection works.
  // Initializers only where used: onnxruntime warns about unused ones at every load.
  const once = new Set<string>();
  const constant = (name: string, dims: number[], data: () => Float32Array | BigInt64Array) => {
    if (!once.has(name)) g.initializer(name, dims, data());
    once.add(name);
    return name;
  };
  const unsq = (x: string, axis: 1 | 2) => g.node('Unsqueeze', [x, constant(`axis${axis}`, [1], () => i64(axis))], [g.fresh(`${x}_u`)]);
  const eye = () => constant('eye', [1, C, C], () => f32(...Array.from({ length: C * C }, (_, i) => (i % (C + 1) === 0 ? 1 : 0))));
  const pad = (x: string, pads: number[]) => {
    g.initializer('pads', [pads.length], i64(...pads));
    g.node('Pad', [x, 'pads'], ['output0']);
  };

  if (layout === 'yolov8') {
    // [1, 4+C, N]: rows cx, cy, w, h, then one score row per class; anchor a scores only class a.
    const N = anchorsV8(S);
    const box = g.node('Concat', ['cx', 'cy', 'side', 'side'].map((t) => unsq(t, 1)), ['box'], { axis: { int: 1 } });
    const cls = g.node('Mul', [unsq('score', 1), eye()], ['cls']);
    pad(g.node('Concat', [box, cls], ['rows'], { axis: { int: 1 } }), [0, 0, 0, 0, 0, N - C]);
    g.output('output0', [1, 4 + C, N]);
  } else if (layout === 'yolov5') {
    // [1, N, 5+C]: cx, cy, w, h, objectness, one-hot class scores.
    const N = anchorsV5(S);
    const cols = ['cx', 'cy', 'side', 'side', 'score'].map((t) => unsq(t, 2));
    pad(g.node('Concat', [...cols, eye()], ['rows'], { axis: { int: 2 } }), [0, 0, 0, 0, N - C, 0]);
    g.output('output0', [1, N, 5 + C]);
  } else {
    // [1, K, 6]: x1, y1, x2, y2, score, class; unused rows are zeros, as NMS exports pad them.
    g.initializer('half', [], f32(0.5));
    g.initializer('class_ids', [1, C, 1], f32(...TEST_DETECTOR_NAMES.map((_, i) => i)));
    g.node('Mul', ['side', 'half'], ['half_side']);
    const corners = [['Sub', 'cx', 'x1'], ['Sub', 'cy', 'y1'], ['Add', 'cx', 'x2'], ['Add', 'cy', 'y2']] as const;
    for (const [op, centre, out] of corners) g.node(op, [centre, 'half_side'], [out]);
    const cols = ['x1', 'y1', 'x2', 'y2', 'score'].map((t) => unsq(t, 2));
    pad(g.node('Concat', [...cols, 'class_ids'], ['rows'], { axis: { int: 2 } }), [0, 0, 0, 0, E2E_ROWS - C, 0]);
    g.output('output0', [1, E2E_ROWS, 6]);
  }

  writeYoloMetadata(model, {
    names: TEST_DETECTOR_NAMES,
    size: S,
    description: `city-ingest-gateway test detector (${layout} layout, ${S}x${S}): finds one saturated red square (person) and one saturated blue square (car); not a trained model`,
  });
  return model.toBytes();
}
