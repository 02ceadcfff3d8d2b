// Recording capacity (issue 18): the largest number of channels that hold on
// this machine live only (HLS + FLV) and live + continuous recording, in one
// run, with the camera simulator on the same cores. Each mode gets a fresh
// gateway and grows through the steps until a step does not hold: every
// channel online, its newest HLS segment under 3 s old, no restart during the
// window and, with recording, every channel's newest indexed segment ended
// within 3 × segmentSeconds. Target: live + recording holds at least the 50
// channels that hold live only.
//   node --import tsx bench/recording-capacity.ts [--steps 25,50,60,70] [--window 20]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { loadConfig } from '../gateway/config/load.ts';
import { createGateway, type RunningGateway } from '../gateway/gateway.ts';
import { mean, percentile, round } from './proc.ts';
import { freePort, startSim } from './camera-sim.ts';
import { addChannels, measureChannels } from './channel-load.ts';

const { values } = parseArgs({ options: { steps: { type: 'string', default: '25,50,60,70' }, window: { type: 'string', default: '20' } } });
const STEPS = values.steps.split(',').map(Number);
const WINDOW = Number(values.window);
const SEGMENT_SECONDS = 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const note = (line: string) => process.stderr.write(`bench: ${line}\n`);

async function startGateway(dataDir: string): Promise<RunningGateway> {
  const config = loadConfig({
    argv: ['--dataDir', dataDir, '--http.port', '0', '--sensors.enabled', 'false', '--gb28181.enabled', 'false', '--video.rtmp.port', '0',
      '--video.startStaggerMs', '50', '--log.level', 'warn', '--recording.segmentSeconds', String(SEGMENT_SECONDS)],
    env: {}, cwd: process.cwd(),
  });
  return createGateway(config, pino({ level: 'warn' }, pino.destination(2)), process.stderr);
}

async function grow(url: string, recording: 'off' | 'continuous') {
  const dir = mkdtempSync(join(tmpdir(), `bench-cap-${recording}-`));
  const gw = await startGateway(dir);
  const steps = [];
  let count = 0;
  let largestHolding = 0;
  for (const n of STEPS) {
    const firstPlaylist = await addChannels(gw, { from: count, to: n, prefix: 'cam-' }, url, { recording: { mode: recording } });
    count = n;
    // With recording, wait for every channel's first segment to close before the window.
    await sleep(recording === 'off' ? 5000 : (SEGMENT_SECONDS + 5) * 1000);
    const m = await measureChannels(gw, { prefix: 'cam-', windowSeconds: WINDOW, ...(recording === 'off' ? {} : { recordingFreshSeconds: 3 * SEGMENT_SECONDS }) });
    steps.push({ ...m, firstPlaylistMeanSeconds: round(mean(firstPlaylist) / 1000), firstPlaylistP95Seconds: round(percentile(firstPlaylist, 95) / 1000) });
    note(`${recording === 'off' ? 'live only' : 'live + recording'}, ${n} channels: ${JSON.stringify(m)}`);
    if (!m.holds) break;
    largestHolding = n;
  }
  await gw.close();
  rmSync(dir, { recursive: true, force: true });
  return { steps, largestNHolding: largestHolding };
}

const port = await freePort();
const sim = await startSim(port);
const url = `rtsp://127.0.0.1:${port}/cam`;
note(`simulator at ${url}; steps ${STEPS.join(', ')}, ${WINDOW} s windows`);
const liveOnly = await grow(url, 'off');
const liveAndRecording = await grow(url, 'continuous');
sim.kill('SIGKILL');

process.stdout.write(`${JSON.stringify({
  benchmark: 'recording-capacity',
  command: `node --import tsx bench/recording-capacity.ts --steps ${STEPS.join(',')} --window ${WINDOW}`,
  source: '720p25 H.264 test stream over RTSP (camera simulator, separate process on the same cores), segmentSeconds 10, copy',
  holdsMeans: 'every channel online, newest HLS segment < 3 s old, no restart in the window; with recording also newest indexed segment ended < 30 s ago',
  liveOnly,
  liveAndRecording,
  target: { liveAndRecordingAtLeast: 50, meetsTarget: liveAndRecording.largestNHolding >= 50 },
}, null, 2)}\n`);
process.exit(0);
