// Writes the project's own ONNX models (test detectors, benchmark models) and
// the test detector's labels file into a directory. A file already there with
// the same content is left alone, so tests, the bench and the demo can all call
// ensureModels() on a shared directory.
//   node --import tsx detectors/tools/generate-models.ts --out <dir>
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { buildBenchModel } from './bench-model.ts';
import { buildTestDetector, TEST_DETECTOR_NAMES } from './test-detector.ts';

export const MODEL_FILES = {
  'test-detector-yolov8-320.onnx': () => buildTestDetector({ layout: 'yolov8', size: 320 }),
  'test-detector-yolov5-320.onnx': () => buildTestDetector({ layout: 'yolov5', size: 320 }),
  'test-detector-e2e-320.onnx': () => buildTestDetector({ layout: 'e2e', size: 320 }),
  'test-detector-yolov8-640.onnx': () => buildTestDetector({ layout: 'yolov8', size: 640 }),
  // Exports as users bring them: dynamic shapes, half precision, RT-DETR, and the boxes of segment and pose models.
  'test-detector-yolov8-320-dynamic.onnx': () => buildTestDetector({ layout: 'yolov8', size: 320, dynamic: 'all' }),
  'test-detector-yolov8-320-dynamic-batch.onnx': () => buildTestDetector({ layout: 'yolov8', size: 320, dynamic: 'batch' }),
  'test-detector-yolov8-320-fp16.onnx': () => buildTestDetector({ layout: 'yolov8', size: 320, fp16: true }),
  'test-detector-rtdetr-320.onnx': () => buildTestDetector({ layout: 'rtdetr', size: 320 }),
  'test-detector-seg-320.onnx': () => buildTestDetector({ layout: 'yolov8', size: 320, task: 'segment' }),
  'test-detector-pose-320.onnx': () => buildTestDetector({ layout: 'yolov8', size: 320, task: 'pose' }),
  'bench-yolov8n-640.onnx': () => buildBenchModel(640),
  'bench-yolov8n-320.onnx': () => buildBenchModel(320),
  'bench-yolov8n-320-dynamic.onnx': () => buildBenchModel(320, true),
  'bench-yolov8n-640-dynamic.onnx': () => buildBenchModel(640, true),
  'test-detector.labels.txt': () => new TextEncoder().encode(`${TEST_DETECTOR_NAMES.join('\n')}\n`),
} as const satisfies Record<string, () => Uint8Array>;

export type ModelFile = keyof typeof MODEL_FILES;

/** Where tests, the bench and the demo share generated models unless told otherwise. */
export const DEFAULT_MODEL_DIR = join(tmpdir(), 'city-gw-models');

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function hashOf(file: string): Promise<string | undefined> {
  try {
    return sha256(await readFile(file));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Writes one file unless identical content is there; true when it wrote. */
async function writeIfChanged(file: string, bytes: Uint8Array): Promise<boolean> {
  if ((await hashOf(file)) === sha256(bytes)) return false;
  // Temp name, then rename: a parallel test process never loads half a model.
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, bytes);
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw new Error(`writing model ${file} failed: ${(err as Error).message}`, { cause: err });
  }
  return true;
}

export interface GenerateResult {
  paths: Record<ModelFile, string>;
  written: ModelFile[];
}

export async function generateModels(dir: string): Promise<GenerateResult> {
  await mkdir(dir, { recursive: true });
  const paths = {} as Record<ModelFile, string>;
  const written: ModelFile[] = [];
  // One at a time: each bench model is 12 MB in memory while it is built.
  for (const [name, build] of Object.entries(MODEL_FILES) as [ModelFile, () => Uint8Array][]) {
    paths[name] = join(dir, name);
    if (await writeIfChanged(paths[name], build())) written.push(name);
  }
  return { paths, written };
}

const pending = new Map<string, Promise<Record<ModelFile, string>>>();

/** File name → path of every generated model in `dir`, generating what is missing or stale. */
export function ensureModels(dir: string = DEFAULT_MODEL_DIR): Promise<Record<ModelFile, string>> {
  const key = resolve(dir);
  let job = pending.get(key);
  if (!job) {
    job = generateModels(key).then((r) => r.paths);
    pending.set(key, job);
    // Forget failures so a later call can retry.
    job.catch(() => pending.delete(key));
  }
  return job;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help || !values.out) {
    process.stdout.write('usage: node --import tsx detectors/tools/generate-models.ts --out <dir>\n');
    process.exitCode = values.help ? 0 : 64;
    return;
  }
  const { paths, written } = await generateModels(resolve(values.out));
  for (const [name, path] of Object.entries(paths) as [ModelFile, string][]) {
    process.stdout.write(`${written.includes(name) ? 'wrote    ' : 'unchanged'} ${path}\n`);
  }
}

// Run as a CLI only when this file is the entry point, not when imported by tests.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`generate-models: ${(err as Error).message}\n`);
    process.exitCode = 1;
  });
}
