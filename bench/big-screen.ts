// The 大屏 big screen running for a while (default 30 min) in one headless
// Chromium tab at 1920×1080 against the demo (its four cameras in the tiles),
// with alarms flowing: a gas alarm every few seconds through the machine door,
// each closed again (invalidated) a little later so the open queue stays about
// the same size, as in a hall running for days. Samples the page's JS heap
// (after a forced collection) and the renderer processes' RSS every interval.
// Prints JSON: the samples and the change from the first to the last quarter.
//   node --import tsx bench/big-screen.ts [--minutes 30] [--every 30] [--alarmEvery 3]
import { readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { launchBrowser, openWall } from '../test/helpers/browser.ts';
import { startDemo } from '../test/helpers/demo.ts';
import { mean, round, rssMiB } from './proc.ts';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '30' }, every: { type: 'string', default: '30' }, alarmEvery: { type: 'string', default: '3' } } });
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
const browser = await launchBrowser();
// Signed in on the dashboard (the big screen hides the top bar openWall waits for), then its 大屏 button.
const page = await openWall(browser, demo.url, demo.keys.dispatcher, '#/dashboard', { locale: 'zh-CN', viewport: { width: 1920, height: 1080 } });
await page.click('[data-testid=open-big-screen]', { timeout: 60_000 });
await page.waitForSelector('[data-testid=big-screen]', { timeout: 60_000 });
const cdp = await page.context().newCDPSession(page);
await cdp.send('Performance.enable');
const jsHeapMiB = async () => {
  await cdp.send('HeapProfiler.collectGarbage');
  const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: Array<{ name: string; value: number }> };
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

const samples: Array<{ minute: number; jsHeapMiB: number; rendererRssMiB: number; raised: number; ticker: number }> = [];
const started = Date.now();
for (;;) {
  const pids = rendererPids();
  samples.push({
    minute: round((Date.now() - started) / 60_000, 1), jsHeapMiB: await jsHeapMiB(), rendererRssMiB: round(pids.reduce((s, p) => s + (rssMiB(p) ?? 0), 0), 1),
    raised, ticker: await page.$$eval('[data-testid=screen-ticker] li', (li) => li.length),
  });
  process.stderr.write(`bench big-screen: ${JSON.stringify(samples.at(-1))}\n`);
  if (Date.now() - started >= MINUTES * 60_000) break;
  await new Promise((r) => setTimeout(r, SAMPLE_S * 1000));
}
clearInterval(alarms);
const quarter = Math.max(1, Math.floor(samples.length / 4));
const change = (key: 'jsHeapMiB' | 'rendererRssMiB') => round(mean(samples.slice(-quarter).map((s) => s[key])) - mean(samples.slice(0, quarter).map((s) => s[key])), 1);
const today = await page.textContent('[data-testid=screen-today]');
await browser.close();
await demo.stop();
process.stdout.write(`${JSON.stringify({
  benchmark: 'big-screen', minutes: MINUTES, sampleEverySeconds: SAMPLE_S, alarmEverySeconds: ALARM_S, alarmsRaised: raised, alarmsClosed: closed, failures,
  todayShownAtEnd: today, jsHeapChangeMiB: change('jsHeapMiB'), rendererRssChangeMiB: change('rendererRssMiB'), samples,
}, null, 2)}\n`);
