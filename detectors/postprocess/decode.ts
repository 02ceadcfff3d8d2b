// Decoders for the three output layouts of YOLO ONNX exports. Each returns
// boxes in model-input pixels above the score threshold, before NMS.
import type { Layout, RawBox } from '../types.ts';

/** Which layout an output shape is, or why it is none of them. */
export function detectLayout(dims: readonly number[], classCount?: number): { layout: Layout; classes: number; anchors: number } {
  if (dims.length !== 3 || dims[0] !== 1) throw new Error(`unsupported output shape [${dims.join(', ')}]: expected [1, a, b]`);
  const [, a, b] = dims as [number, number, number];
  // [1, K, 6] with NMS inside keeps at most a few hundred rows; a 1-class YOLOv5 [1, N, 6] has thousands.
  if (b === 6 && a <= 1000) return { layout: 'e2e', classes: classCount ?? 0, anchors: a };
  // YOLOv8/11: [1, 4+C, N] with N anchors ≫ 4+C. YOLOv5: [1, N, 5+C].
  if (a < b && a > 4) return { layout: 'yolov8', classes: a - 4, anchors: b };
  if (b < a && b > 5) return { layout: 'yolov5', classes: b - 5, anchors: a };
  throw new Error(`unsupported output shape [${dims.join(', ')}]: not YOLOv5 [1, N, 5+C], YOLOv8 [1, 4+C, N] or end-to-end [1, K, 6]`);
}

const fromCentre = (cx: number, cy: number, w: number, h: number, score: number, cls: number): RawBox => ({
  x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2, score, cls,
});

export function decodeYolov8(out: Float32Array, classes: number, anchors: number, minScore: number): RawBox[] {
  const boxes: RawBox[] = [];
  for (let i = 0; i < anchors; i++) {
    let best = 0;
    let cls = -1;
    for (let c = 0; c < classes; c++) {
      const s = out[(4 + c) * anchors + i]!;
      if (s > best) [best, cls] = [s, c];
    }
    if (best < minScore) continue;
    boxes.push(fromCentre(out[i]!, out[anchors + i]!, out[2 * anchors + i]!, out[3 * anchors + i]!, best, cls));
  }
  return boxes;
}

export function decodeYolov5(out: Float32Array, classes: number, anchors: number, minScore: number): RawBox[] {
  const boxes: RawBox[] = [];
  const stride = 5 + classes;
  for (let i = 0; i < anchors; i++) {
    const o = i * stride;
    const objectness = out[o + 4]!;
    if (objectness < minScore) continue;
    let best = 0;
    let cls = -1;
    for (let c = 0; c < classes; c++) {
      const s = out[o + 5 + c]!;
      if (s > best) [best, cls] = [s, c];
    }
    const score = objectness * best;
    if (score >= minScore) boxes.push(fromCentre(out[o]!, out[o + 1]!, out[o + 2]!, out[o + 3]!, score, cls));
  }
  return boxes;
}

export function decodeEndToEnd(out: Float32Array, rows: number, minScore: number): RawBox[] {
  const boxes: RawBox[] = [];
  for (let i = 0; i < rows; i++) {
    const o = i * 6;
    const score = out[o + 4]!;
    if (score >= minScore) boxes.push({ x1: out[o]!, y1: out[o + 1]!, x2: out[o + 2]!, y2: out[o + 3]!, score, cls: Math.round(out[o + 5]!) });
  }
  return boxes;
}

export function decode(layout: Layout, out: Float32Array, classes: number, anchors: number, minScore: number): RawBox[] {
  if (layout === 'yolov8') return decodeYolov8(out, classes, anchors, minScore);
  if (layout === 'yolov5') return decodeYolov5(out, classes, anchors, minScore);
  return decodeEndToEnd(out, anchors, minScore);
}
