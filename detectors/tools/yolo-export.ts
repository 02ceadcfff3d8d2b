// What a YOLO export looks like from outside, shared by the project's own
// models so they are indistinguishable from real exports to the gateway:
// anchor counts per layout and the exporter's `metadata_props`.
import type { ModelBuilder } from '../onnx/builder.ts';

/** YOLOv8/11 anchors: one per cell at strides 8, 16, 32 (8400 at 640, 2100 at 320). */
export function anchorsV8(size: number): number {
  return (size / 8) ** 2 + (size / 16) ** 2 + (size / 32) ** 2;
}

/** YOLOv5 anchors: three per cell (25200 at 640, 6300 at 320). */
export function anchorsV5(size: number): number {
  return 3 * anchorsV8(size);
}

/** Rows of an end-to-end export (NMS inside): YOLOv10's max_det. */
export const E2E_ROWS = 300;

export function checkInputSize(size: number): void {
  if (!Number.isInteger(size) || size < 32 || size % 32 !== 0) throw new Error(`input size ${size} must be a positive multiple of 32 (the largest stride)`);
}

/** Python's repr() of a str: single quotes unless the text holds a ' and no ". */
export function pythonRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of text) {
    if (ch === '\\' || ch === quote) out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch < ' ' || ch === '\x7f') out += `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return quote + out + quote;
}

/** `{0: 'person', 1: 'car'}`, as str(model.names) writes it. */
export function pythonNamesDict(names: readonly string[]): string {
  return `{${names.map((n, i) => `${i}: ${pythonRepr(n)}`).join(', ')}}`;
}

/** The metadata the common exporter writes for a detection model. */
export function writeYoloMetadata(model: ModelBuilder, opts: { names: readonly string[]; size: number; description: string; task?: string; kptShape?: [number, number] }): void {
  model
    .metadata('description', opts.description)
    .metadata('author', 'city-ingest-gateway detectors/tools')
    .metadata('license', 'Apache-2.0')
    .metadata('stride', '32')
    .metadata('task', opts.task ?? 'detect')
    .metadata('batch', '1')
    .metadata('imgsz', `[${opts.size}, ${opts.size}]`)
    .metadata('names', pythonNamesDict(opts.names));
  if (opts.kptShape) model.metadata('kpt_shape', `[${opts.kptShape.join(', ')}]`);
}

export const COCO_NAMES: readonly string[] = [
  'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck', 'boat', 'traffic light',
  'fire hydrant', 'stop sign', 'parking meter', 'bench', 'bird', 'cat', 'dog', 'horse', 'sheep', 'cow',
  'elephant', 'bear', 'zebra', 'giraffe', 'backpack', 'umbrella', 'handbag', 'tie', 'suitcase', 'frisbee',
  'skis', 'snowboard', 'sports ball', 'kite', 'baseball bat', 'baseball glove', 'skateboard', 'surfboard', 'tennis racket', 'bottle',
  'wine glass', 'cup', 'fork', 'knife', 'spoon', 'bowl', 'banana', 'apple', 'sandwich', 'orange',
  'broccoli', 'carrot', 'hot dog', 'pizza', 'donut', 'cake', 'chair', 'couch', 'potted plant', 'bed',
  'dining table', 'toilet', 'tv', 'laptop', 'mouse', 'remote', 'keyboard', 'cell phone', 'microwave', 'oven',
  'toaster', 'sink', 'refrigerator', 'book', 'clock', 'vase', 'scissors', 'teddy bear', 'hair drier', 'toothbrush',
];
