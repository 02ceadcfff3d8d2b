// The smaller things that cost an operator, a dispatcher and an engineer time
// every day, in headless Chromium against the real demo gateway: 受理 right
// after a system update is not refused as stale; an archived incident has no
// running SLA; a GBK CSV sent as UTF-8 is read (and said so); an unknown
// detection profile is one message; an unreachable or idle camera shows its
// last problem; the place hints; the sensor rules form; "test connection";
// stopping a tour gives the operator their own wall back.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createServer, type Server } from 'node:net';
import { mkdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import iconv from 'iconv-lite';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, launchBrowser, openWall, pageErrors } from './helpers/browser.ts';
import { startDemo, type DemoGateway } from './helpers/demo.ts';
import { waitFor } from './helpers/video.ts';

interface Incident { id: string; code: string; status: string; version: number; count: number; clearedAt: string | null; slaDeadline: string | null }

const WAIT = { timeout: 20_000 };
const SHOTS = join(ARTIFACTS, 'small');
let demo: DemoGateway;
let browser: Browser;
/** An "RTSP camera" that takes the connection and closes it at once, as a dead service behind a port forward does. */
let closer: Server;
let closerPort: number;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // On-demand cameras go idle 5 s after their last viewer here (60 s by default).
  demo = await startDemo(['--video.onDemandIdleSeconds', '5']);
  browser = await launchBrowser();
  closer = createServer((socket) => socket.destroy());
  closerPort = await new Promise<number>((resolve) => closer.listen(0, '127.0.0.1', () => resolve((closer.address() as { port: number }).port)));
});

after(async () => {
  await browser?.close();
  await demo?.stop();
  closer?.close();
});

const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });

const until = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> => waitFor(probe, timeoutMs, what);

/** A request with a role's key that may fail: status and body. */
async function call(role: keyof DemoGateway['keys'], path: string, init: { method?: string; body?: unknown; headers?: Record<string, string>; raw?: Buffer } = {}) {
  const res = await fetch(demo.url + path, {
    method: init.method ?? (init.body === undefined && !init.raw ? 'GET' : 'POST'),
    headers: { authorization: `Bearer ${demo.keys[role]}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
    body: init.raw ? new Uint8Array(init.raw) : init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> & { errors?: Array<{ field: string; message: string }> } };
}

const candidate = (dedupeKey: string, extra: Record<string, unknown> = {}) => ({
  source: { kind: 'detector', id: 'daily-test' }, type: 'intrusion', severity: 'minor', title: `区域入侵 ${dedupeKey}`, occurredAt: Date.now(),
  gridCode: '310101001001001', dedupeKey, ...extra,
});

test('受理 right after a repeat and a "condition ended" is not refused as stale (API and wall)', async () => {
  const key = `daily-${Date.now()}`;
  const first = await call('engineer', '/api/incidents/candidates', { body: candidate(key) });
  assert.equal(first.status, 201, JSON.stringify(first.body));
  const incident = (first.body.incident as Incident);
  // The page keeps the copy it read, as a tab whose event stream lags would.
  const page = await openWall(browser, demo.url, demo.keys.dispatcher, `#/dispatch/${incident.id}`, { locale: 'zh-CN' });
  await page.route('**/api/events**', (route) => route.abort());
  await page.reload();
  await page.waitForSelector(`[data-testid=incident-detail][data-incident="${incident.id}"][data-status=reported]`, WAIT);

  // The system updates it twice: a repeat (count 2) and the condition ending.
  assert.equal((await call('engineer', '/api/incidents/candidates', { body: candidate(key) })).status, 200);
  assert.equal((await call('engineer', '/api/incidents/candidates', { body: candidate(key, { clear: true }) })).status, 200);
  const updated = await demo.api<Incident>('dispatcher', `/api/incidents/${incident.id}`);
  assert.equal(updated.count, 2);
  assert.ok(updated.clearedAt, 'the condition ended is on record');
  assert.equal(updated.version, incident.version, 'system updates keep the version');

  await page.click('[data-testid=actions] button[data-action=accept]');
  await page.waitForSelector(`[data-testid=incident-detail][data-incident="${incident.id}"][data-status=accepted]`, WAIT);
  assert.equal(await page.$('[data-testid=notice]:has-text("已被他人更新")'), null, 'no stale notice');
  const accepted = await demo.api<Incident>('dispatcher', `/api/incidents/${incident.id}`);
  assert.equal(accepted.status, 'accepted');
  // A person's change still makes an older copy stale.
  const stale = await call('dispatcher', `/api/incidents/${incident.id}/actions/dispatch`, { body: { version: incident.version, departmentId: 'dept-water' } });
  assert.deepEqual([stale.status, stale.body.code], [409, 'GW_ERR_STALE_VERSION']);
  assert.deepEqual(pageErrors(page), []);
  await page.context().close();
});

test('an archived incident shows no running SLA countdown', async () => {
  const created = (await demo.api<{ incident: Incident }>('operator', '/api/incidents', {
    body: { type: 'manhole_open', severity: 'minor', title: `归档测试 ${Date.now()}`, gridCode: '310101001001001', location: { lat: 31.2304, lng: 121.4737 } },
  })).incident;
  let inc = created;
  for (const [action, extra] of [['accept', {}], ['dispatch', { departmentId: 'dept-water' }], ['start', {}], ['feedback', { note: '已处置' }], ['verify', {}], ['rate', { rating: 5 }], ['archive', {}]] as const) {
    inc = await demo.api<Incident>('dispatcher', `/api/incidents/${inc.id}/actions/${action}`, { body: { version: inc.version, ...extra } });
  }
  assert.equal(inc.status, 'archived');
  assert.ok(inc.slaDeadline, 'it was dispatched: it has a deadline');
  const page = await openWall(browser, demo.url, demo.keys.dispatcher, `#/dispatch/${inc.id}`, { locale: 'zh-CN' });
  await page.waitForSelector(`[data-testid=incident-detail][data-incident="${inc.id}"][data-status=archived]`, WAIT);
  await page.waitForSelector('[data-testid=flow-log] li[data-action=archive]', WAIT);
  assert.equal(await page.$('[data-testid=incident-detail] [data-testid=sla]'), null, 'no countdown on an archived incident');
  await page.context().close();
});

test('a GBK CSV sent as UTF-8 is read as GB18030 and the report says so; tags split on commas too', async () => {
  const id = `cam-gbk-${Date.now() % 100000}`;
  const csv = `id,name,kind,source.url,tags\n${id},东门测试摄像机,rtsp,rtsp://127.0.0.1:${closerPort}/gbk,"广场,人流"\n`;
  const gbk = iconv.encode(csv, 'gb18030');
  assert.throws(() => new TextDecoder('utf-8', { fatal: true }).decode(gbk), 'the file is not UTF-8');
  const res = await call('engineer', '/api/import?entity=channels&dryRun=false&mode=all', { raw: gbk, headers: { 'content-type': 'text/csv; charset=utf-8' } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal((res.body.encoding as { charset: string }).charset, 'gb18030');
  assert.match(String((res.body.encoding as { detected?: string }).detected), /not UTF-8.*GB18030/);
  const stored = await demo.api<{ name: string; tags: string[] }>('engineer', `/api/channels/${id}`);
  assert.deepEqual([stored.name, stored.tags], ['东门测试摄像机', ['广场', '人流']]);
  // Neither UTF-8 nor GB18030: the message names the option to pick.
  const bad = await call('engineer', '/api/import?entity=channels&dryRun=true', { raw: Buffer.from([0x69, 0x64, 0x0a, 0xff, 0xfe, 0x0a]), headers: { 'content-type': 'text/csv; charset=utf-8' } });
  assert.equal(bad.body.code, 'GW_ERR_BAD_ENCODING');
  assert.match(String(bad.body.message), /CSV UTF-8/);
  assert.doesNotMatch(String(bad.body.message), /Content-Type/);

  // In the console: the same file, UTF-8 chosen, checked only: the report says how it was read.
  const page = await openWall(browser, demo.url, demo.keys.engineer, '#/console/import', { locale: 'zh-CN' });
  await page.waitForSelector('[data-testid=import-panel]', WAIT);
  await page.setInputFiles('#import-file', { name: 'cameras-gbk.csv', mimeType: 'text/csv', buffer: iconv.encode(csv.replace(id, `${id}-b`), 'gb18030') });
  await page.selectOption('[data-testid=import-panel] select[name=charset]', 'utf-8');
  await page.click('[data-testid=run-import]');
  const note = await page.waitForSelector('[data-testid=import-encoding]', WAIT);
  assert.match((await note.textContent()) ?? '', /GB18030/);
  await shot(page, 'import-gbk-detected');
  await page.context().close();
});

test('an unknown detection profile is one field error saying it does not exist', async () => {
  const base = { name: '配置测试', kind: 'rtsp', source: { url: `rtsp://127.0.0.1:${closerPort}/p` } };
  const unknown = await call('engineer', '/api/channels', { body: { ...base, id: 'cam-profile-1', detectionProfile: 'no-such-profile' } });
  assert.equal(unknown.status, 400);
  assert.deepEqual(unknown.body.errors?.map((e) => [e.field, e.message]), [['detectionProfile', "detection profile 'no-such-profile' does not exist"]]);
  const malformed = await call('engineer', '/api/channels', { body: { ...base, id: 'cam-profile-2', detectionProfile: '不存在' } });
  assert.equal(malformed.status, 400);
  assert.equal(malformed.body.errors?.length, 1, JSON.stringify(malformed.body.errors));
  const known = await call('engineer', '/api/channels', { body: { ...base, id: 'cam-profile-3', detectionProfile: 'people', enabled: false } });
  assert.equal(known.status, 201, JSON.stringify(known.body));
});

interface VideoStatus { channelId: string; state: string; reason?: string; lastProblem?: { reason: string; at: string; line?: string } }

test('an unreachable on-demand camera shows its last problem in the console, also once it rests idle', async () => {
  const id = `cam-dead-${Date.now() % 100000}`;
  await demo.api('engineer', '/api/channels', { body: { id, name: '失效地址', kind: 'rtsp', source: { url: `rtsp://127.0.0.1:${closerPort}/dead` }, mode: 'on-demand' } });
  await demo.api('operator', `/api/channels/${id}/play`);
  const status = () => demo.api<{ items: VideoStatus[] }>('engineer', '/api/channels/status').then((r) => r.items.find((s) => s.channelId === id));
  const failed = await until('the camera offline', async () => ((await status())?.state === 'offline' ? status() : undefined));
  assert.equal(failed?.reason, 'unreachable', 'a connection closed unanswered is unreachable, not "exited"');
  const idle = await until('the camera idle with its last problem', async () => {
    const s = await status();
    return s?.state === 'idle' && s.lastProblem ? s : undefined;
  });
  assert.equal(idle.lastProblem!.reason, 'unreachable');
  assert.ok(Date.parse(idle.lastProblem!.at) > 0);

  const page = await openWall(browser, demo.url, demo.keys.engineer, '#/console/channels', { locale: 'zh-CN' });
  const row = `[data-testid=channel-list] tr[data-channel="${id}"]`;
  await page.fill('[data-testid=channel-list] input[name=q]', id).catch(() => undefined);
  const problem = await page.waitForSelector(`${row} [data-testid=last-problem]`, WAIT);
  assert.match((await problem.textContent()) ?? '', /上次问题：无法连接/);
  assert.doesNotMatch((await page.textContent(row)) ?? '', /进程退出|Invalid data/);
  await shot(page, 'console-last-problem');
  await page.context().close();
});

test('the camera form: unmistakable coordinate hints, the tags hint, and "test connection"', async () => {
  const sim = (await demo.api<{ source: { url: string } }>('engineer', '/api/channels/cam-school-03')).source.url;
  const page = await openWall(browser, demo.url, demo.keys.engineer, '#/console/channels/new', { locale: 'zh-CN' });
  const form = '[data-testid=channel-form]';
  await page.waitForSelector(form, WAIT);
  assert.equal(await page.getAttribute(`${form} input[name="location.lat"]`, 'placeholder'), '未设置');
  assert.equal(await page.getAttribute(`${form} input[name="location.lng"]`, 'placeholder'), '未设置');
  assert.match((await page.textContent(form)) ?? '', /用逗号或分号分隔/);

  await page.fill(`${form} input[name="source.url"]`, sim);
  await page.click('[data-testid=test-connection-run]');
  await page.waitForSelector('[data-testid=test-connection][data-state=ok]', WAIT);
  assert.match((await page.textContent('[data-testid=test-connection-result]')) ?? '', /连接成功：h264 \d+×\d+/);
  await shot(page, 'test-connection-ok');

  await page.fill(`${form} input[name="source.url"]`, `rtsp://127.0.0.1:${closerPort}/nothing`);
  await page.fill(`${form} input[name="source.username"]`, 'admin');
  await page.fill(`${form} input[name="source.password"]`, 'Secret-Camera-Pw-9');
  await page.click('[data-testid=test-connection-run]');
  await page.waitForSelector('[data-testid=test-connection][data-state=failed]', WAIT);
  const failed = (await page.textContent('[data-testid=test-connection]')) ?? '';
  assert.match(failed, /连接失败：无法连接/);
  assert.doesNotMatch(failed, /Secret-Camera-Pw-9/);
  await shot(page, 'test-connection-failed');
  assert.equal((await demo.api<{ items: unknown[] }>('engineer', '/api/channels?limit=500')).items.some((c) => (c as { source?: { url?: string } }).source?.url?.includes('/nothing')), false, 'nothing saved');
  await page.context().close();
});

test('test connection over the API: engineers only, credentials never in the answer, rate-limited', async () => {
  const body = { source: { url: `rtsp://127.0.0.1:${closerPort}/x`, username: 'admin', password: 'Another-Pw-42' } };
  assert.equal((await call('operator', '/api/channels/test', { body })).status, 403);
  const res = await call('engineer', '/api/channels/test', { body });
  assert.equal(res.status, 200);
  assert.equal(res.body.ok, false);
  assert.equal(res.body.reason, 'unreachable');
  assert.doesNotMatch(JSON.stringify(res.body), /Another-Pw-42/);
  // Many at once from one key: one runs, the rest are told to wait.
  const burst = await Promise.all(Array.from({ length: 4 }, () => call('engineer', '/api/channels/test', { body })));
  assert.ok(burst.some((r) => r.status === 429 && r.body.code === 'GW_ERR_TOO_MANY_REQUESTS'), JSON.stringify(burst.map((r) => r.status)));
});

test('sensor rules are a form: rows added and edited, the JSON under "advanced", saved as the registry\'s rules', async () => {
  const page = await openWall(browser, demo.url, demo.keys.engineer, '#/console/sensors/edit/gas-01', { locale: 'zh-CN' });
  const form = '[data-testid=sensor-form]';
  await page.waitForSelector(`${form} [data-testid=rules-form] tr[data-rule-row="0"]`, WAIT);
  assert.equal(await page.inputValue(`${form} input[name="rules.0.metric"]`), 'ch4');
  assert.equal(await page.inputValue(`${form} select[name="rules.0.type"]`), 'above');
  assert.equal(await page.inputValue(`${form} input[name="rules.0.threshold"]`), '20');
  await page.fill(`${form} input[name="rules.0.threshold"]`, '25');
  await page.click(`${form} [data-testid=rule-add]`);
  await page.fill(`${form} input[name="rules.1.metric"]`, 'ch4');
  await page.selectOption(`${form} select[name="rules.1.type"]`, 'ratePerMinute');
  await page.fill(`${form} input[name="rules.1.threshold"]`, '5');
  await shot(page, 'sensor-rules-form');
  await page.click(`${form} [data-testid=rules-advanced]`);
  assert.match(await page.inputValue(`${form} textarea[name=rules]`), /"ratePerMinute": 5/);
  await shot(page, 'sensor-rules-advanced');
  await page.click(`${form} [data-testid=save]`);
  await page.waitForSelector('[data-testid=sensor-list]', WAIT);
  const stored = await demo.api<{ rules: Record<string, unknown> }>('engineer', '/api/sensors/gas-01');
  assert.deepEqual(stored.rules, { ch4: { above: 25, recover: 10, forSeconds: 10, severity: 'critical', ratePerMinute: 5 } });
  assert.deepEqual(pageErrors(page), []);
  await page.context().close();
});

test('stopping a tour puts the operator\'s own wall back', async () => {
  const page = await openWall(browser, demo.url, demo.keys.operator, '#/wall', { locale: 'zh-CN' });
  await page.waitForSelector('[data-testid=camera-tree] [data-camera=cam-school-03]', WAIT);
  await page.click('[data-testid=camera-tree] [data-camera=cam-school-03]');
  // Not a detection camera: one an alarm has already put on the wall is only selected by a click.
  await page.click('[data-testid=camera-tree] [data-camera=cam-gb-nvr-01]');
  // The tiles themselves (.tile): a tile's own parts are tile-stats, tile-snapshot…, there or not as it plays.
  const tiles = () => page.$$eval('.tile[data-testid^=tile-]', (els) => els.map((e) => (e as HTMLElement).dataset.channel ?? ''));
  await page.fill('[data-testid=tour] input[type=number]', '3');
  // (An alarm may bring a camera into the last tile, the alarm tile, at any time: the other tiles as they are when the tour starts are the operator's.)
  // Where they land depends on the tile selected and what is already on the wall; that they are on it is what counts.
  await page.waitForFunction(() => {
    const on = [...document.querySelectorAll('.tile[data-testid^=tile-]')].map((e) => (e as HTMLElement).dataset.channel);
    return on.includes('cam-school-03') && on.includes('cam-gb-nvr-01');
  }, undefined, WAIT);
  const own = await tiles();
  await page.click('[data-testid=tour] button');
  const shows = (want: string) => page.waitForFunction((w) => JSON.stringify([...document.querySelectorAll('.tile[data-testid^=tile-]')].map((e) => (e as HTMLElement).dataset.channel ?? '').slice(0, -1)) === w, want, WAIT);
  // The tour's page is on the wall (a full page of cameras), then its second page.
  await page.waitForFunction((w) => JSON.stringify([...document.querySelectorAll('.tile[data-testid^=tile-]')].map((e) => (e as HTMLElement).dataset.channel ?? '').slice(0, -1)) !== w, JSON.stringify(own.slice(0, -1)), WAIT);
  await page.waitForSelector('[data-testid=tour] button:has-text("第 2 页")', { timeout: 30_000 });
  await shot(page, 'tour-running');
  await page.click('[data-testid=tour] button'); // stop
  await shows(JSON.stringify(own.slice(0, -1)));
  await shot(page, 'tour-stopped');
  // Saved as theirs too: a reload shows the same wall, as it is just before the reload (alarms go on
  // arriving in the demo: the wall compared is the latest).
  const beforeReload = await tiles();
  await page.reload();
  await shows(JSON.stringify(beforeReload.slice(0, -1)));
  assert.deepEqual(pageErrors(page), []);
  await page.context().close();
});
