// Detection benchmark: the YOLOv8n-shaped benchmark model at 640 and 320 —
// bare session.run, the full per-frame pipeline (letterbox + run + decode +
// NMS) and their ratio, detections per second on this machine — and the
// alarm latency from frame capture to incident candidate with 8 channels.
//   node --import tsx bench/detection.ts [--seconds 40]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ChannelDetector, DetectionScheduler, letterbox, loadModel, type RawFrame } from '../detectors/index.ts';
import { ensureModels } from '../detectors/tools/generate-models.ts';
import { startTestGateway } from '../test/helpers/gateway.ts';
import { CLIP_DIR } from '../test/helpers/video.ts';
import { startCameraSimulator } from '../test/sim/camera-sim.ts';
import { mean, percentile, round, timeIt } from './proc.ts';
import { structuredFrame } from './test-frame.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '40' }, runs: { type: 'string', default: '40' } } });
const SECONDS = Number(values.seconds);
const RUNS = Number(values.runs);
const note = (line: string) => process.stderr.write(`bench: ${line}\n`);
const models = await ensureModels();

const frame = structuredFrame();

const perSize: Record<string, unknown> = {};
for (const size of [640, 320] as const) {
  note(`bench model at ${size}`);
  const model = await loadModel(models[`bench-yolov8n-${size}.onnx`], { name: `bench-${size}`, intraOpNumThreads: 2 });
  const lb = await letterbox(frame, size, size);
  const run = await timeIt(RUNS, () => model.run(lb.tensor));
  const detector = new ChannelDetector({ channelId: 'b', model, rules: [], minScore: 0.25, iouThreshold: 0.45, tracker: { minHits: 2, minMedianScore: 0.5, maxMissed: 10, stationaryFrames: 20, stationaryPx: 3, matchIou: 0.2 } });
  let n = 0;
  const pipeline = await timeIt(RUNS, () => detector.process({ ...frame, ts: ++n * 500 }));
  // With video.tapWidth set to the model's input width ffmpeg already delivers frames at the model's scale.
  const small: RawFrame = { width: size, height: (size * 9) / 16, ts: 0, data: Buffer.alloc(size * ((size * 9) / 16) * 3, 90) };
  const atModelScale = await timeIt(RUNS, () => detector.process({ ...small, ts: ++n * 500 }));
  perSize[size] = {
    sessionRunMs: { p50: round(percentile(run, 50), 1), mean: round(mean(run), 1) },
    pipelineMs: { p50: round(percentile(pipeline, 50), 1), mean: round(mean(pipeline), 1) },
    pipelineToRunRatio: round(percentile(pipeline, 50) / percentile(run, 50)),
    tapAtModelWidth: { pipelineMs: round(percentile(atModelScale, 50), 1), pipelineToRunRatio: round(percentile(atModelScale, 50) / percentile(run, 50)) },
  };
  await model.release();
}

// Throughput: 8 channels feeding frames as fast as the scheduler takes them.
async function throughput(size: 320 | 640, concurrency: number, threads: number): Promise<number> {
  const model = await loadModel(models[`bench-yolov8n-${size}.onnx`], { intraOpNumThreads: threads });
  const scheduler = new DetectionScheduler<RawFrame>(concurrency, () => undefined);
  const detectors = Array.from({ length: 8 }, (_, i) => new ChannelDetector({ channelId: `c${i}`, model, rules: [], minScore: 0.25, iouThreshold: 0.45, tracker: { minHits: 2, minMedianScore: 0.5, maxMissed: 10, stationaryFrames: 20, stationaryPx: 3, matchIou: 0.2 } }));
  const until = Date.now() + 10_000;
  while (Date.now() < until) {
    detectors.forEach((d, i) => scheduler.submit(`c${i}`, { ...frame, ts: Date.now() }, (f) => d.process(f).then(() => undefined)));
    await new Promise((r) => setTimeout(r, 5));
  }
  await new Promise((r) => setTimeout(r, 500));
  const processed = detectors.reduce((n, _, i) => n + scheduler.stats(`c${i}`).processed, 0);
  await model.release();
  return processed / 10;
}
note('throughput at 320');
const rate320 = {
  'concurrency1-threads2': round(await throughput(320, 1, 2), 1),
  'concurrency2-threads1': round(await throughput(320, 2, 1), 1),
  'concurrency2-threads2': round(await throughput(320, 2, 2), 1),
};

// Alarm latency: 8 channels of the simulator's red square at 2 fps and 320 input —
// 4 with the test detector and a zone rule (they raise alarms), 4 with the benchmark model (the load).
note(`alarm latency with 8 channels, ${SECONDS} s`);
const sim = await startCameraSimulator({ clipDir: CLIP_DIR, streams: [{ path: 'red', clip: 'red-square-360p' }] });
await sim.waitReady('red', 90_000);
const rule = { name: 'zone', classes: ['person'], minScore: 0.5, zone: { name: 'right', polygon: [[0.5, 0], [1, 0], [1, 1], [0.5, 1]] }, cooldownSeconds: 0, incidentType: 'intrusion', severity: 'major' };
const config = join(CLIP_DIR, `bench-detection-${process.pid}.json`);
writeFileSync(config, JSON.stringify({ detection: { enabled: true, concurrency: 1, generateTestModels: false,
  models: { test: { path: models['test-detector-yolov8-320.onnx'], intraOpThreads: 1 }, load: { path: models['bench-yolov8n-320.onnx'], intraOpThreads: 2 } },
  profiles: { alarm: { model: 'test', fps: 2, rules: [rule] }, load: { model: 'load', fps: 2, motion: { enabled: false }, rules: [] } } } }));
const t = await startTestGateway({ argv: ['--config', config, '--video.enabled', 'true', '--video.rtmp.port', '0', '--video.startStaggerMs', '0', '--log.level', 'warn'] });
for (let i = 0; i < 8; i++) {
  await t.gw.service.create('channels', { id: `c${i}`, name: `c${i}`, kind: 'rtsp', source: { url: sim.url('red') }, detectionProfile: i < 4 ? 'alarm' : 'load' }, { keyId: null, name: 'bench', role: null });
}
await new Promise((r) => setTimeout(r, SECONDS * 1000));
const runners = t.gw.detection!.runners();
const latencies = runners.flatMap((r) => r.latencies);
const status = runners.map((r) => r.status());
await t.stop();
await sim.stop();

process.stdout.write(`${JSON.stringify({
  benchmark: 'detection',
  model: 'bench-yolov8n (YOLOv8n input/output shapes, comparable compute, fixed pseudo-random weights)',
  frame: '640x360 RGB (the frame tap default)',
  bySize: perSize,
  detectionsPerSecond320: rate320,
  alarmLatency: {
    channels: 8, fps: 2, input: 320, seconds: SECONDS, samples: latencies.length,
    p50Ms: round(percentile(latencies, 50), 0), p95Ms: round(percentile(latencies, 95), 0), maxMs: round(Math.max(...latencies), 0),
    framesAnalysed: status.reduce((n, s) => n + s.inferred, 0), framesSkipped: status.reduce((n, s) => n + (s as unknown as { skipped: number }).skipped, 0),
  },
}, null, 2)}\n`);
process.exit(0);
