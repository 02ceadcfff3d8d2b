// Recording benchmark (issue 18): N channels of the simulator's 720p25 stream,
// in one run: CPU per channel live-only (HLS + FLV), live + continuous
// recording (a third tee output, copy), and a bare `ffmpeg -c copy -f segment`
// of the same stream; the disk write rate per channel; the index insert cost.
// Target: recording adds ≤ 10 % to a channel's CPU.
//   node --import tsx bench/recording.ts [--channels 10] [--window 20]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { loadConfig } from '../gateway/config/load.ts';
import { createGateway, type RunningGateway } from '../gateway/gateway.ts';
import { openSqliteIndex } from '../gateway/recording/store/sqlite-index.ts';
import { findFfmpeg } from '../gateway/video/ffmpeg/locate.ts';
import { mean, measureCpu, percentile, round } from './proc.ts';
import { freePort, startSim } from './camera-sim.ts';

const { values } = parseArgs({ options: { channels: { type: 'string', default: '10' }, window: { type: 'string', default: '20' } } });
const N = Number(values.channels);
const WINDOW = Number(values.window);
const SEGMENT_SECONDS = 10;
const actor = { keyId: null, name: 'bench', role: null };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const note = (line: string) => process.stderr.write(`bench: ${line}\n`);

async function bareSegmenters(url: string): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-rec-bare-'));
  const procs = Array.from({ length: N }, (_, i) => spawn(findFfmpeg().path, [
    '-v', 'error', '-rtsp_transport', 'tcp', '-i', url, '-map', '0:v:0', '-c', 'copy',
    '-f', 'segment', '-segment_time', String(SEGMENT_SECONDS), '-segment_format', 'mpegts', join(dir, `${i}-%d.ts`),
  ], { stdio: 'ignore' }));
  await sleep(5000);
  const cpu = [...(await measureCpu(procs.map((p) => p.pid!), WINDOW)).values()];
  for (const p of procs) p.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  return cpu;
}

async function startGateway(dataDir: string): Promise<RunningGateway> {
  const config = loadConfig({
    argv: [
      '--dataDir', dataDir, '--http.port', '0', '--sensors.enabled', 'false', '--gb28181.enabled', 'false', '--video.rtmp.port', '0', '--video.startStaggerMs', '50', '--log.level', 'warn',
      '--recording.segmentSeconds', String(SEGMENT_SECONDS),
    ],
    env: {}, cwd: process.cwd(),
  });
  return createGateway(config, pino({ level: 'warn' }, pino.destination(2)), process.stderr);
}

/** Sets every channel's recording policy and waits until each runs (again) with it and has closed a segment's worth. */
async function setRecording(gw: RunningGateway, mode: 'off' | 'continuous') {
  for (let i = 0; i < N; i++) await gw.service.update('channels', `cam-${i}`, { recording: { mode } }, actor);
  const deadline = Date.now() + 90_000;
  const ready = () => gw.video!.manager.allStatus().every((s) => s.state === 'online' && (mode === 'off') === !(s as { recording?: unknown }).recording);
  while (Date.now() < deadline && !ready()) await sleep(500);
  await sleep((SEGMENT_SECONDS + 3) * 1000);
}

async function measure(gw: RunningGateway, record: boolean) {
  const pids = gw.video!.manager.allStatus().map((s) => s.pid).filter((p): p is number => p !== undefined);
  const bytesAt = async () => {
    const t = await gw.recording!.index.totals('local', Date.now());
    return t.continuous.bytes + t.events.bytes;
  };
  const bytesBefore = await bytesAt();
  const gwBefore = process.cpuUsage();
  const t0 = Date.now();
  const cpu = [...(await measureCpu(pids, WINDOW)).values()];
  const elapsed = (Date.now() - t0) / 1000;
  const gwUse = process.cpuUsage(gwBefore);
  const gwCpu = ((gwUse.user + gwUse.system) / 1e6 / elapsed) * 100;
  const written = (await bytesAt()) - bytesBefore;
  const online = gw.video!.manager.allStatus().filter((s) => s.state === 'online').length;
  return {
    channels: N, online,
    ffmpegCpuPerChannelPct: round(mean(cpu)), ffmpegCpuPerChannelP95Pct: round(percentile(cpu, 95)),
    gatewayProcessCpuPerChannelPct: round(gwCpu / N),
    ...(record ? { indexedBytesPerChannelPerSecond: round(written / N / elapsed, 0) } : {}),
  };
}

async function indexInsertCost() {
  const dir = mkdtempSync(join(tmpdir(), 'bench-rec-index-'));
  const index = openSqliteIndex(join(dir, 'recordings.db'));
  const count = 5000;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const startMs = 1_800_000_000_000 + i * 10_000;
    await index.addSegment({ channelId: `cam-${i % 50}`, startMs, endMs: startMs + 10_000, bytes: 2_500_000, path: `cam-${i % 50}/2027-01-15/${startMs}.ts`, nodeId: 'local', keyframeFirst: true, class: 'continuous', source: 'gateway' });
  }
  const perInsertUs = Number(process.hrtime.bigint() - t0) / 1000 / count;
  await index.close();
  rmSync(dir, { recursive: true, force: true });
  return { engine: 'sqlite', inserts: count, perInsertMicroseconds: round(perInsertUs, 1) };
}

const port = await freePort();
const sim = await startSim(port);
const url = `rtsp://127.0.0.1:${port}/cam`;
note(`simulator at ${url}; ${N} channels, ${WINDOW} s windows`);
note('bare ffmpeg -c copy -f segment');
const bare = await bareSegmenters(url);
// One gateway, the same channels: live only, then recording, then live only again (the two live-only windows are
// averaged, so a process that grows busier over time does not count against recording).
const dir = mkdtempSync(join(tmpdir(), 'bench-rec-'));
const gw = await startGateway(dir);
for (let i = 0; i < N; i++) await gw.service.create('channels', { id: `cam-${i}`, name: `cam ${i}`, kind: 'rtsp', source: { url }, mode: 'always-on', recording: { mode: 'off' } }, actor);
await setRecording(gw, 'off');
note('live only (HLS + FLV)');
const live1 = await measure(gw, false);
note(JSON.stringify(live1));
note('live + continuous recording');
await setRecording(gw, 'continuous');
const liveRec = await measure(gw, true);
note(JSON.stringify(liveRec));
note('live only again');
await setRecording(gw, 'off');
const live2 = await measure(gw, false);
note(JSON.stringify(live2));
await gw.close();
rmSync(dir, { recursive: true, force: true });
const liveOnly = {
  channels: N, online: Math.min(live1.online, live2.online),
  ffmpegCpuPerChannelPct: round((live1.ffmpegCpuPerChannelPct + live2.ffmpegCpuPerChannelPct) / 2),
  gatewayProcessCpuPerChannelPct: round((live1.gatewayProcessCpuPerChannelPct + live2.gatewayProcessCpuPerChannelPct) / 2),
  windows: [live1, live2],
};
const index = await indexInsertCost();
sim.kill('SIGKILL');

const perChannel = (r: { ffmpegCpuPerChannelPct: number; gatewayProcessCpuPerChannelPct: number }) => r.ffmpegCpuPerChannelPct + r.gatewayProcessCpuPerChannelPct;
const addedPct = ((perChannel(liveRec) - perChannel(liveOnly)) / perChannel(liveOnly)) * 100;
process.stdout.write(`${JSON.stringify({
  benchmark: 'recording',
  command: `node --import tsx bench/recording.ts --channels ${N} --window ${WINDOW}`,
  source: '720p25 H.264 test stream over RTSP (camera simulator, separate process), segmentSeconds 10, copy',
  bareSegmentCpuPerChannelPct: round(mean(bare)),
  liveOnly,
  liveAndRecording: liveRec,
  recordingAddsToChannelCpuPct: round(addedPct, 1),
  targetAtMostPct: 10,
  meetsTarget: addedPct <= 10,
  diskWriteBytesPerChannelPerSecond: liveRec.indexedBytesPerChannelPerSecond,
  index,
}, null, 2)}\n`);
process.exit(0);
