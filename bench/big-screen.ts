// The 大屏 big screen running for a while (default 30 min) in one headless
// Chromium tab at 1920×1080 against the demo (its four cameras in the tiles),
// with alarms flowing: a gas alarm every few seconds through the machine door,
// each closed again (invalidated) a little later so the open queue stays about
// the same size, as in a hall running for days. Samples the page's JS heap
// (after a forced collection) and the renderer processes' RSS every interval.
// The page runs in a bare Chromium (bare-chromium.ts), not under Playwright:
// Playwright's network instrumentation keeps every segment the tiles load.
// Prints JSON: the samples, the change from the first to the last quarter and
// the slope (MiB/min, least squares) over the last 20 minutes (or the run).
//   node --import tsx bench/big-screen.ts [--minutes 30] [--every 30] [--alarmEvery 3] [--devtoolsNetwork]
// --devtoolsNetwork enables DevTools' network agent as Playwright does (to see its cost).
import { readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startDemo } from '../test/helpers/demo.ts';
import { openBare } from './bare-chromium.ts';
import { mean, round, rssMiB } from './proc.ts';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '30' }, every: { type: 'string', default: '30' }, alarmEvery: { type: 'string', default: '3' }, devtoolsNetwork: { type: 'boolean', default: false } } });
const MINUTES = Number(values.minutes);
const SAMPLE_S = Number(values.every);
const ALARM_S = Number(values.alarmEvery);
/** How many alarms stay open before the oldest is closed. */
const OPEN = 20;
const GRIDS = ['310101001001001', '310101001', '310101002'];

/** Processes under this one (the browser's renderers only: other helpers may run Chromium too). */
function rendererPids(): number[] {
  const parent = new Map<number, number>();
  const renderer = new Set<number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('--type=renderer')) renderer.add(Number(entry));
    } catch {
      continue; // the process ended while we looked
    }
  }
  const mine = (pid: number): boolean => {
    for (let p = pid, depth = 0; p > 1 && depth < 32; p = parent.get(p) ?? 0, depth++) if (p === process.pid) return true;
    return false;
  };
  return [...renderer].filter(mine);
}

const demo = await startDemo(['--incidents.cooldownSeconds', '0']);
const page = await openBare(`${demo.url}/`, demo.keys.dispatcher, { width: 1920, height: 1080 });
// Signed in (the top bar's user), then to the big screen by its route: the wall opens its role's first view.
await page.waitFor('document.querySelector("[data-testid=who]")', 120_000);
await page.evaluate(`location.hash = '#/dashboard/screen'`);
await page.waitFor('document.querySelector("[data-testid=big-screen]")', 120_000);
await page.send('Performance.enable');
if (values.devtoolsNetwork) await page.send('Network.enable');
const jsHeapMiB = async () => {
  await page.send('HeapProfiler.collectGarbage');
  const { metrics } = await page.send<{ metrics: Array<{ name: string; value: number }> }>('Performance.getMetrics');
  return round((metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0) / 2 ** 20, 1);
};

let raised = 0;
let closed = 0;
let failures = 0;
const open: Array<{ id: string; version: number }> = [];
const alarms = setInterval(() => {
  const n = raised++;
  demo.api<{ incident?: { id: string; version: number } }>('admin', '/api/incidents/candidates', {
    method: 'POST', body: { source: { kind: 'sensor', id: `bench-gas-${n % 50}` }, type: 'gas_leak', severity: n % 7 ? 'major' : 'critical', occurredAt: Date.now(), gridCode: GRIDS[n % GRIDS.length], dedupeKey: `bench-screen-${n}`, evidence: {} },
  }).then(async (r) => {
    if (r.incident) open.push({ id: r.incident.id, version: r.incident.version });
    while (open.length > OPEN) {
      const oldest = open.shift()!;
      await demo.api('dispatcher', `/api/incidents/${oldest.id}/actions/invalidate`, { method: 'POST', body: { version: oldest.version, note: 'bench: closed again' } });
      closed++;
    }
  }).catch((err: unknown) => {
    failures++;
    process.stderr.write(`bench big-screen: ${String(err)}\n`);
  });
}, ALARM_S * 1000);

const samples: Array<{ minute: number; jsHeapMiB: number; rendererRssMiB: number; raised: number; ticker: number; tilesPlaying: number }> = [];
const started = Date.now();
for (;;) {
  const pids = rendererPids();
  samples.push({
    minute: round((Date.now() - started) / 60_000, 1), jsHeapMiB: await jsHeapMiB(), rendererRssMiB: round(pids.reduce((s, p) => s + (rssMiB(p) ?? 0), 0), 1),
    raised, ticker: await page.evaluate<number>('document.querySelectorAll("[data-testid=screen-ticker] li").length'),
    tilesPlaying: await page.evaluate<number>('[...document.querySelectorAll("[data-testid=screen-video] video")].filter((v) => !v.paused && v.readyState >= 2).length'),
  });
  process.stderr.write(`bench big-screen: ${JSON.stringify(samples.at(-1))}\n`);
  if (Date.now() - started >= MINUTES * 60_000) break;
  await new Promise((r) => setTimeout(r, SAMPLE_S * 1000));
}
clearInterval(alarms);
const quarter = Math.max(1, Math.floor(samples.length / 4));
const change = (key: 'jsHeapMiB' | 'rendererRssMiB') => round(mean(samples.slice(-quarter).map((s) => s[key])) - mean(samples.slice(0, quarter).map((s) => s[key])), 1);
/** Least-squares slope (MiB per minute) of the samples from `fromMinute` on. */
const slope = (key: 'jsHeapMiB' | 'rendererRssMiB', fromMinute: number) => {
  const xs = samples.filter((s) => s.minute >= fromMinute);
  const mx = mean(xs.map((s) => s.minute));
  const my = mean(xs.map((s) => s[key]));
  const num = xs.reduce((a, s) => a + (s.minute - mx) * (s[key] - my), 0);
  const den = xs.reduce((a, s) => a + (s.minute - mx) ** 2, 0);
  return den ? round(num / den, 2) : null;
};
const lastFrom = Math.max(0, MINUTES - 20);
const today = await page.evaluate<string | null>('document.querySelector("[data-testid=screen-today]")?.textContent ?? null');
const videos = await page.evaluate<Array<{ playing: boolean; frames: number }>>('[...document.querySelectorAll("[data-testid=screen-video] video")].map((v) => ({ playing: !v.paused && v.readyState >= 2, frames: v.getVideoPlaybackQuality().totalVideoFrames }))');
await page.close();
await demo.stop();
process.stdout.write(`${JSON.stringify({
  benchmark: 'big-screen', minutes: MINUTES, devtoolsNetwork: values.devtoolsNetwork, sampleEverySeconds: SAMPLE_S, alarmEverySeconds: ALARM_S, alarmsRaised: raised, alarmsClosed: closed, failures,
  todayShownAtEnd: today, videosAtEnd: videos, jsHeapChangeMiB: change('jsHeapMiB'), rendererRssChangeMiB: change('rendererRssMiB'),
  slopeFromMinute: lastFrom, jsHeapSlopeMiBPerMin: slope('jsHeapMiB', lastFrom), rendererRssSlopeMiBPerMin: slope('rendererRssMiB', lastFrom), samples,
}, null, 2)}\n`);
