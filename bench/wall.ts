// The web wall under load: 16 tiles playing in one headless Chromium tab for
// a while (default 5 min) against the demo, with the detectors raising
// intrusions every few seconds, which the bench closes again so the next one
// is new. Prints JSON: frames shown and dropped, tiles that stalled, tab
// memory at start and end, CPU of the browser and the gateway, and the
// latency from the incident's creation to its box on screen (p50/p95).
//   node --import tsx bench/wall.ts [--seconds 300] [--mode hls|flv]
import { execFileSync } from 'node:child_process';
import { launchBrowser, openWall } from '../test/helpers/browser.ts';
import { startDemo } from '../test/helpers/demo.ts';
import { cpuSeconds, percentile, round, rssMiB } from './proc.ts';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const SECONDS = Number(arg('seconds', '300'));
const MODE = arg('mode', 'hls') as 'hls' | 'flv';
const TILES = 16;

// No cool-down at the incident door: each new firing after the bench closed the last one opens a new incident.
const demo = await startDemo(['--incidents.cooldownSeconds', '0']);
const extra = Array.from({ length: TILES - 4 }, (_, i) => `cam-bench-${String(i + 1).padStart(2, '0')}`);
const demoUrl = (await demo.api<{ source: { url: string } }>('admin', '/api/channels/cam-dongmen-01')).source.url;
for (const [i, id] of extra.entries()) {
  // The 360p streams (red and blue square) for the extra tiles; no detection on them.
  const url = demoUrl.replace('demo-1', i % 2 ? 'demo-2' : 'demo-1');
  await demo.api('admin', '/api/channels', { body: { id, name: `压测-${i + 1}`, kind: 'rtsp', source: { url }, gridCode: '310101001001001', mode: 'always-on' } });
}
// Intrusions every loop of the clip instead of every 2 minutes.
const profiles = await demo.api<Record<string, { rules: Array<Record<string, unknown>> }>>('admin', '/api/detection/profiles');
for (const name of ['people', 'intrusion']) {
  const p = profiles[name]!;
  await demo.api('admin', `/api/detection/profiles/${name}`, { method: 'PUT', body: { ...p, rules: p.rules.map((r) => ({ ...r, cooldownSeconds: 3 })) } });
}

const browser = await launchBrowser();
const page = await openWall(browser, demo.url, demo.keys.operator, '#/wall');
await page.waitForSelector('[data-camera=cam-bench-12]', { timeout: 30_000 });
await page.click('[data-layout="16"]');
await page.selectOption('[data-testid=play-mode]', MODE);
for (const id of ['cam-dongmen-01', 'cam-hedi-02', 'cam-school-03', 'cam-drone-01', ...extra]) await page.click(`[data-camera=${id}]`);
const allPlaying = Date.now();
await page.waitForFunction((n) => document.querySelectorAll('.tile[data-state=playing]').length === n, TILES, { timeout: 60_000 });
const startupMs = Date.now() - allPlaying;

const cdp = await page.context().newCDPSession(page);
await cdp.send('Performance.enable');
// The heap after a forced collection: what the page retains, not what the collector has not got to yet.
const jsHeapMiB = async () => {
  await cdp.send('HeapProfiler.collectGarbage');
  const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: Array<{ name: string; value: number }> };
  return round((metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0) / 2 ** 20, 1);
};
const chromiumPids = () => execFileSync('pgrep', ['-f', '/usr/lib/chromium/chromium'], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
const rendererRss = () => {
  const pids = execFileSync('pgrep', ['-f', 'chromium.*--type=renderer'], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  return round(pids.reduce((s, p) => s + (rssMiB(p) ?? 0), 0), 1);
};
const gatewayPids = () => [demo.proc.pid!, ...execFileSync('pgrep', ['-P', String(demo.proc.pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number)];
const cpu = (pids: number[]) => pids.reduce((s, p) => s + (cpuSeconds(p) ?? 0), 0);
const quality = () => page.$$eval('.tile video', (vs) => vs.map((v) => {
  const q = (v as HTMLVideoElement).getVideoPlaybackQuality();
  return { frames: q.totalVideoFrames, dropped: q.droppedVideoFrames, time: (v as HTMLVideoElement).currentTime };
}));

// Incidents the detectors raised before the wall opened would absorb every repeat (deduplicated while open): close them.
const invalidate = async (id: string) => {
  const inc = await demo.api<{ version: number; status: string }>('operator', `/api/incidents/${id}`);
  if (inc.status === 'reported' || inc.status === 'accepted') {
    await demo.api('operator', `/api/incidents/${id}/actions/invalidate`, { body: { version: inc.version, note: 'bench' } }).catch((err: Error) => process.stderr.write(`bench: ${err.message}\n`));
  }
};
for (const i of (await demo.api<{ items: Array<{ id: string }> }>('operator', '/api/incidents?open=true&limit=500')).items) await invalidate(i.id);

const start = { quality: await quality(), heap: await jsHeapMiB(), rss: rendererRss(), browserCpu: cpu(chromiumPids()), gatewayCpu: cpu(gatewayPids()), at: Date.now() };
const memory: Array<{ atSeconds: number; jsHeapMiB: number; rendererRssMiB: number }> = [{ atSeconds: 0, jsHeapMiB: start.heap, rendererRssMiB: start.rss }];
let stalledChecks = 0;
let last = start.quality;
const closed = new Set<string>();
while (Date.now() - start.at < SECONDS * 1000) {
  await page.waitForTimeout(10_000);
  const q = await quality();
  stalledChecks += q.filter((v, i) => v.time <= (last[i]?.time ?? 0) + 1).length; // a tile that moved < 1 s in 10 s
  last = q;
  // Close each drawn alarm, so the detector's next firing opens a new incident.
  const draws = await page.evaluate(() => (window as unknown as { wallMetrics: { alarmDraws: Array<{ incidentId: string }> } }).wallMetrics.alarmDraws.map((d) => d.incidentId));
  for (const id of draws.filter((d) => !closed.has(d))) {
    closed.add(id);
    await invalidate(id);
  }
  if ((Date.now() - start.at) % 60_000 < 10_000) memory.push({ atSeconds: Math.round((Date.now() - start.at) / 1000), jsHeapMiB: await jsHeapMiB(), rendererRssMiB: rendererRss() });
}
const end = { quality: await quality(), heap: await jsHeapMiB(), rss: rendererRss(), browserCpu: cpu(chromiumPids()), gatewayCpu: cpu(gatewayPids()), at: Date.now() };
const elapsed = (end.at - start.at) / 1000;
const draws = await page.evaluate(() => (window as unknown as { wallMetrics: { alarmDraws: Array<{ raisedAt: number; arrivedAt: number; drawnAt: number }> } }).wallMetrics.alarmDraws);
const latency = draws.map((d) => d.drawnAt - d.raisedAt);
const delivery = draws.map((d) => d.arrivedAt - d.raisedAt);
const frames = end.quality.map((q, i) => q.frames - (start.quality[i]?.frames ?? 0));
const dropped = end.quality.map((q, i) => q.dropped - (start.quality[i]?.dropped ?? 0));

console.log(JSON.stringify({
  bench: 'wall',
  mode: MODE,
  tiles: TILES,
  seconds: round(elapsed, 0),
  startupToAllPlayingMs: startupMs,
  frames: { shown: frames.reduce((a, b) => a + b, 0), dropped: dropped.reduce((a, b) => a + b, 0), droppedPercent: round((100 * dropped.reduce((a, b) => a + b, 0)) / Math.max(1, frames.reduce((a, b) => a + b, 0)), 3), perTileFps: frames.map((f) => round(f / elapsed, 1)) },
  stalledTileChecks: stalledChecks,
  memory: { start: memory[0], end: { atSeconds: round(elapsed, 0), jsHeapMiB: end.heap, rendererRssMiB: end.rss }, samples: memory },
  cpuPercentOfOneCore: { browser: round((100 * (end.browserCpu - start.browserCpu)) / elapsed, 1), gatewayWithFfmpeg: round((100 * (end.gatewayCpu - start.gatewayCpu)) / elapsed, 1) },
  alarmToOverlayMs: { samples: latency.length, p50: percentile(latency, 50), p95: percentile(latency, 95), max: Math.max(0, ...latency), eventDeliveryP50: percentile(delivery, 50) },
}, null, 2));
await browser.close();
await demo.stop();
