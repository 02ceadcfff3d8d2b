// Execution providers against the installed onnxruntime-node: cpu loads and
// runs; a provider this runtime cannot start (cuda without its libraries here,
// openvino not compiled in) is refused naming it and what the runtime offers,
// never replaced by the CPU in silence.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { ensureModels } from '../tools/generate-models.ts';
import { runtimeBackends } from './execution-providers.ts';
import { loadModel, ModelError } from './load-model.ts';

let path: string;
before(async () => {
  path = (await ensureModels())['test-detector-yolov8-320.onnx'];
});

test('cpu (the default, or asked for) loads and runs', async () => {
  for (const executionProviders of [undefined, ['cpu'] as const]) {
    const model = await loadModel(path, { executionProviders: executionProviders && [...executionProviders] });
    assert.equal((await model.run(new Float32Array(3 * 320 * 320))).length > 0, true);
    await model.release();
  }
});

test('the runtime lists its backends; cpu is one of them', () => {
  const backends = runtimeBackends();
  assert.ok(backends.some((b) => b.name === 'cpu' && b.bundled), JSON.stringify(backends));
});

test('cuda, which this machine cannot start, is refused naming it and what the runtime offers', async (t) => {
  const cuda = runtimeBackends().find((b) => b.name === 'cuda');
  let loaded: Awaited<ReturnType<typeof loadModel>> | undefined;
  try {
    loaded = await loadModel(path, { executionProviders: ['cuda'] });
  } catch (err) {
    assert.ok(err instanceof ModelError);
    const message = err.message;
    assert.match(message, /execution provider 'cuda'/);
    assert.match(message, /it offers cpu/);
    // compiled in but its libraries absent (onnxruntime-node's linux/x64 build), or not compiled in at all
    assert.match(message, cuda ? /could not start in onnxruntime-node/ : /is not in onnxruntime-node/);
    return;
  }
  await loaded.release();
  t.diagnostic('this machine has a working CUDA: nothing to refuse');
  assert.fail('cuda loaded: the test expects the CPU-only machine this project runs on');
});

test('a provider not compiled into the runtime (openvino here) is refused before the file is read', async () => {
  const openvino = runtimeBackends().some((b) => b.name === 'openvino');
  if (openvino) return assert.fail('this runtime has openvino: the test expects the CPU-only build');
  await assert.rejects(loadModel('/nonexistent.onnx', { executionProviders: ['cpu', 'openvino'] }), (err: Error) => {
    assert.ok(err instanceof ModelError);
    assert.match(err.message, /^execution provider 'openvino' is not in onnxruntime-node [\d.]+ on \w+\/\w+; it offers cpu/);
    return true;
  });
});
