// Decoders for the output layouts of YOLO and RT-DETR ONNX exports. Each
// returns boxes in model-input pixels above the score threshold, before NMS.
import type { Layout, RawBox } from '../types.ts';

/** How to read a model's first output. */
export interface OutputSpec {
  layout: Layout;
  /** Class scores per anchor (end-to-end: the class count the names give, 0 if unknown). */
  classes: number;
  /** Anchors (YOLOv5/v8), queries (RT-DETR) or rows (end-to-end). */
  anchors: number;
  /**
   * Values per anchor: 4+C (YOLOv8, RT-DETR), 5+C (YOLOv5), 6 (end-to-end), more when a
   * segmentation or pose export appends mask coefficients or keypoints, which are ignored.
   */
  rowLength: number;
}

/** What the export's metadata says about its output, beyond the shape. */
export interface LayoutHints {
  /** Names in the metadata or a labels file. */
  classCount?: number;
  /** Values per anchor after the box and class scores (segmentation: 32 mask coefficients; pose: 51 keypoint values). */
  extra?: number;
  /** The export is an RT-DETR (its description says so). */
  rtdetr?: boolean;
}

const unsupported = (dims: readonly number[], why: string) => new Error(`unsupported output shape [${dims.join(', ')}]: ${why}`);

/** Which layout an output shape is, or why it is none of them. */
export function detectLayout(dims: readonly number[], hints: LayoutHints = {}): OutputSpec {
  if (dims.length !== 3 || dims[0] !== 1) throw unsupported(dims, 'expected [1, a, b]');
  const [, a, b] = dims as [number, number, number];
  const extra = hints.extra ?? 0;
  const { classCount } = hints;
  // RT-DETR: [1, Q, 4+C], Q queries (300), normalised cx, cy, w, h and C sigmoid scores.
  // Shape alone cannot tell it from YOLOv5 with one class fewer, so the metadata decides.
  if (hints.rtdetr) {
    if (b <= 4 || (classCount !== undefined && classCount !== b - 4)) throw unsupported(dims, `an RT-DETR export should be [1, queries, 4+C]${classCount !== undefined ? ` with C = ${classCount}` : ''}`);
    return { layout: 'rtdetr', classes: b - 4, anchors: a, rowLength: b };
  }
  // [1, K, 6] with NMS inside keeps at most a few hundred rows; a 1-class YOLOv5 [1, N, 6] has thousands.
  if (b === 6 && a <= 1000 && !extra) return { layout: 'e2e', classes: classCount ?? 0, anchors: a, rowLength: 6 };
  // Names that count 4 fewer than the row (YOLOv5 would need 5 fewer): an RT-DETR whose description does not say so.
  if (!extra && b < a && classCount === b - 4) return { layout: 'rtdetr', classes: b - 4, anchors: a, rowLength: b };
  // YOLOv8/11: [1, 4+C(+extra), N] with N anchors ≫ 4+C. YOLOv5: [1, N, 5+C(+extra)].
  if (a < b && a > 4 + extra) return { layout: 'yolov8', classes: a - 4 - extra, anchors: b, rowLength: a };
  if (b < a && b > 5 + extra) return { layout: 'yolov5', classes: b - 5 - extra, anchors: a, rowLength: b };
  throw unsupported(dims, 'not YOLOv5 [1, N, 5+C], YOLOv8 [1, 4+C, N], RT-DETR [1, Q, 4+C] or end-to-end [1, K, 6]');
}

const fromCentre = (cx: number, cy: number, w: number, h: number, score: number, cls: number): RawBox => ({
  x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2, score, cls,
});

/** Best class of one anchor; starts from class 0 so a zero threshold never yields class −1. */
function bestClass(score: (c: number) => number, classes: number): [number, number] {
  let best = score(0);
  let cls = 0;
  for (let c = 1; c < classes; c++) {
    const s = score(c);
    if (s > best) [best, cls] = [s, c];
  }
  return [best, cls];
}

export function decodeYolov8(out: Float32Array, spec: OutputSpec, minScore: number): RawBox[] {
  const { classes, anchors } = spec;
  // Class by class over contiguous rows (the layout is [4+C, N]): one pass in memory order
  // instead of a strided walk per anchor, which costs several times more at 2,100–8,400 anchors.
  const best = out.slice(4 * anchors, 5 * anchors); // class 0, so a zero threshold never yields class −1
  const cls = new Uint16Array(anchors);
  for (let c = 1; c < classes; c++) {
    const row = (4 + c) * anchors;
    for (let i = 0; i < anchors; i++) {
      const s = out[row + i]!;
      if (s > best[i]!) {
        best[i] = s;
        cls[i] = c;
      }
    }
  }
  const boxes: RawBox[] = [];
  for (let i = 0; i < anchors; i++) {
    const score = best[i]!;
    if (score < minScore || score <= 0) continue; // a score of 0 is no detection, whatever the threshold
    boxes.push(fromCentre(out[i]!, out[anchors + i]!, out[2 * anchors + i]!, out[3 * anchors + i]!, score, cls[i]!));
  }
  return boxes;
}

export function decodeYolov5(out: Float32Array, spec: OutputSpec, minScore: number): RawBox[] {
  const { classes, anchors, rowLength } = spec;
  const boxes: RawBox[] = [];
  for (let i = 0; i < anchors; i++) {
    const o = i * rowLength;
    const objectness = out[o + 4]!;
    if (objectness < minScore) continue;
    const [best, cls] = bestClass((c) => out[o + 5 + c]!, classes);
    const score = objectness * best;
    if (score >= minScore && score > 0) boxes.push(fromCentre(out[o]!, out[o + 1]!, out[o + 2]!, out[o + 3]!, score, cls));
  }
  return boxes;
}

/** RT-DETR: boxes are normalised to the input, so they are scaled by its size. */
export function decodeRtdetr(out: Float32Array, spec: OutputSpec, minScore: number, input: { width: number; height: number }): RawBox[] {
  const { classes, anchors, rowLength } = spec;
  const boxes: RawBox[] = [];
  for (let i = 0; i < anchors; i++) {
    const o = i * rowLength;
    const [best, cls] = bestClass((c) => out[o + 4 + c]!, classes);
    if (best < minScore || best <= 0) continue;
    boxes.push(fromCentre(out[o]! * input.width, out[o + 1]! * input.height, out[o + 2]! * input.width, out[o + 3]! * input.height, best, cls));
  }
  return boxes;
}

export function decodeEndToEnd(out: Float32Array, spec: OutputSpec, minScore: number): RawBox[] {
  const boxes: RawBox[] = [];
  for (let i = 0; i < spec.anchors; i++) {
    const o = i * 6;
    const score = out[o + 4]!;
    const cls = Math.round(out[o + 5]!);
    // Padding rows are zeros; a class index outside the names is no detection of ours.
    if (score >= minScore && score > 0 && cls >= 0 && (!spec.classes || cls < spec.classes)) boxes.push({ x1: out[o]!, y1: out[o + 1]!, x2: out[o + 2]!, y2: out[o + 3]!, score, cls });
  }
  return boxes;
}

export function decode(spec: OutputSpec, out: Float32Array, minScore: number, input: { width: number; height: number }): RawBox[] {
  if (spec.layout === 'yolov8') return decodeYolov8(out, spec, minScore);
  if (spec.layout === 'yolov5') return decodeYolov5(out, spec, minScore);
  if (spec.layout === 'rtdetr') return decodeRtdetr(out, spec, minScore, input);
  return decodeEndToEnd(out, spec, minScore);
}
