// Where a model's onnxruntime session runs. In this thread (tools, tests, the
// rule tester), or in a pool of worker threads, one session each: onnxruntime-node's
// run holds the thread it is called on, so on the main thread two channels'
// inferences take turns with each other and with everything else (ffmpeg's
// frame pipes, the API); in workers they run in parallel, off the main thread.
// Either way the intra-op threads do not spin between runs: spinning keeps a
// core busy for a while after every run, which at a few runs per second per
// camera is most of the CPU the session costs (measured: 2.7× with 2 threads).
import { Worker } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';

export interface TensorData {
  type: 'float32' | 'float16';
  data: Float32Array | Uint16Array;
  dims: readonly number[];
}

export interface ValueInfo {
  name: string;
  isTensor: boolean;
  type?: string;
  shape: ReadonlyArray<number | string>;
}

export interface SessionHost {
  readonly inputMetadata: readonly ValueInfo[];
  readonly outputMetadata: readonly ValueInfo[];
  run(inputName: string, input: TensorData, outputName: string): Promise<TensorData>;
  release(): Promise<void>;
}

export interface SessionSettings {
  executionProviders: string[];
  intraOpNumThreads: number;
  interOpNumThreads: number;
}

const sessionOptions = (s: SessionSettings): ort.InferenceSession.SessionOptions => ({
  executionProviders: s.executionProviders,
  intraOpNumThreads: s.intraOpNumThreads,
  interOpNumThreads: s.interOpNumThreads,
  graphOptimizationLevel: 'all',
  executionMode: 'sequential',
  extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
});

const plain = (m: ort.InferenceSession.ValueMetadata): ValueInfo => ({ name: m.name, isTensor: m.isTensor, type: m.isTensor ? m.type : undefined, shape: m.isTensor ? [...m.shape] : [] });

/** A session on the calling thread. */
export async function sessionInThread(bytes: Uint8Array, settings: SessionSettings): Promise<SessionHost> {
  const session = await ort.InferenceSession.create(bytes, sessionOptions(settings));
  return {
    inputMetadata: session.inputMetadata.map(plain),
    outputMetadata: session.outputMetadata.map(plain),
    async run(inputName, input, outputName) {
      // onnxruntime's own log line per failed run is kept quiet: the error comes back to the caller, who rolls it up.
      const out = (await session.run({ [inputName]: new ort.Tensor(input.type, input.data, input.dims) }, [outputName], { logSeverityLevel: 4 }))[outputName]!;
      return { type: out.type as TensorData['type'], data: out.data as Float32Array | Uint16Array, dims: out.dims };
    },
    release: () => session.release(),
  };
}

const WORKER_URL = new URL('./inference-worker.mjs', import.meta.url);

type Reply = { id: number; error?: string; input?: ArrayBuffer } & Partial<TensorData>;

/** One worker thread holding one session; runs are answered in order by id. */
class SessionWorker {
  readonly pending = new Map<number, { resolve: (t: TensorData) => void; reject: (e: Error) => void }>();
  /** Input buffers back from the thread, for the next runs (as many as were ever in flight at once). */
  private readonly inputBuffers: ArrayBuffer[] = [];
  private nextId = 1;
  private readonly worker: Worker;
  metadata!: { inputMetadata: ValueInfo[]; outputMetadata: ValueInfo[] };
  /** Why the thread is gone (it exited or crashed); runs sent to it fail with this. */
  gone: string | undefined;

  constructor(bytes: Uint8Array, settings: SessionSettings) {
    this.worker = new Worker(WORKER_URL, { workerData: { bytes, options: sessionOptions(settings) } });
  }

  started(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.worker.once('message', (m: { ready: boolean; error?: string } & SessionWorker['metadata']) => {
        if (!m.ready) return reject(new Error(m.error));
        this.metadata = { inputMetadata: m.inputMetadata, outputMetadata: m.outputMetadata };
        this.worker.on('message', (r: Reply) => this.answer(r));
        this.worker.unref(); // an idle pool never keeps the process alive; a run in flight does (see run)
        resolve();
      });
      this.worker.once('error', reject);
      this.worker.on('error', (err) => this.fail(`the inference thread failed: ${err.message}`));
      this.worker.on('exit', (code) => this.fail(`the inference thread exited (${code})`));
    });
  }

  run(inputName: string, input: TensorData, outputName: string): Promise<TensorData> {
    if (this.gone) return Promise.reject(new Error(this.gone));
    const id = this.nextId++;
    // The caller's letterbox keeps its tensor for the next frame, so the input is copied into a
    // buffer of this worker's that goes there and back (handed over, not cloned: no allocation per run).
    const pooled = this.inputBuffers.findIndex((b) => b.byteLength >= input.data.byteLength);
    const buffer = pooled >= 0 ? this.inputBuffers.splice(pooled, 1)[0]! : new ArrayBuffer(input.data.byteLength);
    const data = input.type === 'float16' ? new Uint16Array(buffer, 0, input.data.length) : new Float32Array(buffer, 0, input.data.length);
    data.set(input.data);
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, inputName, outputName, type: input.type, data, dims: input.dims }, [buffer]);
    });
  }

  /** Releases the session, then ends the thread (at once if the session does not answer within 2 s). */
  async release(): Promise<void> {
    if (this.gone) return;
    this.worker.ref();
    const released = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2000);
      this.worker.on('message', (m: { released?: boolean }) => {
        if (m.released) resolve(clearTimeout(timer));
      });
    });
    this.worker.postMessage({ release: true });
    await released;
    await this.worker.terminate();
  }

  private answer(r: Reply): void {
    if (r.input && r.input.byteLength > 0) this.inputBuffers.push(r.input);
    const p = this.pending.get(r.id);
    if (!p) return;
    this.pending.delete(r.id);
    if (this.pending.size === 0) this.worker.unref();
    if (r.error !== undefined) p.reject(new Error(r.error));
    else p.resolve({ type: r.type!, data: r.data!, dims: r.dims! });
  }

  private fail(why: string): void {
    this.gone ??= why;
    for (const p of this.pending.values()) p.reject(new Error(why));
    this.pending.clear();
  }
}

/** `count` sessions of one model, each in its own worker thread; a run goes to the least busy. */
export async function sessionsInWorkers(bytes: Uint8Array, settings: SessionSettings, count: number): Promise<SessionHost> {
  const workers = Array.from({ length: count }, () => new SessionWorker(bytes, settings));
  const started = await Promise.allSettled(workers.map((w) => w.started()));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.all(workers.map((w) => w.release().catch(() => undefined)));
    throw (failed as PromiseRejectedResult).reason;
  }
  const live = () => workers.filter((w) => !w.gone);
  return {
    ...workers[0]!.metadata,
    run(inputName, input, outputName) {
      const ready = live();
      if (!ready.length) return Promise.reject(new Error(workers[0]!.gone));
      const idlest = ready.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
      return idlest.run(inputName, input, outputName);
    },
    release: async () => void (await Promise.all(workers.map((w) => w.release()))),
  };
}
