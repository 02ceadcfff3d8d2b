// What sub-streams save: a 16-tile wall in headless Chromium on the cameras'
// sub-streams (352x288), then the same wall on their main streams (1280x720),
// measured in one run against one gateway process. Per phase: CPU of the
// browser (every Chromium process this bench started) and of the gateway
// (its process and its ffmpeg children), as % of one core, the bytes the
// tiles received, and the sub/main ratios. The simulated cameras run inside
// this process and are not counted.
//   node --import tsx bench/wall-substreams.ts [--seconds 30] [--mode hls|flv]
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, openWall } from '../test/helpers/browser.ts';
import { spawnGateway } from '../test/helpers/process.ts';
import { CLIP_DIR } from '../test/helpers/video.ts';
import { startCameraSimulator } from '../test/sim/camera-sim.ts';
import { cpuSeconds, round } from './proc.ts';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const SECONDS = Number(arg('seconds', '30'));
const MODE = arg('mode', 'hls') as 'hls' | 'flv';
const TILES = 16;
const WARMUP_MS = 5000;

const sim = await startCameraSimulator({ clipDir: CLIP_DIR, streams: [{ path: 'main', clip: 'h264-720p' }, { path: 'sub', clip: 'h264-cif' }] });
await sim.waitReady('main', 120_000);
await sim.waitReady('sub', 120_000);

const dataDir = mkdtempSync(join(tmpdir(), 'gw-bench-sub-'));
const adminKey = `gwk_${randomBytes(24).toString('base64url')}`;
const gateway = spawnGateway([
  '--dataDir', dataDir, '--auth.adminKey', adminKey, '--http.port', '0', '--video.enabled', 'true', '--video.rtmp.port', '0',
  '--video.startStaggerMs', '0', '--video.onDemandIdleSeconds', '8', '--sensors.broker.port', '0', '--gb28181.port', '0',
  '--gb28181.media.portMin', '0', '--gb28181.media.portMax', '0', '--log.level', 'info', // info: listening() reads the "gateway listening" line
]);
const url = (await gateway.listening()).replace('0.0.0.0', '127.0.0.1');
const api = async <T = unknown>(path: string, method = 'GET', body?: unknown): Promise<T> => {
  const res = await fetch(url + path, { method, headers: { authorization: `Bearer ${adminKey}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
};
const ids = Array.from({ length: TILES }, (_, i) => `cam-sub-${String(i + 1).padStart(2, '0')}`);
for (const id of ids) {
  await api('/api/channels', 'POST', { id, name: id, kind: 'rtsp', mode: 'on-demand', source: { url: sim.url('main') }, subSource: { url: sim.url('sub') } });
}
const operatorKey = (await api<{ secret: string }>('/api/keys', 'POST', { name: 'bench operator', role: 'operator' })).secret;

const browser = await launchBrowser();
const page = await openWall(browser, url, operatorKey, '#/wall');
await page.waitForSelector(`[data-camera=${ids.at(-1)}]`, { timeout: 30_000 });
await page.click('[data-layout="16"]');
await page.selectOption('[data-testid=play-mode]', MODE);
for (const id of ids) await page.click(`[data-camera=${id}]`);

/** Every process below `root` (by /proc's parent links). */
function descendants(root: number): number[] {
  const parents = new Map<number, number>();
  for (const pid of execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' }).trim().split('\n')) {
    const [p, pp] = pid.trim().split(/\s+/).map(Number);
    parents.set(p!, pp!);
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    for (const [child, parent] of parents) {
      if (parent !== pid) continue;
      out.push(child);
      walk(child);
    }
  };
  walk(root);
  return out;
}
const commandOf = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
};
const gatewayPids = () => [gateway.proc.pid!, ...descendants(gateway.proc.pid!)];
const browserPids = () => {
  const ours = new Set(gatewayPids());
  return descendants(process.pid).filter((p) => !ours.has(p) && /chrom/i.test(commandOf(p)));
};
const cpu = (pids: number[]) => pids.reduce((s, p) => s + (cpuSeconds(p) ?? 0), 0);
const tiles = () => page.$$eval('.tile video', (vs) => vs.map((v) => {
  const video = v as HTMLVideoElement;
  const q = video.getVideoPlaybackQuality();
  return { width: video.videoWidth, frames: q.totalVideoFrames, dropped: q.droppedVideoFrames, playing: video.closest('.tile')?.getAttribute('data-state') === 'playing' };
}));
type TileSample = Awaited<ReturnType<typeof tiles>>[number];
/** Frames since `a`; a tile whose player was made again (a stalled tile reloading) counts from 0 and is counted as reset. */
const since = (a: TileSample | undefined, b: TileSample) => (a && b.frames >= a.frames ? { frames: b.frames - a.frames, dropped: b.dropped - a.dropped, reset: 0 } : { frames: b.frames, dropped: b.dropped, reset: 1 });
const tileKbps = () => page.$$eval('[data-testid=tile-stats]', (els) => els.map((e) => {
  const m = /([\d.]+) (k|M)bps/.exec(e.textContent ?? '');
  return m ? Number(m[1]) * (m[2] === 'M' ? 1000 : 1) : 0;
}));

const playingAt = (width: number) => page.$$eval('.tile video', (vs, w) => vs.filter((v) => {
  const video = v as HTMLVideoElement;
  return video.videoWidth === w && video.currentTime > 1 && video.closest('.tile')?.getAttribute('data-state') === 'playing';
}).length, width);

async function phase(stream: 'sub' | 'main', width: number) {
  // All tiles on this stream, or as many as this machine keeps playing within 2 minutes (16 main streams may be more than it can decode).
  const deadline = Date.now() + 120_000;
  let ready = 0;
  while (Date.now() < deadline && (ready = await playingAt(width)) < TILES) await page.waitForTimeout(1000);
  await page.waitForTimeout(WARMUP_MS);
  const before = { browser: cpu(browserPids()), gateway: cpu(gatewayPids()), tiles: await tiles(), at: Date.now() };
  await page.waitForTimeout(SECONDS * 1000);
  const after = { browser: cpu(browserPids()), gateway: cpu(gatewayPids()), tiles: await tiles(), at: Date.now() };
  const elapsed = (after.at - before.at) / 1000;
  const deltas = after.tiles.map((t, i) => since(before.tiles[i], t));
  const frames = deltas.reduce((s, d) => s + d.frames, 0);
  const dropped = deltas.reduce((s, d) => s + d.dropped, 0);
  const kbps = await tileKbps();
  return {
    stream,
    pictureWidth: width,
    tilesPlayingBeforeWindow: ready,
    seconds: round(elapsed, 1),
    cpuPercentOfOneCore: { browser: round((100 * (after.browser - before.browser)) / elapsed, 1), gatewayWithFfmpeg: round((100 * (after.gateway - before.gateway)) / elapsed, 1) },
    framesShownPerSecond: round(frames / elapsed, 1),
    droppedPercent: round((100 * dropped) / Math.max(1, frames + dropped), 1),
    tilesPlayingAtEnd: after.tiles.filter((t) => t.playing).length,
    tilesReloaded: deltas.reduce((s, d) => s + d.reset, 0),
    receivedMbpsAllTiles: round(kbps.reduce((a, b) => a + b, 0) / 1000, 1),
    gatewayIngests: gatewayPids().filter((p) => /ffmpeg/.test(commandOf(p))).length,
  };
}

const sub = await phase('sub', 352);
// The same wall on main streams: without a sub-stream the small tiles play the main one (the wall reloads its channel list every 15 s).
for (const id of ids) await api(`/api/channels/${id}`, 'PATCH', { subSource: null });
const main = await phase('main', 1280);
const ratio = (a: number, b: number) => (b > 0 ? round(a / b, 3) : null);

console.log(JSON.stringify({
  bench: 'wall-substreams',
  mode: MODE,
  tiles: TILES,
  sub,
  main,
  subToMainRatio: {
    browserCpu: ratio(sub.cpuPercentOfOneCore.browser, main.cpuPercentOfOneCore.browser),
    gatewayCpu: ratio(sub.cpuPercentOfOneCore.gatewayWithFfmpeg, main.cpuPercentOfOneCore.gatewayWithFfmpeg),
    receivedBytes: ratio(sub.receivedMbpsAllTiles, main.receivedMbpsAllTiles),
  },
  cores: Number(execFileSync('nproc', { encoding: 'utf8' }).trim()),
  note: 'CPU % of one core over each phase; the machine may be shared with other work, so compare the two phases of one run',
}, null, 2));

await browser.close();
gateway.proc.kill('SIGTERM');
await gateway.exit;
await sim.stop();
rmSync(dataDir, { recursive: true, force: true });
