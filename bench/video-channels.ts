// Video ingest benchmark: per-channel CPU and memory of copy-mode channels
// against a bare `ffmpeg -c copy` RTSP→HLS remux of the same stream measured
// in the same run, time to first playlist, restart time
// after the source returns, and channels with the detection tap.
//   node --import tsx bench/video-channels.ts [--steps 10,25,50] [--window 15] [--detect 4]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { loadConfig } from '../gateway/config/load.ts';
import { createGateway, type RunningGateway } from '../gateway/gateway.ts';
import { findFfmpeg } from '../gateway/video/ffmpeg/locate.ts';
import { mean, measureCpu, percentile, round } from './proc.ts';
import { addChannels, measureChannels, waitUntil } from './channel-load.ts';
import { freePort, startSim } from './camera-sim.ts';

const { values } = parseArgs({ options: { steps: { type: 'string', default: '10,25,50' }, window: { type: 'string', default: '15' }, detect: { type: 'string', default: '4' } } });
const STEPS = values.steps.split(',').map(Number);
const WINDOW = Number(values.window);
const DETECT = Number(values.detect);
const actor = { keyId: null, name: 'bench', role: null };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const note = (line: string) => process.stderr.write(`bench: ${line}\n`);

async function bareRemux(url: string, withTap: boolean): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-bare-'));
  const tap = withTap ? ['-map', '0:v:0', '-vf', 'fps=2,scale=640:-2', '-pix_fmt', 'rgb24', '-f', 'rawvideo', '-y', '/dev/null'] : [];
  const proc = spawn(findFfmpeg().path, ['-v', 'error', '-rtsp_transport', 'tcp', '-i', url, '-map', '0:v:0', '-c', 'copy', '-f', 'hls', '-hls_time', '1', '-hls_list_size', '6', '-hls_flags', 'delete_segments', join(dir, 'index.m3u8'), ...tap], { stdio: 'ignore' });
  await sleep(5000);
  const cpu = (await measureCpu([proc.pid!], WINDOW)).get(proc.pid!) ?? NaN;
  proc.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  return cpu;
}

async function startGateway(dataDir: string, flv: boolean): Promise<RunningGateway> {
  const config = loadConfig({
    argv: ['--dataDir', dataDir, '--http.port', '0', '--sensors.enabled', 'false', '--gb28181.enabled', 'false', '--video.rtmp.port', '0', '--video.rtmp.enabled', String(flv), '--video.startStaggerMs', '50', '--log.level', 'warn'],
    env: {}, cwd: process.cwd(),
  });
  return createGateway(config, pino({ level: 'warn' }, pino.destination(2)), process.stderr);
}

const port = await freePort();
let sim = await startSim(port);
const url = `rtsp://127.0.0.1:${port}/cam`;
note(`simulator at ${url}`);

note('bare ffmpeg -c copy remux');
const bare = await bareRemux(url, false);
const bareTap = await bareRemux(url, true);

note('HLS-only channels (same outputs as the bare remux)');
const dirA = mkdtempSync(join(tmpdir(), 'bench-gw-a-'));
let gw = await startGateway(dirA, false);
await addChannels(gw, { from: 0, to: STEPS[0]!, prefix: 'cam-' }, url);
await sleep(5000);
const hlsOnly = await measureChannels(gw, { prefix: 'cam-', windowSeconds: WINDOW });
await gw.close();
rmSync(dirA, { recursive: true, force: true });

note('channels with HLS + low-latency FLV (the default)');
const dirB = mkdtempSync(join(tmpdir(), 'bench-gw-b-'));
gw = await startGateway(dirB, true);
const steps = [];
let count = 0;
let largestHolding = 0;
for (const n of STEPS) {
  const firstPlaylist = await addChannels(gw, { from: count, to: n, prefix: 'cam-' }, url);
  count = n;
  await sleep(5000);
  const m = await measureChannels(gw, { prefix: 'cam-', windowSeconds: WINDOW });
  steps.push({ ...m, firstPlaylistMeanSeconds: round(mean(firstPlaylist) / 1000), firstPlaylistP95Seconds: round(percentile(firstPlaylist, 95) / 1000) });
  note(`${n} channels: ${JSON.stringify(m)}`);
  if (!m.holds) break;
  largestHolding = n;
}

note('restart: the source goes away and comes back');
sim.kill('SIGKILL');
const ids = gw.video!.manager.allStatus().filter((s) => s.channelId.startsWith('cam-')).map((s) => s.channelId);
const allOffline = await waitUntil(() => ids.every((id) => gw.video!.manager.status(id)?.state !== 'online'), 60_000);
await sleep(2000);
sim = await startSim(port);
const returned = Date.now();
const backOnline: number[] = [];
await Promise.all(ids.map(async (id) => {
  const ms = await waitUntil(() => gw.video!.manager.status(id)?.state === 'online', 90_000);
  if (ms !== undefined) backOnline.push(Date.now() - returned);
}));

note('channels with the detection tap (decode at 2 fps)');
for (const id of ids) await gw.service.remove('channels', id, actor);
await sleep(3000);
await addChannels(gw, { from: 0, to: DETECT, prefix: 'det-' }, url, { detectionProfile: 'bench' });
await sleep(5000);
const detection = await measureChannels(gw, { prefix: 'det-', windowSeconds: WINDOW });
await gw.close();
sim.kill('SIGKILL');
rmSync(dirB, { recursive: true, force: true });

process.stdout.write(`${JSON.stringify({
  benchmark: 'video-channels',
  source: '720p25 H.264 test stream over RTSP (camera simulator, separate process)',
  windowSeconds: WINDOW,
  bareRemuxCpuPct: round(bare),
  bareRemuxWithTapCpuPct: round(bareTap),
  hlsOnly: { ...hlsOnly, ratioToBareRemux: round(hlsOnly.cpuPerChannelPct / bare) },
  hlsAndFlv: steps.map((s) => ({
    ...s,
    ratioToBareRemux: round(s.cpuPerChannelPct / bare),
    ratioToBareRemuxIncludingGatewayShare: round((s.cpuPerChannelPct + s.gatewayCpuPerChannelPct) / bare),
  })),
  largestNHolding: largestHolding,
  restart: {
    channels: ids.length,
    offlineAfterSourceLossSeconds: allOffline === undefined ? null : round(allOffline / 1000),
    backOnlineMeanSeconds: round(mean(backOnline) / 1000),
    backOnlineMaxSeconds: round(Math.max(...backOnline) / 1000),
    backOnlineCount: backOnline.length,
  },
  detection: { ...detection, ratioToBareRemuxWithTap: round(detection.cpuPerChannelPct / bareTap) },
}, null, 2)}\n`);
process.exit(0);
