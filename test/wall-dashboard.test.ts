// The 研判 dashboard and the 大屏 big screen in Chromium, zh-CN and en, over a
// real gateway with a seeded set of incidents: the figures the page shows are
// the API's, a drill-down lists exactly the incidents its figure counted, the
// CSV export carries the same figures; every table drills down too (an SLA
// row to exactly its breached incidents, a step of the closed loop to those that
// reached it, a long-offline device to its row and the wall); screenshots in
// artifacts/screenshots/dashboard/ (the dashboard, drill-downs, print, the big screen).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { windowOf, windowQuery } from '../web-wall/src/dashboard/period.ts';
import { ARTIFACTS, launchBrowser, openWall, pageErrors } from './helpers/browser.ts';
import { rtspChannel, seedBasics, sensor, startTestGateway, type TestGateway } from './helpers/gateway.ts';

const SHOTS = join(ARTIFACTS, 'dashboard');
const WAIT = { timeout: 60_000 };
let t: TestGateway;
let base: string;
let browser: Browser;
/** Seeded incident ids by type. */
const byType = new Map<string, string[]>();
/** Dispatched incidents: id, department, cell and whether its SLA is breached (minor ones: their deadline has passed). */
const dispatched: Array<{ id: string; department: string; grid: string; breached: boolean }> = [];

type Counts = { items: Array<{ key: string; count: number }> };

async function must(role: 'admin' | 'dispatcher', url: string, payload: object): Promise<{ id: string }> {
  const res = await t.call(role, { method: 'POST', url, payload });
  assert.ok(res.statusCode === 201, `${url}: ${res.statusCode} ${res.body}`);
  return (res.json() as { incident?: { id: string }; id?: string }).incident ?? (res.json() as { id: string });
}

/** One step on an incident, with its current version. */
async function act(id: string, what: string, fields: object = {}): Promise<void> {
  const { version } = (await t.call('dispatcher', { method: 'GET', url: `/api/incidents/${id}` })).json() as { version: number };
  const res = await t.call('dispatcher', { method: 'POST', url: `/api/incidents/${id}/${what}`, payload: what === 'claim' ? {} : { version, ...fields } });
  assert.equal(res.statusCode, 200, `${what}: ${res.body}`);
}

before(async () => {
  // A minor incident's SLA is 0.6 s: dispatched, it is breached soon after (waited for below).
  t = await startTestGateway({ argv: ['--incidents.slaMinutes.minor', '0.01'] });
  await seedBasics(t);
  await must('admin', '/api/departments', { id: 'dept-2', name: '市容环卫所' });
  base = await t.app.listen({ host: '127.0.0.1', port: 0 });
  // Manual reports (source manual) in three cells, and sensor alarms (source sensor) through the machine door.
  const reports: Array<[string, string, string]> = [
    ['intrusion', 'minor', 'D1-S1-G1'], ['intrusion', 'major', 'D1-S1-G1'], ['intrusion', 'minor', 'D1-S2'],
    ['illegal_parking', 'warning', 'D1-S2'], ['garbage', 'minor', 'D1-S1'],
  ];
  for (const [i, [type, severity, gridCode]] of reports.entries()) {
    const r = await must('dispatcher', '/api/incidents', { type, severity, title: `上报 ${i}`, gridCode });
    byType.set(type, [...(byType.get(type) ?? []), r.id]);
    // All but the last report are accepted and dispatched: three to dept-1 (two of them minor: breached), one to dept-2.
    if (i === reports.length - 1) continue;
    const department = i === 3 ? 'dept-2' : 'dept-1';
    await act(r.id, 'claim');
    await act(r.id, 'actions/accept');
    await act(r.id, 'actions/dispatch', { departmentId: department });
    dispatched.push({ id: r.id, department, grid: gridCode, breached: severity === 'minor' });
  }
  for (let i = 0; i < 3; i++) {
    const r = await must('admin', '/api/incidents/candidates', {
      source: { kind: 'sensor', id: `gas-${i}` }, type: 'gas_leak', severity: i ? 'major' : 'critical', occurredAt: Date.now(),
      gridCode: i === 2 ? 'D1-S2' : 'D1-S1-G1', dedupeKey: `gas-${i}`, evidence: {},
    });
    byType.set('gas_leak', [...(byType.get('gas_leak') ?? []), r.id]);
  }
  // Overdue, they are also escalated (minor → major) by the gateway's timer: the figures hold still only after that.
  const breached = dispatched.filter((d) => d.breached);
  for (let until = Date.now() + 60_000; ; await new Promise((r) => setTimeout(r, 200))) {
    const sla = (await t.call('dispatcher', { method: 'GET', url: `/api/stats/sla?${windowQuery(windowOf({ kind: '7d' }))}` })).json() as { breached: number };
    const escalated = await Promise.all(breached.map(async (d) => ((await t.call('dispatcher', { method: 'GET', url: `/api/incidents/${d.id}` })).json() as { escalated: boolean }).escalated));
    if (sla.breached === breached.length && escalated.every(Boolean)) break;
    assert.ok(Date.now() < until, `the minor incidents' SLA to pass and their escalation (${sla.breached} of ${breached.length} breached, ${escalated.filter(Boolean).length} escalated)`);
  }
  browser = await launchBrowser();
  mkdirSync(SHOTS, { recursive: true });
});
after(async () => {
  await browser?.close();
  await t?.stop();
});

const api = async <T>(url: string): Promise<T> => (await t.call('dispatcher', { method: 'GET', url })).json() as T;
/** What a figure list on the page shows: key → value. */
const shown = (page: Page, testId: string) => page.$$eval(`[data-testid=${testId}-items] button`, (els) => Object.fromEntries(els.map((e) => [(e as HTMLElement).dataset.key!, Number((e as HTMLElement).dataset.value)])));
const asMap = (c: Counts) => Object.fromEntries(c.items.map((i) => [i.key, i.count]));

for (const locale of ['zh-CN', 'en'] as const) {
  test(`${locale}: the figures are the API's, a drill-down lists exactly the counted incidents, the CSV carries the figures`, async () => {
    const page = await openWall(browser, base, t.keys.dispatcher, '#/dashboard', { locale, viewport: { width: 1600, height: 1200 } });
    await page.waitForSelector('[data-testid=kpi-total]', WAIT);
    const q = windowQuery(windowOf({ kind: '7d' }));
    for (const [by, testId] of [['type', 'chart-type'], ['source', 'chart-source'], ['severity', 'chart-severity'], ['grid', 'chart-top-grids']] as const) {
      assert.deepEqual(await shown(page, testId), asMap(await api<Counts>(`/api/stats/incidents?by=${by}&${q}`)), `${by} as the API counts it`);
    }
    assert.deepEqual(await shown(page, 'chart-sensor'), { gas_leak: 3 });
    assert.deepEqual(await shown(page, 'chart-type'), { intrusion: 3, gas_leak: 3, garbage: 1, illegal_parking: 1 }, 'the seeded set');
    assert.equal(await page.textContent('[data-testid=kpi-total]'), '8');
    const days = await shown(page, 'chart-daily');
    assert.equal(Object.keys(days).length, 7, 'seven days');
    assert.equal(Object.values(days).reduce((a, b) => a + b, 0), 8, 'the days add up to the total');
    await page.screenshot({ path: join(SHOTS, `dashboard-${locale}.png`), fullPage: true });

    // Drill down: intrusion (3), and the cell D1-S2 (3: two reports and a gas alarm).
    /** Waits until the drill-down lists exactly these incidents (a stale list or a loading one never does), then checks its total. */
    const listsExactly = async (want: readonly string[], what: string) => {
      const sorted = [...want].sort();
      await page.waitForFunction((w) => JSON.stringify([...document.querySelectorAll('[data-testid=drill-row]')].map((r) => (r as HTMLElement).dataset.id).sort()) === w, JSON.stringify(sorted), WAIT)
        .catch(async (err: unknown) => {
          const ids = await page.$$eval('[data-testid=drill-row]', (rows) => rows.map((r) => (r as HTMLElement).dataset.id!));
          assert.deepEqual(ids.sort(), sorted, `${what}: exactly the counted incidents (${String(err)})`);
        });
      assert.equal(Number(await page.getAttribute('[data-testid=drill-total]', 'data-total')), want.length, `${what}: the list's total is the figure`);
    };
    for (const [testId, key, want] of [['chart-type', 'intrusion', byType.get('intrusion')!], ['chart-sensor', 'gas_leak', byType.get('gas_leak')!]] as const) {
      assert.equal((await shown(page, testId))[key], want.length);
      await page.click(`[data-testid=${testId}-items] button[data-key=${key}]`);
      await listsExactly(want, key);
    }
    const cellIds = (await api<{ items: Array<{ id: string }> }>(`/api/incidents?grid=D1-S2&${q}&limit=50`)).items.map((i) => i.id);
    assert.equal(cellIds.length, 3);
    assert.equal((await shown(page, 'chart-top-grids'))['D1-S2'], 3);
    await page.click('[data-testid=chart-top-grids-items] button[data-key=D1-S2]');
    await listsExactly(cellIds, 'D1-S2');
    await page.screenshot({ path: join(SHOTS, `drill-${locale}.png`), fullPage: true });

    // SLA rows, by department and by cell: the breached count drills to exactly its breached incidents, the dispatched count to all it counted.
    type SlaRows = { items: Array<{ key: string; dispatched: number; breached: number }> };
    for (const by of ['department', 'grid'] as const) {
      const rows = (await api<SlaRows>(`/api/stats/sla/by?by=${by}&${q}`)).items;
      const keyOf = (d: (typeof dispatched)[number]) => (by === 'department' ? d.department : d.grid);
      assert.deepEqual(Object.fromEntries(rows.map((r) => [r.key, r.breached])),
        Object.fromEntries([...new Set(dispatched.map(keyOf))].map((k) => [k, dispatched.filter((d) => keyOf(d) === k && d.breached).length])), `${by}: the seeded breaches`);
      for (const row of rows) {
        for (const which of ['breached', 'dispatched'] as const) {
          const cell = `[data-testid=sla-${by}] tr[data-key="${row.key}"] button[data-count=${which}]`;
          assert.equal(Number(await page.getAttribute(cell, 'data-value')), row[which], `${by} ${row.key}: the page shows the API's ${which}`);
          await page.click(cell);
          await listsExactly(dispatched.filter((d) => keyOf(d) === row.key && (which === 'dispatched' || d.breached)).map((d) => d.id), `${by} ${row.key} ${which}`);
        }
      }
    }
    assert.equal(await page.textContent('[data-testid=sla-department] tr[data-key=dept-1] td'), '城管执法大队', 'a department by its name');
    await page.click('[data-testid=sla-department] tr[data-key=dept-1] button[data-count=breached]');
    await listsExactly(dispatched.filter((d) => d.department === 'dept-1' && d.breached).map((d) => d.id), 'dept-1 breached');
    await page.screenshot({ path: join(SHOTS, `drill-sla-${locale}.png`), fullPage: true });

    // A step of the closed loop drills to the incidents that reached it (派遣: the four dispatched).
    const steps = (await api<{ items: Array<{ to: string; incidents: number }> }>(`/api/stats/durations?${q}`)).items;
    assert.equal(steps.find((s) => s.to === 'dispatched')?.incidents, dispatched.length);
    assert.equal(Number(await page.getAttribute('[data-testid=steps] tr[data-key=dispatched] button[data-value]', 'data-value')), dispatched.length, 'the page shows the API\'s incidents');
    await page.click('[data-testid=steps] tr[data-key=dispatched] button[data-value]');
    await listsExactly(dispatched.map((d) => d.id), 'reached dispatched');

    // CSV of the view: the per-type rows are the API's counts.
    const [download] = await Promise.all([page.waitForEvent('download', WAIT), page.click('[data-testid=export-csv]')]);
    const csv = readFileSync((await download.path())!, 'utf8');
    assert.ok(csv.startsWith('\uFEFFfigure,key,value,detail'));
    const typeLabel = locale === 'zh-CN' ? '按类型' : 'By type';
    const typeRows = csv.split('\r\n').filter((l) => l.startsWith(`${typeLabel},`)).map((l) => l.split(','));
    assert.deepEqual(Object.fromEntries(typeRows.map(([, k, v]) => [k, Number(v)])), asMap(await api<Counts>(`/api/stats/incidents?by=type&${q}`)));

    await page.emulateMedia({ media: 'print' });
    await page.screenshot({ path: join(SHOTS, `print-${locale}.png`), fullPage: true });
    await page.emulateMedia({ media: 'screen' });
    assert.deepEqual(pageErrors(page), []);
    await page.context().close();
  });
}

test('an operator sees the dashboard (read-only); an engineer does not', async () => {
  const page = await openWall(browser, base, t.keys.operator, '#/dashboard', { locale: 'zh-CN' });
  await page.waitForSelector('[data-testid=kpi-total]', WAIT);
  assert.equal(await page.textContent('[data-testid=kpi-total]'), '8');
  await page.context().close();
  const engineer = await openWall(browser, base, t.keys.engineer, '#/dashboard', { locale: 'zh-CN' });
  assert.equal(await engineer.$('[data-testid=nav-dashboard]'), null);
  assert.equal(await engineer.$('[data-testid=dashboard]'), null);
  await engineer.context().close();
});

test('big screen at 1920×1080: today\'s figures, and a new alarm reaches the ticker and the figures without a reload', async () => {
  const page = await openWall(browser, base, t.keys.dispatcher, '#/dashboard', { locale: 'zh-CN', viewport: { width: 1920, height: 1080 } });
  await page.click('[data-testid=open-big-screen]');
  await page.waitForSelector('[data-testid=big-screen]', WAIT);
  await page.waitForFunction(() => document.querySelector('[data-testid=screen-today]')?.textContent === '8', undefined, WAIT);
  const r = await must('admin', '/api/incidents/candidates', {
    source: { kind: 'sensor', id: 'gas-9' }, type: 'gas_leak', severity: 'critical', occurredAt: Date.now(), gridCode: 'D1-S1-G1', dedupeKey: 'gas-9', evidence: {},
  });
  await page.waitForSelector(`[data-testid=screen-ticker] li[data-id="${r.id}"]`, WAIT);
  await page.waitForFunction(() => document.querySelector('[data-testid=screen-today]')?.textContent === '9', undefined, WAIT);
  assert.equal(await page.$$eval('[data-testid=screen-empty]', (els) => els.length), 4, 'no cameras here: four empty slots that say so');
  await page.screenshot({ path: join(SHOTS, 'big-screen-zh-CN.png') });
  assert.deepEqual(pageErrors(page), []);
  await page.context().close();
  const en = await openWall(browser, base, t.keys.dispatcher, '#/dashboard', { locale: 'en', viewport: { width: 1920, height: 1080 } });
  await en.click('[data-testid=open-big-screen]');
  await en.waitForFunction(() => document.querySelector('[data-testid=screen-today]')?.textContent === '9', undefined, WAIT);
  assert.equal(await en.textContent('[data-testid=big-screen] h1'), 'City operations command screen');
  await en.screenshot({ path: join(SHOTS, 'big-screen-en.png') });
  await en.context().close();
});

test('a long-offline device drills to its row; a camera\'s row brings it to the wall', async () => {
  for (const [url, body] of [['/api/channels', rtspChannel('cam-off', { name: '东门广场-离线' })], ['/api/sensors', sensor('gas-off', { name: '燃气-离线' })]] as const) {
    await must('admin', url, body);
  }
  const since = Date.now() - 3 * 3_600_000;
  await t.gw.service.setStatus('channels', 'cam-off', { state: 'offline', reason: 'connection refused', since });
  await t.gw.service.setStatus('sensors', 'gas-off', { state: 'offline', reason: 'no reading', since: since + 60_000 });
  const page = await openWall(browser, base, t.keys.dispatcher, '#/dashboard', { locale: 'en', viewport: { width: 1600, height: 1200 } });
  await page.waitForSelector('[data-testid=longest-offline] tr[data-key=cam-off]', WAIT);
  assert.deepEqual(await page.$$eval('[data-testid=longest-offline] tbody tr', (rows) => rows.map((r) => (r as HTMLElement).dataset.key)).then((k) => k.slice(0, 2)), ['cam-off', 'gas-off']);
  for (const id of ['gas-off', 'cam-off']) {
    await page.click(`[data-testid=longest-offline] tr[data-key=${id}] button`);
    await page.waitForFunction((want) => {
      const rows = [...document.querySelectorAll('[data-testid=drill-device]')].map((r) => (r as HTMLElement).dataset.id);
      return rows.length === 1 && rows[0] === want;
    }, id, WAIT);
  }
  assert.match(await page.textContent('[data-testid=drill-device]') ?? '', /Offline/i, 'its live state');
  await page.screenshot({ path: join(SHOTS, 'drill-device-en.png'), fullPage: true });
  await page.click('[data-testid=drill-to-wall]');
  await page.waitForSelector('[data-testid^=tile-][data-channel=cam-off]', WAIT);
  assert.equal(await page.getAttribute('.shell', 'data-view'), 'wall');
  assert.deepEqual(pageErrors(page), []);
  await page.context().close();
});
