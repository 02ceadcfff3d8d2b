// Non-maximum suppression: keep the best box, drop the ones that overlap it
// more than the IoU threshold, class by class, or across classes when
// `agnostic` (one object the model scores as two classes yields one box).
import type { RawBox } from '../types.ts';

export function iou(a: { x1: number; y1: number; x2: number; y2: number }, b: { x1: number; y1: number; x2: number; y2: number }): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / ((a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter);
}

export function nms(boxes: RawBox[], iouThreshold = 0.45, maxDetections = 300, agnostic = false): RawBox[] {
  const sorted = [...boxes].sort((a, b) => b.score - a.score);
  const kept: RawBox[] = [];
  for (const box of sorted) {
    if (kept.length >= maxDetections) break;
    if (!kept.some((k) => (agnostic || k.cls === box.cls) && iou(k, box) > iouThreshold)) kept.push(box);
  }
  return kept;
}
