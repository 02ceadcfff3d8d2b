// Recording playback benchmark (issue 18): one channel of the simulator's
// 720p25 stream recorded continuously (segmentSeconds 10, copy); beside it,
// footage an hour old: `--old` seconds of the same stream cut by ffmpeg's
// segmenter (copy) into the channel's day directories with start times
// `--age` seconds back, which the gateway adopts at its restart (start-up
// reconciliation, the product's own path), with the page cache dropped when
// the machine allows (root). For both: playback start (the API request to
// the first frame decoded in Chromium with hls.js) and seek time (set
// currentTime to a position not buffered → the first frame there); and the
// export of the old range as one MP4 (no re-encode). Targets: playback start
// < 1.5 s, seek < 1 s, a 5-minute export < 5 s.
//   node --import tsx bench/recording-playback.ts [--record 40] [--old 300] [--age 3600] [--runs 5]
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parseArgs, promisify } from 'node:util';
import { pino } from 'pino';
import { loadConfig } from '../gateway/config/load.ts';
import { createGateway, type RunningGateway } from '../gateway/gateway.ts';
import { dayOf } from '../gateway/recording/paths.ts';
import { findFfmpeg } from '../gateway/video/ffmpeg/locate.ts';
import { launchBrowser } from '../test/helpers/browser.ts';
import { ensureClip } from '../test/sim/clips.ts';
import { mean, percentile, round } from './proc.ts';
import { freePort, startSim } from './camera-sim.ts';

const { values } = parseArgs({ options: {
  record: { type: 'string', default: '40' }, old: { type: 'string', default: '300' }, age: { type: 'string', default: '3600' }, runs: { type: 'string', default: '5' },
} });
const RECORD_S = Number(values.record);
const OLD_S = Number(values.old);
const AGE_S = Number(values.age);
const RUNS = Number(values.runs);
const SEGMENT_SECONDS = 10;
const actor = { keyId: null, name: 'bench', role: null };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const note = (line: string) => process.stderr.write(`bench: ${line}\n`);
const run = promisify(execFile);

/** `seconds` of the simulator's clip as 10 s MPEG-TS segments (copy) in the channel's day directories, ending `ageSeconds` ago. */
async function writeOldFootage(channelDir: string, seconds: number, ageSeconds: number): Promise<{ fromMs: number; toMs: number; files: number }> {
  const clip = await ensureClip('h264-720p', join(tmpdir(), 'city-gw-sim-clips'));
  const work = mkdtempSync(join(tmpdir(), 'bench-old-footage-'));
  await run(findFfmpeg().path, ['-v', 'error', '-stream_loop', '-1', '-i', clip, '-t', String(seconds), '-map', '0:v:0', '-c', 'copy',
    '-f', 'segment', '-segment_time', String(SEGMENT_SECONDS), '-segment_format', 'mpegts', '-segment_list', join(work, 'list.csv'), '-segment_list_type', 'csv', join(work, '%d.ts')]);
  const base = Date.now() - ageSeconds * 1000 - seconds * 1000;
  const lines = readFileSync(join(work, 'list.csv'), 'utf8').trim().split('\n');
  for (const line of lines) {
    const [name, start] = line.split(',');
    const startMs = base + Math.round(Number(start) * 1000);
    const day = join(channelDir, dayOf(startMs));
    mkdirSync(day, { recursive: true });
    renameSync(join(work, name!), join(day, `${startMs}.ts`));
  }
  rmSync(work, { recursive: true, force: true });
  return { fromMs: base, toMs: base + seconds * 1000, files: lines.length };
}

async function dropPageCache(): Promise<boolean> {
  try {
    await run('sync');
    writeFileSync('/proc/sys/vm/drop_caches', '1');
    return true;
  } catch {
    return false; // not root, or a container that forbids it: the old files may still be cached
  }
}

const port = await freePort();
const sim = await startSim(port);
const dataDir = mkdtempSync(join(tmpdir(), 'bench-playback-'));
async function startGateway(): Promise<{ gw: RunningGateway; base: string }> {
  const config = loadConfig({
    argv: ['--dataDir', dataDir, '--http.port', '0', '--sensors.enabled', 'false', '--gb28181.enabled', 'false', '--video.rtmp.port', '0', '--log.level', 'warn', '--recording.segmentSeconds', String(SEGMENT_SECONDS), '--recording.exports.maxSeconds', String(Math.max(600, OLD_S + 60))],
    env: {}, cwd: process.cwd(),
  });
  // The first-start banner (an admin key for this throwaway data dir) is not printed.
  const gw = await createGateway(config, pino({ level: 'warn' }, pino.destination(2)), new PassThrough().resume());
  return { gw, base: await gw.app.listen({ port: 0, host: '127.0.0.1' }) };
}

let { gw, base } = await startGateway();
const key = (await gw.keys.create({ name: 'bench', role: 'dispatcher' }, actor)).secret;
await gw.service.create('channels', { id: 'cam', name: 'cam', kind: 'rtsp', source: { url: `rtsp://127.0.0.1:${port}/cam` }, recording: { mode: 'continuous' } }, actor);
note(`recording ${RECORD_S} s of 720p25`);
const lastEnd = async () => (await gw.recording!.index.lastEnd('cam')) ?? 0;
while ((await lastEnd()) === 0) await sleep(500);
const { segments: firstSegs } = await gw.recording!.index.segments('cam', 0, Date.now() + 1);
const recStart = firstSegs[0]!.startMs;
while ((await lastEnd()) < recStart + RECORD_S * 1000) await sleep(1000);
const recent = { from: recStart + 1000, to: await lastEnd() };

note(`footage ${AGE_S} s old: ${OLD_S} s written beside the channel's own, adopted at a restart`);
const channelDir = gw.recording!.paths.channelDir('cam');
await gw.close();
const old = await writeOldFootage(channelDir, OLD_S, AGE_S);
({ gw, base } = await startGateway());
const adopted = (await gw.recording!.index.segments('cam', old.fromMs, old.toMs)).segments.length;
note(`adopted ${adopted} of ${old.files} old segments`);
const coldCache = await dropPageCache();

// Playback start and seek in Chromium (hls.js from node_modules), on the gateway's origin.
const browser = await launchBrowser();
const page = await browser.newPage();
const hlsJs = readFileSync(join(process.cwd(), 'node_modules', 'hls.js', 'dist', 'hls.min.js'));
// The measuring code lives in the page as plain script (tsx would rename functions passed to page.evaluate).
const MEASURE = `
window.measure = async ({ from, to, key, seekTo }) => {
  const firstFrame = (v) => new Promise((res) => v.requestVideoFrameCallback(() => res()));
  const t0 = performance.now();
  const answer = await (await fetch('/api/channels/cam/play/recording?from=' + from + '&to=' + to, { headers: { authorization: 'Bearer ' + key } })).json();
  const v = document.createElement('video');
  v.muted = true;
  document.body.append(v);
  // A short buffer ahead and none behind: a seek lands where nothing is buffered, as on a long recording.
  const hls = new Hls({ maxBufferLength: 6, maxMaxBufferLength: 8, backBufferLength: 0 });
  hls.loadSource(answer.hls);
  hls.attachMedia(v);
  v.play();
  await firstFrame(v);
  const start = performance.now() - t0;
  const seeks = [];
  for (const at of seekTo) {
    const buffered = Array.from({ length: v.buffered.length }, (_, i) => [v.buffered.start(i), v.buffered.end(i)]).some(([a, b]) => at >= a && at <= b);
    const s0 = performance.now();
    const seeked = new Promise((res) => v.addEventListener('seeked', () => res(), { once: true }));
    v.currentTime = at;
    await seeked;
    await firstFrame(v);
    seeks.push({ to: at, ms: performance.now() - s0, buffered });
  }
  hls.destroy();
  v.remove();
  return { start, seeks };
};`;
await page.route(`${base}/__bench/**`, (route) => route.request().url().endsWith('hls.js')
  ? route.fulfill({ contentType: 'text/javascript', body: hlsJs })
  : route.fulfill({ contentType: 'text/html', body: `<!doctype html><body><script src="/__bench/hls.js"></script><script>${MEASURE}</script></body>` }));
await page.goto(`${base}/__bench/page.html`);
type Measured = { start: number; seeks: Array<{ to: number; ms: number; buffered: boolean }> };
const measure = (args: { from: number; to: number; key: string; seekTo: number[] }) =>
  page.evaluate((a) => (window as unknown as { measure: (x: typeof a) => Promise<Measured> }).measure(a), args);
const stats = (xs: number[], target: number) => ({ median: round(percentile(xs, 50), 0), p95: round(percentile(xs, 95), 0), n: xs.length, target, meetsTarget: percentile(xs, 50) < target });

/** Playback start and seeks over a range, RUNS times; `cold`: the page cache dropped before each run. */
async function playback(range: { from: number; to: number }, cold: boolean) {
  const span = (range.to - range.from) / 1000;
  const starts: number[] = [];
  const seeks: number[] = [];
  let seekBuffered = 0;
  for (let i = 0; i < RUNS; i++) {
    if (cold) await dropPageCache();
    const r = await measure({ ...range, key, seekTo: [span * 0.75, span * 0.25, span * 0.9].map((x) => Math.round(x)) });
    starts.push(r.start);
    for (const s of r.seeks) {
      seeks.push(s.ms);
      if (s.buffered) seekBuffered++;
    }
    note(`run ${i + 1}: start ${round(r.start, 0)} ms, seeks ${r.seeks.map((s) => `${round(s.ms, 0)} ms${s.buffered ? ' (buffered)' : ''}`).join(', ')}`);
  }
  return {
    footageAgeSeconds: round((Date.now() - range.from) / 1000, 0), spanSeconds: round(span, 1),
    playbackStartMs: stats(starts, 1500), seekMs: { ...stats(seeks, 1000), toBufferedPosition: seekBuffered },
  };
}

note('recent footage');
const recentFigures = await playback(recent, false);
note(`footage ${AGE_S} s old${coldCache ? ', page cache dropped before each run' : ''}`);
const oldRange = { from: old.fromMs + 1000, to: old.toMs - 1000 };
const oldFigures = await playback(oldRange, coldCache);
await browser.close();

// Export of the old range (OLD_S − 2 s: the default is 5 minutes less 2 s).
const exportsMs: number[] = [];
let exportInfo: Record<string, unknown> = {};
for (let i = 0; i < Math.min(RUNS, 3); i++) {
  if (coldCache) await dropPageCache();
  const t0 = Date.now();
  const posted = await fetch(`${base}/api/channels/cam/exports`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(oldRange) });
  const job = await posted.json() as { id: string; actualFrom: string };
  let state = '';
  let bytes = 0;
  while (state !== 'done') {
    const j = await (await fetch(`${base}/api/exports/${job.id}`, { headers: { authorization: `Bearer ${key}` } })).json() as { state: string; bytes: number };
    if (j.state === 'failed') throw new Error('export failed');
    state = j.state;
    bytes = j.bytes;
    if (state !== 'done') await sleep(50);
  }
  exportsMs.push(Date.now() - t0);
  const file = join(dataDir, 'bench-export.mp4');
  writeFileSync(file, Buffer.from(await (await fetch(`${base}/api/exports/${job.id}/download`, { headers: { authorization: `Bearer ${key}` } })).arrayBuffer()));
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]);
  exportInfo = { mediaSeconds: round(Number(stdout.trim()), 2), bytes, actualFrom: job.actualFrom, askedFrom: new Date(oldRange.from).toISOString() };
  note(`export ${i + 1}: ${exportsMs.at(-1)} ms`);
}
await gw.close();
sim.kill('SIGKILL');
rmSync(dataDir, { recursive: true, force: true });

const exportSeconds = (oldRange.to - oldRange.from) / 1000;
process.stdout.write(`${JSON.stringify({
  benchmark: 'recording-playback',
  command: `node --import tsx bench/recording-playback.ts --record ${RECORD_S} --old ${OLD_S} --age ${AGE_S} --runs ${RUNS}`,
  source: '720p25 H.264 test stream (camera simulator over RTSP for the recent footage; the same clip cut by ffmpeg for the old), segmentSeconds 10, MPEG-TS copy',
  pageCacheDroppedForOldFootage: coldCache,
  oldSegmentsAdopted: adopted,
  recent: recentFigures,
  hourOld: oldFigures,
  // The target is for 5 minutes: with a shorter --old the time is scaled (concat -c copy is linear in bytes).
  export: { median: round(percentile(exportsMs, 50), 0), n: exportsMs.length, seconds: round(exportSeconds, 1), ...exportInfo,
    fiveMinutesMs: round((mean(exportsMs) / exportSeconds) * 300, 0), scaled: exportSeconds < 295, target: 5000, meetsTarget: (mean(exportsMs) / exportSeconds) * 300 < 5000 },
}, null, 2)}\n`);
process.exit(0);
