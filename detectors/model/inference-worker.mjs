// One onnxruntime session in its own thread (see session-host.ts): onnxruntime-node's
// run holds the thread it is called on, so sessions in worker threads run in
// parallel and leave the main thread to the video pipes and the API.
// Plain JavaScript: worker threads do not inherit the TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';

const plain = (m) => ({ name: m.name, isTensor: m.isTensor, type: m.type, shape: m.isTensor ? [...m.shape] : [] });

let session;
try {
  session = await ort.InferenceSession.create(workerData.bytes, workerData.options);
  parentPort.postMessage({ ready: true, inputMetadata: session.inputMetadata.map(plain), outputMetadata: session.outputMetadata.map(plain) });
} catch (err) {
  parentPort.postMessage({ ready: false, error: String(err?.message ?? err) });
}

parentPort.on('message', async (m) => {
  if (m.release) {
    await session?.release();
    parentPort.postMessage({ released: true });
    return;
  }
  const input = m.data.buffer; // handed back with the answer, for the next run
  try {
    const outputs = await session.run({ [m.inputName]: new ort.Tensor(m.type, m.data, m.dims) }, [m.outputName], { logSeverityLevel: 4 });
    const out = outputs[m.outputName];
    const data = out.data.slice(); // onnxruntime owns its buffer: a copy can be handed over without copying again
    parentPort.postMessage({ id: m.id, type: out.type, data, dims: [...out.dims], input }, [data.buffer, input]);
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: String(err?.message ?? err), input }, [input]);
  }
});
