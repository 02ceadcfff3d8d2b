// What an export's metadata says beyond its tensor shapes: the task (detect,
// segment, pose; others refused), how many values per anchor follow the class
// scores, whether it is an RT-DETR, and the input size of a dynamic export.
import type { LayoutHints } from '../postprocess/decode.ts';

export interface ExportInfo {
  task: string;
  /** Input [height, width] from `imgsz`, if the metadata has it. */
  imgsz?: [number, number];
  hints: Omit<LayoutHints, 'classCount'>;
}

const TASKS_WITH_BOXES = new Set(['detect', 'segment', 'pose']);
/** Mask coefficients per anchor of a segmentation export (YOLOv5/8/11-seg). */
const DEFAULT_MASK_COEFFICIENTS = 32;

/** A Python or JSON list of numbers: `[640, 640]`, `(17, 3)`, `640`. */
function numbers(text: string | undefined): number[] | undefined {
  if (!text) return undefined;
  const found = text.match(/\d+/g)?.map(Number);
  return found && found.length ? found : undefined;
}

/**
 * Reads the metadata; throws (a sentence a person can act on) for a task whose output has no
 * boxes. `maskCoefficients` is the second output's channel count of a segmentation export, if known.
 */
export function exportInfo(meta: Record<string, string>, maskCoefficients?: number): ExportInfo {
  const task = (meta.task ?? 'detect').trim().toLowerCase();
  if (!TASKS_WITH_BOXES.has(task)) {
    throw new Error(`is a '${task}' export; only detection models (and the boxes of segment and pose exports) can be used — export the detect variant of the model`);
  }
  const size = numbers(meta.imgsz);
  const info: ExportInfo = { task, hints: { rtdetr: /rt-?detr/i.test(meta.description ?? '') }, ...(size ? { imgsz: [size[0]!, size[1] ?? size[0]!] } : {}) };
  if (task === 'segment') info.hints.extra = maskCoefficients ?? DEFAULT_MASK_COEFFICIENTS;
  if (task === 'pose') {
    const kpt = numbers(meta.kpt_shape);
    if (!kpt || kpt.length !== 2) throw new Error(`is a pose export without a usable kpt_shape in its metadata ('${meta.kpt_shape ?? ''}'), so its boxes cannot be told from its keypoints`);
    info.hints.extra = kpt[0]! * kpt[1]!;
  }
  return info;
}
