// The model library on real ONNX files: a replacement is loaded before it
// takes the name (a broken one leaves the old one running), the old session
// finishes its in-flight run, paths cannot leave dataDir/models, the API's
// models outlive a restart, and an execution provider this runtime cannot
// start is refused at load naming the field.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { ensureModels } from '../../detectors/tools/generate-models.ts';
import { loadConfig } from '../config/load.ts';
import type { DetectionConfig } from './config.ts';
import { ModelLibrary, modelPathProblem } from './model-library.ts';

const log = pino({ level: 'silent' });
const dataDir = mkdtempSync(join(tmpdir(), 'gw-model-library-'));
const modelsDir = join(dataDir, 'models');
let config: DetectionConfig['models'];
const libraries: ModelLibrary[] = [];
const open = async () => {
  const library = new ModelLibrary(config, dataDir, log);
  libraries.push(library);
  await library.loadAll();
  return library;
};
const blank = new Float32Array(3 * 320 * 320);

before(async () => {
  const generated = await ensureModels();
  mkdirSync(modelsDir, { recursive: true });
  for (const file of ['test-detector-yolov8-320.onnx', 'test-detector-yolov5-320.onnx'] as const) copyFileSync(generated[file], join(modelsDir, file));
  writeFileSync(join(modelsDir, 'broken.onnx'), 'this is not ONNX');
  config = {
    a: { path: '${dataDir}/models/test-detector-yolov8-320.onnx', intraOpThreads: 1 },
    gpu: { path: '${dataDir}/models/test-detector-yolov8-320.onnx', intraOpThreads: 1, executionProviders: ['cuda'] },
  };
});
after(async () => {
  for (const l of libraries) await l.releaseAll();
  rmSync(dataDir, { recursive: true, force: true });
});

test('paths under the models folder are taken; absolute ones and ways out are refused', () => {
  assert.equal(modelPathProblem(modelsDir, 'yolov8n.onnx'), undefined);
  assert.equal(modelPathProblem(modelsDir, 'site/yolov8n.onnx'), undefined);
  assert.match(modelPathProblem(modelsDir, '/etc/passwd')!, /relative to the models folder/);
  assert.match(modelPathProblem(modelsDir, '../detection-models.json')!, /leads out of the models folder/);
  assert.match(modelPathProblem(modelsDir, 'site/../../x.onnx')!, /leads out/);
  assert.match(modelPathProblem(modelsDir, '.')!, /leads out/);
});

test('cuda in the configuration is refused at load, naming the field, the provider and what the runtime offers', async () => {
  const library = await open();
  const gpu = library.list().find((m) => m.name === 'gpu')!;
  assert.equal(gpu.model, undefined);
  assert.match(gpu.reason!, /^detection\.models\.gpu: execution provider 'cuda' (could not start|is not) in onnxruntime-node .*it offers cpu/);
  assert.ok(library.get('a'), 'the cpu model next to it loads');
});

test('an execution provider name onnxruntime does not have is a configuration error naming the field', () => {
  const file = join(dataDir, 'gpu-config.json');
  writeFileSync(file, JSON.stringify({ detection: { enabled: true, concurrency: 1, generateTestModels: false, profiles: {}, models: { m: { path: '/x.onnx', intraOpThreads: 1, executionProviders: ['gpu'] } } } }));
  assert.throws(() => loadConfig({ argv: ['--config', file], env: {}, cwd: process.cwd() }), /detection\.models\.m\.executionProviders\.0: must be one of cpu, cuda, tensorrt, openvino, coreml, dml/);
});

test('a broken replacement leaves the old model running; a good one takes the name and the old session finishes its run', async () => {
  const library = await open();
  const old = library.get('a')!;
  await assert.rejects(library.replace('a', { path: 'broken.onnx', intraOpThreads: 1, executionProviders: ['cpu'] }), /not a model onnxruntime can load/);
  await assert.rejects(library.replace('a', { path: 'test-detector-yolov8-320.onnx', labels: ['one'], intraOpThreads: 1, executionProviders: ['cpu'] }), /labels name 1 classes but the model outputs 2/);
  assert.equal(library.get('a'), old, 'still the old session');
  assert.ok((await old.run(blank)).length > 0, 'and it still runs');

  const inFlight = old.run(blank); // started before the switch
  const next = await library.replace('a', { path: 'test-detector-yolov5-320.onnx', labels: ['cyclist', 'truck'], intraOpThreads: 1, executionProviders: ['cpu'] });
  assert.ok((await inFlight).length > 0, 'the old session finished the run it had');
  await assert.rejects(old.run(blank), 'then it was released');
  assert.deepEqual(next.classes, ['cyclist', 'truck']);
  assert.equal(next.layout, 'yolov5');
  assert.equal(library.get('a'), next);
  const entry = library.list().find((m) => m.name === 'a')!;
  assert.equal(entry.source, 'api');
  assert.ok(Date.parse(entry.loadedAt!) > 0);
});

test('the API\'s models and deletions outlive a restart (dataDir/detection-models.json)', async () => {
  const first = await open();
  await first.replace('extra', { path: 'test-detector-yolov8-320.onnx', labels: ['行人', '车辆'], intraOpThreads: 1, executionProviders: ['cpu'] });
  await first.remove('gpu');
  const saved = JSON.parse(readFileSync(join(dataDir, 'detection-models.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(saved.gpu, null, 'a configured model deleted over the API stays deleted');

  const second = await open();
  assert.deepEqual(second.get('extra')?.classes, ['行人', '车辆']);
  assert.deepEqual(second.get('a')?.classes, ['cyclist', 'truck'], 'the replacement wins over the configuration');
  assert.equal(second.has('gpu'), false);
  await second.remove('extra');
  const third = await open();
  assert.equal(third.has('extra'), false);
});
