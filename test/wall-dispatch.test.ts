// The dispatcher's view in a real browser against the real demo gateway: a
// manual report reaches the queue live, the detail shows the flow log, the
// buttons follow the transition table, accept → dispatch → start moves the
// incident on record with the SLA counting down, a missing department is shown
// at its field, a stale version reloads, an overdue incident turns red and
// escalates, and an operator's key does not get the view.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openWall, pageErrors, screenshot } from './helpers/browser.ts';
import { startDemo, type DemoGateway } from './helpers/demo.ts';

interface Incident { id: string; code: string; status: string; version: number; slaDeadline: string | null }
interface Transition { action: string; from: string[]; roles: string[] }

const WAIT = { timeout: 15_000 };
// Warning incidents get a 15 s SLA here, so one can go amber and overdue during the test.
const WARNING_SLA_MINUTES = '0.25';
let demo: DemoGateway;
let browser: Browser;
let table: Transition[];

before(async () => {
  demo = await startDemo(['--incidents.slaMinutes.warning', WARNING_SLA_MINUTES]);
  browser = await launchBrowser();
  table = (await demo.api<{ items: Transition[] }>('dispatcher', '/api/incidents/transitions')).items;
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

async function report(title: string, severity = 'minor', evidence?: object): Promise<Incident> {
  const res = await demo.api<{ outcome: string; incident: Incident }>('operator', '/api/incidents', {
    body: { type: 'manhole_open', severity, title, gridCode: '310101001001001', location: { lat: 31.2304, lng: 121.4737 }, ...(evidence ? { evidence } : {}) },
  });
  assert.equal(res.outcome, 'created');
  return res.incident;
}

const allowedFor = (status: string, role: string) => table.filter((tr) => tr.from.includes(status) && tr.roles.includes(role)).map((tr) => tr.action).sort();
const shownActions = (page: Page) => page.$$eval('[data-testid=actions] .action-buttons button', (bs) => bs.map((b) => b.getAttribute('data-action') ?? '').sort());
const flowActions = (page: Page) => page.$$eval('[data-testid=flow-log] li', (lis) => lis.map((li) => li.getAttribute('data-action') ?? ''));

async function waitForStatus(page: Page, id: string, status: string): Promise<void> {
  await page.waitForSelector(`[data-testid=incident-detail][data-incident="${id}"][data-status=${status}]`, WAIT);
}

test('a manual report reaches the queue live and moves accept → dispatch → start on record', async () => {
  const page = await openWall(browser, demo.url, demo.keys.dispatcher, '#/dispatch', { locale: 'zh-CN' });
  await page.waitForSelector('[data-testid=dispatch-view] [data-testid=dispatch-queue]', WAIT);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=dispatch-queue] tbody tr').length > 0 || !!document.querySelector('[data-testid=dispatch-queue] .muted'), undefined, WAIT);

  const start = Date.now() - 60_000;
  const readings = [0, 1, 2, 3, 4, 5].map((n) => ({ ts: start + n * 10_000, metric: 'tilt', value: [2, 3, 5, 9, 16, 21][n]!, unit: 'deg' }));
  const incident = await report(`井盖松动 浏览器测试 ${Date.now()}`, 'minor', { readings, rule: 'tilt > 15' });
  const row = await page.waitForSelector(`[data-testid=dispatch-queue] tr[data-incident="${incident.id}"]`, WAIT);
  const rowText = (await row.textContent()) ?? '';
  assert.match(rowText, /井盖异动/, 'type label in zh-CN');
  assert.match(rowText, /东门广场网格/, 'grid cell name');
  assert.match(rowText, /上报/, 'status label');
  assert.ok(rowText.includes(incident.code));

  await row.click();
  await waitForStatus(page, incident.id, 'reported');
  assert.ok(page.url().endsWith(`#/dispatch/${incident.id}`));
  await page.waitForSelector('[data-testid=flow-log] li[data-action=report]', WAIT);
  assert.equal((await page.$$('[data-testid=readings] tbody tr')).length, readings.length);
  assert.ok(await page.$('[data-testid=readings] svg.sparkline polyline'));
  assert.match((await page.textContent('[data-fact=rule]')) ?? '', /tilt > 15/);

  // Buttons follow the table: from reported a dispatcher may accept (and reject, invalidate) but not dispatch or start.
  assert.deepEqual(await shownActions(page), allowedFor('reported', 'dispatcher'));
  assert.ok((await shownActions(page)).includes('accept'));
  assert.ok(!(await shownActions(page)).includes('dispatch'));
  assert.ok(!(await shownActions(page)).includes('start'));
  assert.equal(await page.$('[data-testid=sla]'), null, 'no countdown before dispatch');

  await page.click('[data-testid=actions] button[data-action=accept]');
  await waitForStatus(page, incident.id, 'accepted');
  await page.waitForSelector('[data-testid=flow-log] li[data-action=accept]', WAIT);
  assert.deepEqual(await shownActions(page), allowedFor('accepted', 'dispatcher'));
  assert.ok((await shownActions(page)).includes('dispatch'));

  // Dispatch without a department: the gateway's message next to the department field, nothing moves.
  await page.click('[data-testid=actions] button[data-action=dispatch]');
  await page.waitForSelector('[data-testid=form-dispatch] select[name=departmentId]', WAIT);
  await page.click('[data-testid=form-dispatch] button[type=submit]');
  const fieldError = await page.waitForSelector('[data-testid=field-error-departmentId]', WAIT);
  assert.match((await fieldError.textContent()) ?? '', /处置部门/);
  assert.equal(await page.getAttribute('select[name=departmentId]', 'aria-invalid'), 'true');
  await screenshot(page, 'dispatch-form-error');
  assert.equal((await demo.api<Incident>('dispatcher', `/api/incidents/${incident.id}`)).status, 'accepted');

  await page.selectOption('[data-testid=form-dispatch] select[name=departmentId]', 'dept-water');
  await page.fill('[data-testid=form-dispatch] input[name=assignee]', '张工');
  await page.click('[data-testid=form-dispatch] button[type=submit]');
  await waitForStatus(page, incident.id, 'dispatched');
  await page.waitForSelector('[data-testid=flow-log] li[data-action=dispatch]', WAIT);
  assert.match((await page.textContent('[data-fact=assignee]')) ?? '', /张工/);
  const stored = await demo.api<Incident & { departmentId: string }>('dispatcher', `/api/incidents/${incident.id}`);
  assert.equal(stored.departmentId, 'dept-water');
  assert.ok(stored.slaDeadline);

  // The countdown appears (8 h for minor: h:mm:ss) and goes down.
  const sla = await page.waitForSelector('[data-testid=incident-detail] [data-testid=sla]', WAIT);
  assert.match((await sla.textContent()) ?? '', /^\d+:\d{2}:\d{2}$/);
  assert.equal(await sla.getAttribute('data-level'), 'ok');
  const first = Number(await sla.getAttribute('data-ms'));
  await page.waitForFunction((before) => Number(document.querySelector('[data-testid=incident-detail] [data-testid=sla]')?.getAttribute('data-ms')) < before - 1500, first, WAIT);
  await page.waitForSelector(`[data-testid=dispatch-queue] tr[data-incident="${incident.id}"] [data-testid=sla]`, WAIT);

  await page.click('[data-testid=actions] button[data-action=start]');
  await waitForStatus(page, incident.id, 'handling');
  await page.waitForSelector('[data-testid=flow-log] li[data-action=start]', WAIT);
  assert.deepEqual(await flowActions(page), ['report', 'accept', 'dispatch', 'start']);
  assert.deepEqual(await shownActions(page), allowedFor('handling', 'dispatcher'));
  await page.waitForSelector(`[data-testid=dispatch-queue] tr[data-incident="${incident.id}"][data-status=handling]`, WAIT);
  await screenshot(page, 'incident-detail');
  assert.deepEqual(pageErrors(page), []);
  await page.context().close();
});

test('a stale version reloads the incident and says so', async () => {
  const incident = await report(`并发受理测试 ${Date.now()}`);
  // Without the event stream the page keeps the version it read, as a slow tab would (the reload resumes the session).
  const page = await openWall(browser, demo.url, demo.keys.dispatcher, `#/dispatch/${incident.id}`, { locale: 'zh-CN' });
  await page.route('**/api/events**', (route) => route.abort());
  await page.reload();
  await waitForStatus(page, incident.id, 'reported');
  await demo.api('operator', `/api/incidents/${incident.id}/actions/accept`, { body: { version: incident.version } });
  await page.click('[data-testid=actions] button[data-action=accept]');
  const notice = await page.waitForSelector('[data-testid=notice]', WAIT);
  assert.match((await notice.textContent()) ?? '', /已被他人更新/);
  await waitForStatus(page, incident.id, 'accepted');
  await page.context().close();
});

test('an overdue incident turns amber, then red with 超时 and the escalated badge', async () => {
  const created = await report(`超时测试 ${Date.now()}`, 'warning');
  const accepted = await demo.api<Incident>('dispatcher', `/api/incidents/${created.id}/actions/accept`, { body: { version: created.version } });
  await demo.api('dispatcher', `/api/incidents/${created.id}/actions/dispatch`, { body: { version: accepted.version, departmentId: 'dept-cg' } });
  const page = await openWall(browser, demo.url, demo.keys.dispatcher, `#/dispatch/${created.id}`, { locale: 'zh-CN' });
  const detailSla = '[data-testid=incident-detail] [data-testid=sla]';
  await page.waitForSelector(`${detailSla}[data-level=low]`, { timeout: 30_000 });
  await page.waitForSelector(`${detailSla}[data-level=overdue]`, { timeout: 30_000 });
  assert.match((await page.textContent(detailSla)) ?? '', /^超时 \+\d{2}:\d{2}$/);
  await page.waitForSelector('[data-testid=incident-detail] [data-testid=escalated]', { timeout: 30_000 });
  await page.waitForSelector('[data-testid=flow-log] li[data-action=escalate]', WAIT);
  await page.context().close();
});

interface Raised extends Incident { source: { kind: string; id: string }; evidence?: { snapshots?: string[]; detections?: unknown[] } | null }

/** A demo detector's incident with a snapshot (the detectors raise them within seconds of the start). */
async function detectorIncident(): Promise<Raised> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const page = await demo.api<{ items: Raised[] }>('dispatcher', '/api/incidents?open=true&sourceKind=detector&limit=50');
    const found = page.items.find((i) => (i.evidence?.snapshots?.length ?? 0) > 0 && (i.evidence?.detections?.length ?? 0) > 0);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no detector incident with a snapshot yet:\n${demo.output().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

test('a detector incident in the queue shows its snapshot (keyed URL), detections and camera name', async () => {
  const incident = await detectorIncident();
  const channel = await demo.api<{ name: string }>('dispatcher', `/api/channels/${incident.source.id}`);
  const page = await openWall(browser, demo.url, demo.keys.dispatcher, '#/dispatch', { locale: 'zh-CN' });
  // By now the queue holds the earlier tests' incidents too (one overdue and escalated) next to the detectors'.
  await page.waitForSelector(`[data-testid=dispatch-queue] tr[data-incident="${incident.id}"]`, WAIT);
  await screenshot(page, 'dispatch-queue');
  await page.click(`[data-testid=dispatch-queue] tr[data-incident="${incident.id}"]`);
  await page.waitForSelector(`[data-testid=incident-detail][data-incident="${incident.id}"]`, WAIT);
  await page.waitForFunction(() => {
    const img = document.querySelector<HTMLImageElement>('[data-testid=snapshots] img');
    return !!img && img.complete && img.naturalWidth > 0;
  }, undefined, WAIT);
  assert.match((await page.getAttribute('[data-testid=snapshots] img', 'src')) ?? '', /[?&]access_token=gwu_/);
  assert.ok((await page.$$('[data-testid=detections] tbody tr')).length > 0);
  await page.waitForFunction((name) => document.querySelector('[data-fact=source]')?.textContent?.includes(name), channel.name, WAIT);
  await page.waitForSelector(`[data-testid=dispatch-queue] tr[data-incident="${incident.id}"].selected`, WAIT);
  await screenshot(page, 'incident-detail-evidence');
  assert.deepEqual(pageErrors(page), []);
  await page.context().close();
});

test('the queue speaks English in an English browser', async () => {
  const page = await openWall(browser, demo.url, demo.keys.dispatcher, '#/dispatch', { locale: 'en' });
  await page.waitForSelector('[data-testid=dispatch-queue] tbody tr', WAIT);
  assert.match((await page.textContent('[data-testid=dispatch-queue] h2')) ?? '', /Dispatch queue/);
  assert.match((await page.textContent('[data-testid=dispatch-queue] thead')) ?? '', /Severity.*Code.*Type.*Title.*Grid cell.*Status.*Age.*SLA/);
  await page.context().close();
});

test('an operator key opening #/dispatch gets the wall, not the dispatch view', async () => {
  const page = await openWall(browser, demo.url, demo.keys.operator, '#/dispatch', { locale: 'zh-CN' });
  await page.waitForSelector('.shell[data-role=operator]', WAIT);
  assert.equal(await page.getAttribute('.shell', 'data-view'), 'wall');
  assert.equal(await page.$('[data-testid=dispatch-view]'), null);
  assert.equal(await page.$('[data-testid=nav-dispatch]'), null);
  await page.context().close();
});
