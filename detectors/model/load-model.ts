// Loads a YOLO ONNX export a user brings: one long-lived session per model,
// shared by every channel. The output layout comes from the output shape, the
// input size from the model, class names from its metadata or a labels file.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import * as ort from 'onnxruntime-node';
import { parseClassNames, readOnnxMetadata } from '../onnx/metadata.ts';
import { detectLayout } from '../postprocess/decode.ts';
import type { Layout } from '../types.ts';

export interface ModelOptions {
  name?: string;
  /** One class name per line; overrides the model's own `names`. */
  labelsFile?: string;
  intraOpNumThreads?: number;
  interOpNumThreads?: number;
}

export interface Model {
  name: string;
  sha256: string;
  layout: Layout;
  classes: string[];
  input: { name: string; width: number; height: number };
  outputName: string;
  /** Anchors (YOLOv5/v8) or rows (end-to-end) in the output. */
  anchors: number;
  run(tensor: Float32Array): Promise<Float32Array>;
  release(): Promise<void>;
}

export class ModelError extends Error {}

const dim = (d: number | string | undefined, fallback: number) => (typeof d === 'number' && d > 0 ? d : fallback);

async function classNames(bytes: Uint8Array, labelsFile: string | undefined): Promise<string[] | undefined> {
  if (labelsFile) {
    const names = (await readFile(labelsFile, 'utf8')).split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
    if (names.length === 0) throw new ModelError(`labels file ${labelsFile} is empty`);
    return names;
  }
  const names = readOnnxMetadata(bytes).names;
  return names ? parseClassNames(names) : undefined;
}

export async function loadModel(path: string, opts: ModelOptions = {}): Promise<Model> {
  const bytes = new Uint8Array(await readFile(path));
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: opts.intraOpNumThreads ?? 2,
      interOpNumThreads: opts.interOpNumThreads ?? 1,
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
    });
  } catch (err) {
    throw new ModelError(`${basename(path)} is not a model onnxruntime can load: ${(err as Error).message.split('\n')[0]}`);
  }
  try {
    const input = session.inputMetadata[0];
    const output = session.outputMetadata[0];
    if (!input || !output || !input.isTensor || !output.isTensor) throw new ModelError('expected one tensor input and one tensor output');
    const meta = readOnnxMetadata(bytes);
    const imgsz = meta.imgsz ? (JSON.parse(meta.imgsz.replace(/\(/g, '[').replace(/\)/g, ']')) as number[]) : [];
    const height = dim(input.shape[2], imgsz[0] ?? 640);
    const width = dim(input.shape[3], imgsz[1] ?? imgsz[0] ?? 640);
    const names = await classNames(bytes, opts.labelsFile);
    const outDims = output.shape.map((d, i) => dim(d, i === 0 ? 1 : 0));
    const shape = detectLayout(outDims, names?.length);
    if (shape.layout !== 'e2e' && names && names.length !== shape.classes) {
      throw new ModelError(`the labels name ${names.length} classes but the model outputs ${shape.classes}`);
    }
    const classes = names ?? Array.from({ length: shape.classes }, (_, i) => `class${i}`);
    return {
      name: opts.name ?? basename(path, '.onnx'),
      sha256: createHash('sha256').update(bytes).digest('hex'),
      layout: shape.layout,
      classes,
      input: { name: input.name, width, height },
      outputName: output.name,
      anchors: shape.anchors,
      async run(tensor) {
        const feeds = { [input.name]: new ort.Tensor('float32', tensor, [1, 3, height, width]) };
        const result = await session.run(feeds);
        return result[output.name]!.data as Float32Array;
      },
      release: () => session.release(),
    };
  } catch (err) {
    await session.release();
    throw err instanceof ModelError ? err : new ModelError(`${basename(path)}: ${(err as Error).message}`);
  }
}
