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

export type TestDetectorLayout = 'yolov8' | 'yolov5' | 'e2e' | 'rtdetr';
export const TEST_DETECTOR_NAMES: readonly string[] = ['person', 'car'];

export interface TestDetectorOptions {
  layout: TestDetectorLayout;
  size: number;
  /** Symbolic dimensions as `dynamic=True` exports declare them: every one (`all`) or only the batch. */
  dynamic?: 'all' | 'batch';
  /** float16 input and output, as `half=True` exports have (the graph computes in float32 between two Casts). */
  fp16?: boolean;
  /** A YOLOv8 segmentation or pose export's output: 32 mask coefficients (and a protos output) or 17×3 keypoint values per anchor, all zeros. */
  task?: 'segment' | 'pose';
}

/** Values a segmentation (mask coefficients) or pose (17 keypoints × x, y, visibility) export adds per anchor. */
export const EXTRA_PER_ANCHOR = { segment: 32, pose: 17 * 3 } as const;
const CAST_TO = { float: 1, float16: 10 } as const;

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

export function buildTestDetector(opts: TestDetectorOptions): Uint8Array {
  const { layout, size: S, dynamic, fp16, task } = opts;
  checkInputSize(S);
  if (task && layout !== 'yolov8') throw new Error(`a ${task} test detector has the yolov8 layout`);
  const model = new ModelBuilder('test_detector');
  const g = model.graph;
  const C = TEST_DETECTOR_NAMES.length;
  const declared = (dims: number[], symbols: string[]) => dims.map((d, i) => (dynamic === 'all' || (dynamic === 'batch' && i === 0) ? symbols[i]! : d));
  g.input('images', declared([1, 3, S, S], ['batch', 'channels', 'height', 'width']), fp16 ? 'float16' : 'float');
  const images = fp16 ? g.node('Cast', ['images'], ['images_f32'], { to: { int: CAST_TO.float } }) : 'images';
  /** The graph computes `output0` in float32; an fp16 export casts it on the way out. */
  const OUT = fp16 ? 'output0_f32' : 'output0';
  const declareOutput = (dims: number[], symbols: string[]) => {
    if (fp16) g.node('Cast', [OUT], ['output0'], { to: { int: CAST_TO.float16 } });
    g.output('output0', declared(dims, symbols), fp16 ? 'float16' : 'float');
  };

  // Per class, one linear colour score folded with the ramp: mask = clip(gain·(score − centre) + 0.5).
  const weights = f32(1, -1, -1, -1, -1, 1).map((w) => w * RAMP_GAIN);
  const bias = 0.5 - RAMP_GAIN * RAMP_CENTRE;
  g.initializer('colour_w', [C, 3, 1, 1], weights);
  g.initializer('colour_b', [C], f32(bias, bias));
  g.initializer('zero', [], f32(0));
  g.initializer('one', [], f32(1));
  g.node('Conv', [images, 'colour_w', 'colour_b'], ['colour'], { kernel_shape: { ints: [1, 1] } });
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
    g.node('Pad', [x, 'pads'], [OUT]);
  };

  if (layout === 'yolov8') {
    // [1, 4+C(+extra), N]: rows cx, cy, w, h, then one score row per class; anchor a scores only class a.
    const N = anchorsV8(S);
    const extra = task ? EXTRA_PER_ANCHOR[task] : 0;
    const box = g.node('Concat', ['cx', 'cy', 'side', 'side'].map((t) => unsq(t, 1)), ['box'], { axis: { int: 1 } });
    const cls = g.node('Mul', [unsq('score', 1), eye()], ['cls']);
    pad(g.node('Concat', [box, cls], ['rows'], { axis: { int: 1 } }), [0, 0, 0, 0, extra, N - C]);
    declareOutput([1, 4 + C + extra, N], ['batch', 'channels', 'anchors']);
    if (task === 'segment') {
      // the mask prototypes a segmentation export has as its second output, [1, 32, S/4, S/4]
      g.initializer('protos_shape', [4], i64(1, EXTRA_PER_ANCHOR.segment, S / 4, S / 4));
      g.node('Expand', ['zero', 'protos_shape'], ['output1']);
      g.output('output1', declared([1, EXTRA_PER_ANCHOR.segment, S / 4, S / 4], ['batch', 'masks', 'mask_height', 'mask_width']));
    }
  } else if (layout === 'yolov5') {
    // [1, N, 5+C]: cx, cy, w, h, objectness, one-hot class scores.
    const N = anchorsV5(S);
    const cols = ['cx', 'cy', 'side', 'side', 'score'].map((t) => unsq(t, 2));
    pad(g.node('Concat', [...cols, eye()], ['rows'], { axis: { int: 2 } }), [0, 0, 0, 0, N - C, 0]);
    declareOutput([1, N, 5 + C], ['batch', 'anchors', 'channels']);
  } else if (layout === 'rtdetr') {
    // [1, Q, 4+C]: cx, cy, w, h normalised to the input, then one sigmoid score per class, as RT-DETR's decoder gives.
    g.initializer('size', [], f32(S));
    const norm = ['cx', 'cy', 'side'].map((t) => g.node('Div', [t, 'size'], [`${t}_norm`]));
    const cols = [norm[0]!, norm[1]!, norm[2]!, norm[2]!].map((t) => unsq(t, 2));
    const cls = g.node('Mul', [unsq('score', 2), eye()], ['cls']);
    pad(g.node('Concat', [...cols, cls], ['rows'], { axis: { int: 2 } }), [0, 0, 0, 0, E2E_ROWS - C, 0]);
    declareOutput([1, E2E_ROWS, 4 + C], ['batch', 'queries', 'channels']);
  } else {
    // [1, K, 6]: x1, y1, x2, y2, score, class; unused rows are zeros, as NMS exports pad them.
    g.initializer('half', [], f32(0.5));
    g.initializer('class_ids', [1, C, 1], f32(...TEST_DETECTOR_NAMES.map((_, i) => i)));
    g.node('Mul', ['side', 'half'], ['half_side']);
    const corners = [['Sub', 'cx', 'x1'], ['Sub', 'cy', 'y1'], ['Add', 'cx', 'x2'], ['Add', 'cy', 'y2']] as const;
    for (const [op, centre, out] of corners) g.node(op, [centre, 'half_side'], [out]);
    const cols = ['x1', 'y1', 'x2', 'y2', 'score'].map((t) => unsq(t, 2));
    pad(g.node('Concat', [...cols, 'class_ids'], ['rows'], { axis: { int: 2 } }), [0, 0, 0, 0, E2E_ROWS - C, 0]);
    declareOutput([1, E2E_ROWS, 6], ['batch', 'rows', 'channels']);
  }

  const variant = [layout === 'rtdetr' ? 'RT-DETR' : layout, task, dynamic && `dynamic ${dynamic}`, fp16 && 'fp16'].filter(Boolean).join(', ');
  writeYoloMetadata(model, {
    names: TEST_DETECTOR_NAMES,
    size: S,
    task: task ?? 'detect',
    ...(task === 'pose' ? { kptShape: [17, 3] } : {}),
    description: `city-ingest-gateway test detector (${variant} layout, ${S}x${S}): finds one saturated red square (person) and one saturated blue square (car); not a trained model`,
  });
  return model.toBytes();
}
