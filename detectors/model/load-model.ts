// Loads a YOLO or RT-DETR ONNX export a user brings: one long-lived session per
// model, shared by every channel. The input size comes from the model (or its
// `imgsz` when dynamic), the output shape from a probe run at load (so dynamic
// exports work), the layout from that shape and the metadata, class names from
// the metadata or a labels file. float16 inputs and outputs are converted.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import * as ort from 'onnxruntime-node';
import { parseClassNames, readOnnxMetadata } from '../onnx/metadata.ts';
import { detectLayout, type OutputSpec } from '../postprocess/decode.ts';
import type { Layout } from '../types.ts';
import { providerFailed, providerNotBuiltIn, type ExecutionProvider } from './execution-providers.ts';
import { exportInfo } from './export-info.ts';
import { float16ToFloat32, float32ToFloat16 } from './float16.ts';
import { sessionInThread, sessionsInWorkers, type SessionHost, type TensorData } from './session-host.ts';

export interface ModelOptions {
  name?: string;
  /** One class name per line; overrides the model's own `names`. */
  labelsFile?: string;
  /** Class names, one per output class; overrides the model's own `names` (and `labelsFile`). */
  labels?: string[];
  /** Threads of one session's run (default 2 in this thread, 1 in workers: parallel sessions use the cores better). */
  intraOpNumThreads?: number;
  interOpNumThreads?: number;
  /** Sessions in worker threads, run in parallel off the calling thread (the gateway); 0: one session in this thread (default). */
  workers?: number;
  /** In order of preference; default cpu. One the runtime cannot start is refused (ModelError naming it), not skipped. */
  executionProviders?: ExecutionProvider[];
}

export interface Model {
  name: string;
  sha256: string;
  layout: Layout;
  classes: string[];
  input: { name: string; width: number; height: number; type: 'float32' | 'float16' };
  outputName: string;
  /** How the first output is read (layout, anchors, values per anchor). */
  output: OutputSpec;
  /** Anchors (YOLOv5/v8), queries (RT-DETR) or rows (end-to-end) in the output. */
  anchors: number;
  /** One frame, CHW float32 0–1 at the input size; the first output as float32. */
  run(tensor: Float32Array): Promise<Float32Array>;
  release(): Promise<void>;
}

export class ModelError extends Error {
  readonly code = 'MODEL';
}

const positive = (d: unknown): d is number => typeof d === 'number' && d > 0;
const firstLine = (err: unknown) => (err as Error).message.split('\n')[0]!;
const FLOAT_TYPES = new Set(['float32', 'float16']);

async function readModelFile(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ModelError(code === 'ENOENT' ? `model file ${path} does not exist` : `model file ${path} cannot be read (${code ?? firstLine(err)})`, { cause: err });
  }
}

async function classNames(bytes: Uint8Array, labelsFile: string | undefined, labels: string[] | undefined): Promise<string[] | undefined> {
  if (labels) {
    if (labels.length === 0) throw new ModelError('the labels list is empty');
    return labels;
  }
  if (labelsFile) {
    let text: string;
    try {
      text = await readFile(labelsFile, 'utf8');
    } catch (err) {
      throw new ModelError(`labels file ${labelsFile} cannot be read (${(err as NodeJS.ErrnoException).code ?? firstLine(err)})`, { cause: err });
    }
    const names = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
    if (names.length === 0) throw new ModelError(`labels file ${labelsFile} is empty`);
    return names;
  }
  const names = readOnnxMetadata(bytes).names;
  return names ? parseClassNames(names) : undefined;
}

/** Which asked-for provider keeps a session from starting (each tried alone), if one does. */
async function failingProvider(bytes: Uint8Array, providers: ExecutionProvider[]): Promise<string | undefined> {
  for (const provider of providers.filter((p) => p !== 'cpu')) {
    try {
      await (await ort.InferenceSession.create(bytes, { executionProviders: [provider] })).release();
    } catch (err) {
      return providerFailed(provider, firstLine(err));
    }
  }
  return undefined;
}

export async function loadModel(path: string, opts: ModelOptions = {}): Promise<Model> {
  const providers = opts.executionProviders ?? ['cpu'];
  const notBuiltIn = providers.map(providerNotBuiltIn).find(Boolean);
  if (notBuiltIn) throw new ModelError(notBuiltIn);
  const bytes = await readModelFile(path);
  const file = basename(path);
  const workers = opts.workers ?? 0;
  const settings = { executionProviders: providers, intraOpNumThreads: opts.intraOpNumThreads ?? (workers ? 1 : 2), interOpNumThreads: opts.interOpNumThreads ?? 1 };
  let session: SessionHost;
  try {
    session = workers > 0 ? await sessionsInWorkers(bytes, settings, workers) : await sessionInThread(bytes, settings);
  } catch (err) {
    const provider = await failingProvider(bytes, providers);
    throw new ModelError(provider ?? `${file} is not a model onnxruntime can load: ${firstLine(err)}`, { cause: err });
  }
  try {
    const input = session.inputMetadata[0];
    const output = session.outputMetadata[0];
    if (!input || !output || !input.isTensor || !output.isTensor) throw new ModelError(`${file}: expected a tensor input and a tensor output`);
    if (!FLOAT_TYPES.has(input.type!)) throw new ModelError(`${file}: input '${input.name}' is ${input.type}; only float32 and float16 image inputs are supported`);
    if (!FLOAT_TYPES.has(output.type!)) throw new ModelError(`${file}: output '${output.name}' is ${output.type}; only float32 and float16 outputs are supported`);
    const masks = session.outputMetadata[1];
    const info = (() => {
      try {
        return exportInfo(readOnnxMetadata(bytes), masks?.isTensor && positive(masks.shape[1]) ? masks.shape[1] : undefined);
      } catch (err) {
        throw new ModelError(`${file} ${(err as Error).message}`);
      }
    })();
    const height = positive(input.shape[2]) ? input.shape[2] : (info.imgsz?.[0] ?? 640);
    const width = positive(input.shape[3]) ? input.shape[3] : (info.imgsz?.[1] ?? 640);
    const inputType = input.type as 'float32' | 'float16';
    const dims = [1, 3, height, width];
    const feed = (tensor: Float32Array): TensorData => (inputType === 'float16' ? { type: 'float16', data: float32ToFloat16(tensor), dims } : { type: 'float32', data: tensor, dims });
    const runOnce = (tensor: Float32Array) => session.run(input.name, feed(tensor), output.name);
    // The probe: declared shapes may be symbolic (dynamic exports) or absent; one run says what comes out.
    let probe: TensorData;
    try {
      probe = await runOnce(new Float32Array(3 * height * width));
    } catch (err) {
      throw new ModelError(`${file}: a trial run on a blank ${width}×${height} ${inputType} input failed: ${firstLine(err)}`, { cause: err });
    }
    const names = await classNames(bytes, opts.labelsFile, opts.labels);
    let spec: OutputSpec;
    try {
      spec = detectLayout(probe.dims, { ...info.hints, ...(names ? { classCount: names.length } : {}) });
    } catch (err) {
      throw new ModelError(`${file}: ${(err as Error).message}`);
    }
    if (spec.layout !== 'e2e' && names && names.length !== spec.classes) {
      throw new ModelError(`the labels name ${names.length} classes but the model outputs ${spec.classes}`);
    }
    const classes = names ?? Array.from({ length: spec.classes }, (_, i) => `class${i}`);
    if (spec.layout === 'e2e') spec = { ...spec, classes: classes.length };
    return {
      name: opts.name ?? basename(path, '.onnx'),
      sha256: createHash('sha256').update(bytes).digest('hex'),
      layout: spec.layout,
      classes,
      input: { name: input.name, width, height, type: inputType },
      outputName: output.name,
      output: spec,
      anchors: spec.anchors,
      async run(tensor) {
        const out = await runOnce(tensor);
        return out.type === 'float16' ? float16ToFloat32(out.data as Uint16Array) : (out.data as Float32Array);
      },
      release: () => session.release(),
    };
  } catch (err) {
    await session.release();
    throw err instanceof ModelError ? err : new ModelError(`${file}: ${(err as Error).message}`, { cause: err });
  }
}
