// What detection costs per camera, and where it goes. One run:
// - per camera at 2 fps detection on a 720p25 source, ffmpeg + gateway CPU
//   together: detecting on the main stream (the tap decoding every frame, as
//   before; and with the default noref skip), and on a 360p sub-stream of the
//   same scene; beside the floor: a bare ffmpeg decode of the same stream at the
//   same rate plus bare session.run at that rate;
// - the decoder skipping frames (noref, nokey) against the full decode;
// - pipeline time / bare session.run at 320 and 640, on the benchmark model
//   and on its dynamic-shape export;
// - frames per second at 320: a bare one-session loop against parallel runs
//   and against batches of several channels' frames (dynamic batch);
// - alarm latency, frame capture → incident candidate, with 16 channels.
//   node --import tsx bench/detection-cost.ts [--channels 4] [--window 20] [--latencySeconds 40]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { pino } from 'pino';
import { ChannelDetector, DetectionScheduler, Letterboxer, loadModel, type Model, type RawFrame } from '../detectors/index.ts';
import { ensureModels } from '../detectors/tools/generate-models.ts';
import { loadConfig } from '../gateway/config/load.ts';
import { createGateway, type RunningGateway } from '../gateway/gateway.ts';
import { findFfmpeg } from '../gateway/video/ffmpeg/locate.ts';
import { structuredFrame } from './test-frame.ts';
import { freePort, startSim } from './camera-sim.ts';
import { mean, measureCpu, percentile, round, timeIt } from './proc.ts';

const { values } = parseArgs({ options: { channels: { type: 'string', default: '4' }, window: { type: 'string', default: '20' }, latencySeconds: { type: 'string', default: '40' } } });
const CHANNELS = Number(values.channels);
const WINDOW = Number(values.window);
const LATENCY_SECONDS = Number(values.latencySeconds);
const FPS = 2;
const actor = { keyId: null, name: 'bench', role: null };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const note = (line: string) => process.stderr.write(`bench: ${line}\n`);
const models = await ensureModels();
const tracker = { minHits: 2, minMedianScore: 0.5, maxMissed: 10, stationaryFrames: 20, stationaryPx: 3, matchIou: 0.2 };

const frame = structuredFrame();

/** CPU % of this process while `fn` runs. */
async function ownCpu<T>(fn: () => Promise<T>): Promise<{ pct: number; value: T; ms: number }> {
  const before = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const used = process.cpuUsage(before);
  const ms = performance.now() - t0;
  return { pct: ((used.user + used.system) / 1000 / ms) * 100, value, ms };
}

// ---- cameras: a 720p main stream and a 360p sub-stream of the same scene, each simulator in its own process
const mainPort = await freePort();
const mainSim = await startSim(mainPort, 'h264-720p', 'cam');
const subPort = await freePort();
const subSim = await startSim(subPort, 'h264-360p', 'sub');
const mainUrl = `rtsp://127.0.0.1:${mainPort}/cam`;
const subUrl = `rtsp://127.0.0.1:${subPort}/sub`;

// ---- the gateway: C channels, ffmpeg + gateway process CPU per channel
async function startGateway(dataDir: string): Promise<RunningGateway> {
  const file = join(dataDir, 'detection.json');
  writeFileSync(file, JSON.stringify({ detection: { enabled: true, concurrency: 'auto', inferenceThreads: 'auto', generateTestModels: false,
    models: { load: { path: models['bench-yolov8n-320.onnx'], intraOpThreads: 1 } },
    profiles: { load: { model: 'load', fps: FPS, motion: { enabled: false }, rules: [] } } } }));
  const config = loadConfig({ argv: ['--config', file, '--dataDir', dataDir, '--http.port', '0', '--sensors.enabled', 'false', '--video.rtmp.port', '0', '--video.startStaggerMs', '50', '--videoQuality.enabled', 'false', '--log.level', 'warn'], env: {}, cwd: process.cwd() });
  return createGateway(config, pino({ level: 'warn' }, pino.destination(2)), process.stderr);
}

async function perCamera(gw: RunningGateway, label: string, doc: Record<string, unknown>) {
  note(`${CHANNELS} channels: ${label}`);
  const ids = Array.from({ length: CHANNELS }, (_, i) => `${label}-${i}`);
  for (const id of ids) await gw.service.create('channels', { id, name: id, kind: 'rtsp', source: { url: mainUrl }, detectionProfile: 'load', ...doc }, actor);
  const runners = () => gw.detection!.runners().filter((r) => ids.includes(r.channelId));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && !(runners().length === CHANNELS && runners().every((r) => r.status().inferred > 4))) await sleep(500);
  await sleep(3000);
  const statuses = () => ids.flatMap((id) => [gw.video!.manager.status(id), gw.video!.manager.status(`${id}~sub`)]).filter((x) => x?.pid !== undefined);
  const pids = statuses().map((x) => x!.pid!);
  const restartsBefore = statuses().reduce((n, x) => n + x!.restarts, 0);
  const inferredBefore = runners().reduce((n, r) => n + r.status().inferred, 0);
  const gwBefore = process.cpuUsage();
  const t0 = Date.now();
  const measured = await measureCpu(pids, WINDOW);
  const ffmpeg = [...measured.values()].reduce((a, b) => a + b, 0);
  const gwUse = process.cpuUsage(gwBefore);
  const seconds = (Date.now() - t0) / 1000;
  const gateway = ((gwUse.user + gwUse.system) / 1e6 / seconds) * 100;
  const inferred = runners().reduce((n, r) => n + r.status().inferred, 0) - inferredBefore;
  const result = {
    ffmpegProcesses: pids.length,
    // a process that ended during the window is not measured (a restart): the figures then count only the others
    ffmpegMeasured: measured.size,
    restartsDuringWindow: statuses().reduce((n, x) => n + x!.restarts, 0) - restartsBefore,
    ffmpegPctPerCamera: round(ffmpeg / CHANNELS), gatewayPctPerCamera: round(gateway / CHANNELS), totalPctPerCamera: round((ffmpeg + gateway) / CHANNELS),
    inferredPerCameraPerSecond: round(inferred / CHANNELS / seconds, 2),
  };
  for (const id of ids) await gw.service.remove('channels', id, actor);
  await sleep(3000);
  return result;
}
const dataDir = mkdtempSync(join(tmpdir(), 'bench-detection-cost-'));
const gw = await startGateway(dataDir);
const perCameraCpu = {
  mainStreamFullDecode: await perCamera(gw, 'main-all', { video: { tapDecode: 'all' } }),
  mainStreamNoref: await perCamera(gw, 'main-noref', {}),
  subStream360p: await perCamera(gw, 'sub', { subSource: { url: subUrl } }),
};
await gw.close();
rmSync(dataDir, { recursive: true, force: true });

// ---- the floor: bare ffmpeg decodes at 2 fps, and bare session.run at 2 fps
async function bareDecode(url: string, skip: string | undefined, width: number | undefined, fps = FPS): Promise<number> {
  const vf = [`fps=${fps}`, ...(width ? [`scale=${width}:-2`] : [])].join(',');
  const proc = spawn(findFfmpeg().path, ['-v', 'error', '-rtsp_transport', 'tcp', ...(skip ? ['-skip_frame', skip] : []), '-i', url, '-map', '0:v:0', '-vf', vf, '-pix_fmt', 'rgb24', '-f', 'rawvideo', '-y', '/dev/null'], { stdio: 'ignore' });
  await sleep(4000);
  const cpu = (await measureCpu([proc.pid!], WINDOW)).get(proc.pid!) ?? NaN;
  proc.kill('SIGKILL');
  return round(cpu);
}
note('bare decodes');
const decode = {
  main720pFullDecodePct: await bareDecode(mainUrl, undefined, 640),
  main720pNorefPct: await bareDecode(mainUrl, 'noref', 640),
  main720pKeyframesAt1fpsPct: await bareDecode(mainUrl, 'nokey', 640, 1),
  main720pFullDecodeAt1fpsPct: await bareDecode(mainUrl, undefined, 640, 1),
  sub360pPct: await bareDecode(subUrl, 'noref', undefined),
};

note('bare session.run at 2 fps');
async function bareRunPct(path: string): Promise<number> {
  const model = await loadModel(path, { intraOpNumThreads: 1 });
  const lb = new Letterboxer(model.input.width, model.input.height).fit(frame);
  for (let i = 0; i < 5; i++) await model.run(lb.tensor);
  // CPU time of 40 back-to-back runs, spread over the 2 fps budget: the share of a core per camera.
  const { pct, ms } = await ownCpu(async () => {
    for (let i = 0; i < 40; i++) await model.run(lb.tensor);
  });
  await model.release();
  return round((pct * (ms / 40 / 1000)) * FPS);
}
const sessionRunAt2fpsPct = await bareRunPct(models['bench-yolov8n-320.onnx']);

mainSim.kill();
subSim.kill();

// ---- pipeline / bare session.run
note('pipeline / session.run');
const ratios: Record<string, unknown> = {};
for (const [name, file] of [['bench-320', 'bench-yolov8n-320.onnx'], ['bench-640', 'bench-yolov8n-640.onnx'], ['bench-320-dynamic', 'bench-yolov8n-320-dynamic.onnx'], ['bench-640-dynamic', 'bench-yolov8n-640-dynamic.onnx']] as const) {
  const model = await loadModel(models[file], { intraOpNumThreads: 2 });
  const lb = new Letterboxer(model.input.width, model.input.height).fit(frame);
  const detector = new ChannelDetector({ channelId: 'b', model, rules: [], minScore: 0.25, iouThreshold: 0.45, tracker });
  let n = 0;
  // Alternated run by run, so a change in the machine's load weighs on both alike.
  const run: number[] = [];
  const pipeline: number[] = [];
  for (let i = 0; i < 5; i++) await detector.process({ ...frame, ts: ++n * 500 });
  for (let i = 0; i < 80; i++) {
    run.push(...(await timeIt(1, () => model.run(lb.tensor), 0)));
    pipeline.push(...(await timeIt(1, () => detector.process({ ...frame, ts: ++n * 500 }), 0)));
  }
  ratios[name] = { sessionRunMsP50: round(percentile(run, 50), 1), pipelineMsP50: round(percentile(pipeline, 50), 1), ratio: round(percentile(pipeline, 50) / percentile(run, 50)) };
  await model.release();
}

// ---- frames per second at 320
note('throughput at 320');
async function framesPerSecond(loop: (until: number) => Promise<number>): Promise<number> {
  const until = Date.now() + 10_000;
  const t0 = Date.now();
  const frames = await loop(until);
  return round(frames / ((Date.now() - t0) / 1000), 1);
}
const tensor320 = new Letterboxer(320, 320).fit(frame).tensor;
async function bareLoop(threads: number): Promise<number> {
  const model = await loadModel(models['bench-yolov8n-320.onnx'], { intraOpNumThreads: threads });
  const fps = await framesPerSecond(async (until) => {
    let n = 0;
    while (Date.now() < until) { await model.run(tensor320); n++; }
    return n;
  });
  await model.release();
  return fps;
}
/** The gateway's path: 8 channels through the scheduler, `concurrency` runs in flight on one model (its sessions in `workers` threads, or one on this thread). */
async function pipelineParallel(concurrency: number, threads: number, workers = 0): Promise<number> {
  const model: Model = await loadModel(models['bench-yolov8n-320.onnx'], { intraOpNumThreads: threads, workers });
  const scheduler = new DetectionScheduler<RawFrame>(concurrency, () => undefined);
  const detectors = Array.from({ length: 8 }, (_, i) => new ChannelDetector({ channelId: `c${i}`, model, rules: [], minScore: 0.25, iouThreshold: 0.45, tracker }));
  const fps = await framesPerSecond(async (until) => {
    while (Date.now() < until) {
      detectors.forEach((d, i) => scheduler.submit(`c${i}`, { ...frame, ts: Date.now() }, (f) => d.process(f).then(() => undefined)));
      await sleep(5);
    }
    await sleep(300);
    return detectors.reduce((n, _, i) => n + scheduler.stats(`c${i}`).processed, 0);
  });
  await model.release();
  return fps;
}
/** Frames of `batch` channels in one run of the dynamic-batch export (bare, to see whether batching pays at all). */
async function batched(batch: number, threads: number): Promise<number> {
  const session = await ort.InferenceSession.create(models['bench-yolov8n-320-dynamic.onnx'], { intraOpNumThreads: threads });
  const data = new Float32Array(batch * tensor320.length);
  for (let b = 0; b < batch; b++) data.set(tensor320, b * tensor320.length);
  const feed = { images: new ort.Tensor('float32', data, [batch, 3, 320, 320]) };
  for (let i = 0; i < 3; i++) await session.run(feed);
  const fps = await framesPerSecond(async (until) => {
    let n = 0;
    while (Date.now() < until) { await session.run(feed); n += batch; }
    return n;
  });
  await session.release();
  return fps;
}
const throughput = {
  bareOneSessionLoopThreads2: await bareLoop(2),
  bareOneSessionLoopThreads1: await bareLoop(1),
  pipelineMainThreadConcurrency1Threads2: await pipelineParallel(1, 2),
  pipelineMainThreadConcurrency2Threads1: await pipelineParallel(2, 1),
  // the gateway's default on this machine: inferenceThreads auto (one per core), intraOpThreads 1
  pipelineWorkers2Concurrency2Threads1: await pipelineParallel(2, 1, 2),
  bareBatch4Threads2: await batched(4, 2),
  bareBatch4Threads1: await batched(4, 1),
};
// The better of the two bare one-session loops is the baseline.
const bare1 = Math.max(throughput.bareOneSessionLoopThreads2, throughput.bareOneSessionLoopThreads1);

// ---- alarm latency with 16 channels
note(`alarm latency, 16 channels, ${LATENCY_SECONDS} s`);
const { startTestGateway } = await import('../test/helpers/gateway.ts');
const { CLIP_DIR } = await import('../test/helpers/video.ts');
const { startCameraSimulator } = await import('../test/sim/camera-sim.ts');
const sim = await startCameraSimulator({ clipDir: CLIP_DIR, streams: [{ path: 'red', clip: 'red-square-360p' }] });
await sim.waitReady('red', 90_000);
const rule = { name: 'zone', classes: ['person'], minScore: 0.5, zone: { name: 'right', polygon: [[0.5, 0], [1, 0], [1, 1], [0.5, 1]] }, cooldownSeconds: 0, incidentType: 'intrusion', severity: 'major' };
const latencyConfig = join(CLIP_DIR, `bench-detection-cost-${process.pid}.json`);
writeFileSync(latencyConfig, JSON.stringify({ detection: { enabled: true, concurrency: 'auto', inferenceThreads: 'auto', generateTestModels: false,
  models: { test: { path: models['test-detector-yolov8-320.onnx'], intraOpThreads: 1 }, load: { path: models['bench-yolov8n-320.onnx'], intraOpThreads: 1 } },
  profiles: { alarm: { model: 'test', fps: FPS, rules: [rule] }, load: { model: 'load', fps: FPS, motion: { enabled: false }, rules: [] } } } }));
const t = await startTestGateway({ argv: ['--config', latencyConfig, '--video.enabled', 'true', '--video.rtmp.port', '0', '--video.startStaggerMs', '0', '--log.level', 'warn'] });
for (let i = 0; i < 16; i++) {
  await t.gw.service.create('channels', { id: `c${i}`, name: `c${i}`, kind: 'rtsp', source: { url: sim.url('red') }, detectionProfile: i < 8 ? 'alarm' : 'load' }, actor);
}
await sleep(LATENCY_SECONDS * 1000);
const runners = t.gw.detection!.runners();
const latencies = runners.flatMap((r) => r.latencies);
const status = runners.map((r) => r.status());
await t.stop();
await sim.stop();

const best = Math.max(throughput.pipelineMainThreadConcurrency1Threads2, throughput.pipelineMainThreadConcurrency2Threads1, throughput.pipelineWorkers2Concurrency2Threads1);
process.stdout.write(`${JSON.stringify({
  benchmark: 'detection-cost',
  machine: '2 cores, shared',
  source: '720p25 H.264 (h264-720p clip, GOP 1 s) over RTSP; sub-stream 360p25 of the same scene; simulators in their own processes',
  model: 'bench-yolov8n at 320 (YOLOv8n shapes; in the gateway: inferenceThreads auto = one worker thread per core, each session 1 intra-op thread, no spinning), motion gate off (every sampled frame inferred)',
  floor: {
    bareDecode720pAt2fpsPct: decode.main720pFullDecodePct,
    bareSessionRunAt2fpsPct: sessionRunAt2fpsPct,
    totalPct: round(decode.main720pFullDecodePct + sessionRunAt2fpsPct),
    bareDecode360pSubAt2fpsPct: decode.sub360pPct,
    totalWithSubPct: round(decode.sub360pPct + sessionRunAt2fpsPct),
  },
  decoderSkips: decode,
  perCameraAt2fps: { channels: CHANNELS, windowSeconds: WINDOW, ...perCameraCpu },
  pipelineToSessionRun: ratios,
  framesPerSecond320: { ...throughput, bestPipelineToBareLoop: round(best / bare1), batch4ToBareLoop: round(Math.max(throughput.bareBatch4Threads2, throughput.bareBatch4Threads1) / bare1) },
  alarmLatency: {
    channels: 16, fps: FPS, input: 320, seconds: LATENCY_SECONDS, samples: latencies.length,
    p50Ms: round(percentile(latencies, 50), 0), p95Ms: round(percentile(latencies, 95), 0), maxMs: round(Math.max(...latencies), 0), meanMs: round(mean(latencies), 0),
    framesAnalysed: status.reduce((n, s) => n + s.inferred, 0), framesSkipped: status.reduce((n, s) => n + (s as unknown as { skipped: number }).skipped, 0),
  },
}, null, 2)}\n`);
process.exit(0);
