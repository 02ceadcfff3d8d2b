// The engineer's device console against the real demo in a real browser: the
// demo's cameras with their live status; a camera form that puts the gateway's
// 400 messages next to the fields they name and creates nothing; an edit that
// reaches the registry, and one that lost a race (409) and says so; a camera
// at a dead RTSP address listed offline with its reason; a CSV import checked
// row by row (dry run, nothing written), then the valid rows written; the
// sensors' live health; and no console for an operator.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startDemo, type DemoGateway } from './helpers/demo.ts';
import { launchBrowser, openWall, pageErrors, screenshot } from './helpers/browser.ts';

interface Channel { id: string; name: string; version: number; gridCode?: string; mode: string; source: { credentialsSet: boolean } }

const DEMO_CHANNELS = ['cam-dongmen-01', 'cam-hedi-02', 'cam-school-03', 'cam-drone-01', 'cam-gb-nvr-01', '31010100001320000002'];
const GOOD_IMPORTS = ['imp-cam-01', 'imp-cam-02', 'imp-cam-03'];
// Rows 2-6 of the sheet (the header is row 1): three good, a bad URL (row 4) and an unknown grid cell (row 6).
const IMPORT_CSV = [
  'id,name,kind,source.url,gridCode,mode,tags',
  'imp-cam-01,导入-东门-01,rtsp,rtsp://127.0.0.1:9/imp-1,310101001001001,on-demand,导入;东门',
  'imp-cam-02,导入-东门-02,rtsp,rtsp://127.0.0.1:9/imp-2,310101001001001,on-demand,',
  'imp-bad-url,坏地址,rtsp,http://127.0.0.1/not-rtsp,310101001001001,on-demand,',
  'imp-cam-03,导入-河堤-03,rtsp,rtsp://127.0.0.1:9/imp-3,310101002001001,on-demand,',
  'imp-bad-grid,无此网格,rtsp,rtsp://127.0.0.1:9/imp-5,999999999,on-demand,',
].join('\n');

let demo: DemoGateway;
let browser: Browser;
let page: Page;

before(async () => {
  demo = await startDemo();
  browser = await launchBrowser();
  page = await openWall(browser, demo.url, demo.keys.engineer, '#/console/channels', { locale: 'zh-CN' });
});
after(async () => {
  await browser?.close();
  await demo?.stop();
});

const row = (id: string) => `[data-testid=channel-list] tr[data-channel="${id}"]`;
const form = '[data-testid=channel-form]';
/** A GET that must answer 404: the registry has no such entry. */
const assertAbsent = (path: string) => assert.rejects(demo.api('admin', path), /: 404 /, `${path} does not exist`);
const listedStates = () => page.$$eval('[data-testid=channel-list] tr[data-channel]', (rows) => rows.map((r) => (r as HTMLElement).dataset.state!));

async function openChannelTab(): Promise<void> {
  await page.click('[data-testid=console-tab-channels]');
  await page.waitForSelector('[data-testid=channel-list]');
}

test("the demo's six cameras are listed with their live status, offline first, and counted", async () => {
  for (const id of DEMO_CHANNELS) await page.waitForSelector(row(id), { timeout: 30_000 });
  await page.waitForSelector(`${row('cam-dongmen-01')}[data-state=online]`, { timeout: 60_000 });
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent?.includes('h264 640×360'), `${row('cam-dongmen-01')} td:nth-child(8)`, { timeout: 30_000 });
  await page.waitForFunction((sel) => /^\d+ kbps$/.test(document.querySelector(sel)?.textContent ?? ''), `${row('cam-dongmen-01')} td:nth-child(9)`, { timeout: 60_000 });
  const cells = await page.$$eval(`${row('cam-dongmen-01')} td`, (tds) => tds.map((td) => td.textContent?.trim()));
  assert.equal(cells[1], '东门广场-01');
  assert.equal(cells[2], 'RTSP 拉流');
  assert.equal(cells[3], '东门广场网格', 'the grid cell by its name');
  assert.equal(cells[4], '常开');
  assert.equal(cells[5], 'people');
  assert.match(cells[6]!, /^在线/);
  assert.match(cells[8]!, /^\d+ kbps$/, 'a bitrate');

  const states = await listedStates();
  const order = ['offline', 'unknown', 'idle', 'online'];
  assert.deepEqual(states, [...states].sort((a, b) => order.indexOf(a) - order.indexOf(b)), `sorted by status: ${states.join(', ')}`);
  const counted = await page.$$eval('[data-testid=channel-counts] [data-count]', (els) => Object.fromEntries(els.map((e) => [(e as HTMLElement).dataset.count, Number((e as HTMLElement).dataset.value)])));
  for (const s of order) assert.equal(counted[s], states.filter((x) => x === s).length, `the ${s} count`);
});

test('a camera with a bad URL and latitude gets both messages at their fields and is not created', async () => {
  await page.click('[data-testid=add-channel]');
  await page.waitForSelector(form);
  await page.fill(`${form} [name=id]`, 'cam-bad-url');
  await page.fill(`${form} [name=name]`, '坏地址摄像机');
  await page.fill(`${form} [name="source.url"]`, 'http://10.0.0.1/stream');
  await page.fill(`${form} [name="location.lat"]`, '200');
  await page.fill(`${form} [name="location.lng"]`, '121.5');
  await page.click(`${form} [data-testid=save]`);
  const urlError = await page.waitForSelector(`${form} [data-field-error="source.url"]`, { timeout: 10_000 });
  assert.match((await urlError.textContent())!, /rtsp:\/\//);
  assert.match((await page.textContent(`${form} [data-field-error="location.lat"]`))!, /90/);
  assert.equal(await page.getAttribute(`${form} [name="source.url"]`, 'aria-invalid'), 'true');
  assert.equal(await page.$(`${form} [data-field-error=name]`), null, 'no message at a field that is right');
  await screenshot(page, 'console-channel-form-errors');
  await assertAbsent('/api/channels/cam-bad-url');
  await page.click(`${form} button:has-text("取消")`);
  await page.waitForSelector('[data-testid=channel-list]');
});

test('a camera at an unreachable RTSP address, always on, is listed offline with the reason', async () => {
  await page.click('[data-testid=add-channel]');
  await page.waitForSelector(form);
  await page.fill(`${form} [name=id]`, 'cam-unreachable');
  await page.fill(`${form} [name=name]`, '无法连接-01');
  await page.fill(`${form} [name="source.url"]`, 'rtsp://127.0.0.1:1/x');
  await page.selectOption(`${form} [name=gridCode]`, '310101002001001');
  await page.selectOption(`${form} [name=mode]`, 'always-on');
  // The recording policy (gateway/recording): a select, said in Chinese.
  assert.match((await page.textContent(`${form} [name=recording] option[value=events]`))!, /事件录像/);
  await page.selectOption(`${form} [name=recording]`, 'events');
  await page.click(`${form} [data-testid=save]`);
  await page.waitForSelector('[data-testid=channel-list]');
  assert.match((await page.textContent('[data-testid=flash]'))!, /cam-unreachable/);
  const created = await demo.api<Channel & { recording?: { mode: string } }>('engineer', '/api/channels/cam-unreachable');
  assert.equal(created.mode, 'always-on');
  assert.equal(created.recording?.mode, 'events');
  assert.equal(created.gridCode, '310101002001001');

  const reason = await page.waitForSelector(`${row('cam-unreachable')}[data-state=offline] .reason[data-reason=unreachable]`, { timeout: 60_000 });
  assert.equal(await reason.textContent(), '无法连接');
  assert.match((await page.textContent(`${row('cam-unreachable')} .last-error`))!, /Connection refused/);
  assert.equal(await page.getAttribute('[data-testid=channel-list] tr[data-channel]', 'data-channel'), 'cam-unreachable', 'the offline camera is first');
  await screenshot(page, 'console-channels');
});

test('a new RTMP camera shows its push URL once, on the gateway\'s RTMP port', async () => {
  const { rtmp } = await demo.api<{ rtmp: { port: number; app: string } }>('engineer', '/api/video/ingest');
  await page.click('[data-testid=add-channel]');
  await page.waitForSelector(form);
  await page.selectOption(`${form} [name=kind]`, 'rtmp');
  await page.fill(`${form} [name=id]`, 'cam-push-test');
  await page.fill(`${form} [name=name]`, '推流测试');
  await page.click(`${form} [data-testid=save]`);
  const url = (await (await page.waitForSelector('code.push-url', { timeout: 10_000 })).textContent())!;
  assert.match(url, new RegExp(`^rtmp://127\\.0\\.0\\.1:${rtmp.port}/live/[A-Za-z0-9_-]{16,64}$`));
  const created = await demo.api<Channel>('engineer', '/api/channels/cam-push-test');
  assert.equal(created.source.credentialsSet, true);
  await page.click('button:has-text("关闭")');
  await page.waitForSelector('[data-testid=channel-list]');
});

test("editing a camera's name reaches the registry; an edit that lost a race is reloaded and said", async () => {
  await page.click(`${row('cam-school-03')} [data-testid=edit]`);
  await page.waitForSelector(`${form} [name=name]`);
  assert.equal(await page.inputValue(`${form} [name=name]`), '学校路口-03');
  await page.fill(`${form} [name=name]`, '学校路口-03（北）');
  await page.click(`${form} [data-testid=save]`);
  await page.waitForSelector('[data-testid=channel-list]');
  assert.equal((await demo.api<Channel>('engineer', '/api/channels/cam-school-03')).name, '学校路口-03（北）');
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === '学校路口-03（北）', `${row('cam-school-03')} td:nth-child(2)`);

  // Someone else renames it while the form is open: the save is refused (409), the form shows their version.
  await page.click(`${row('cam-school-03')} [data-testid=edit]`);
  await page.waitForSelector(`${form} [name=name]`);
  await demo.api('admin', '/api/channels/cam-school-03', { method: 'PATCH', body: { name: '学校路口-03（他人）' } });
  await page.fill(`${form} [name=name]`, '学校路口-03（我）');
  await page.click(`${form} [data-testid=save]`);
  await page.waitForSelector(`${form} [data-testid=form-problems]:has-text("他人修改")`, { timeout: 10_000 });
  assert.equal(await page.inputValue(`${form} [name=name]`), '学校路口-03（他人）', 'reloaded');
  assert.equal((await demo.api<Channel>('engineer', '/api/channels/cam-school-03')).name, '学校路口-03（他人）', 'the stale save wrote nothing');
  await page.fill(`${form} [name=name]`, '学校路口-03（我）');
  await page.click(`${form} [data-testid=save]`);
  await page.waitForSelector('[data-testid=channel-list]');
  assert.equal((await demo.api<Channel>('engineer', '/api/channels/cam-school-03')).name, '学校路口-03（我）');
});

test('a CSV import is checked row by row without writing, then its valid rows are written and listed', async () => {
  await page.click('[data-testid=console-tab-import]');
  await page.waitForSelector('[data-testid=import-panel]');
  assert.equal(await page.isChecked('[name=dryRun]'), true, 'dry run is the default');
  await page.setInputFiles('#import-file', { name: 'cameras.csv', mimeType: 'text/csv', buffer: Buffer.from(IMPORT_CSV) });
  await page.click('[data-testid=run-import]');
  await page.waitForSelector('[data-testid=import-report][data-dry-run=true]', { timeout: 20_000 });

  const total = (k: string) => page.textContent(`[data-testid=import-report] [data-total=${k}] dd`);
  assert.deepEqual([await total('total'), await total('valid'), await total('invalid'), await total('written')], ['5', '3', '2', '0']);
  const rows = await page.$$eval('[data-testid=import-report] tr[data-row]', (trs) => trs.map((tr) => ({
    row: Number((tr as HTMLElement).dataset.row), id: (tr as HTMLElement).dataset.id, action: (tr as HTMLElement).dataset.action,
    errors: [...tr.querySelectorAll('.row-error')].map((e) => ({ field: (e as HTMLElement).dataset.field, text: e.textContent })),
  })));
  assert.deepEqual(rows.map((r) => [r.row, r.id, r.action]), [
    [2, 'imp-cam-01', 'create'], [3, 'imp-cam-02', 'create'], [4, 'imp-bad-url', 'error'], [5, 'imp-cam-03', 'create'], [6, 'imp-bad-grid', 'error'],
  ]);
  assert.deepEqual(rows[2]!.errors.map((e) => e.field), ['source.url']);
  assert.match(rows[2]!.errors[0]!.text!, /rtsp:\/\//);
  assert.deepEqual(rows[4]!.errors.map((e) => e.field), ['gridCode']);
  assert.match(rows[4]!.errors[0]!.text!, /999999999/);
  for (const r of [rows[0]!, rows[1]!, rows[3]!]) assert.deepEqual(r.errors, [], `row ${r.row} has no problem`);
  await screenshot(page, 'console-import-report');
  for (const id of [...GOOD_IMPORTS, 'imp-bad-url', 'imp-bad-grid']) await assertAbsent(`/api/channels/${id}`);

  await page.click('[data-testid=import-valid]');
  await page.waitForSelector('[data-testid=import-report][data-dry-run=false]', { timeout: 20_000 });
  assert.equal(await total('written'), '3');
  for (const id of GOOD_IMPORTS) assert.equal((await demo.api<Channel>('engineer', `/api/channels/${id}`)).id, id);
  for (const id of ['imp-bad-url', 'imp-bad-grid']) await assertAbsent(`/api/channels/${id}`);
  assert.deepEqual((await demo.api<{ tags: string[] }>('engineer', '/api/channels/imp-cam-01')).tags, ['导入', '东门']);

  await openChannelTab();
  for (const id of GOOD_IMPORTS) await page.waitForSelector(row(id), { timeout: 10_000 });
  assert.equal(await page.textContent(`${row('imp-cam-03')} td:nth-child(4)`), '河堤步道网格');
});

test('the sensors are listed with their live health; rules that are not JSON are caught at the rules box', async () => {
  await page.click('[data-testid=console-tab-sensors]');
  await page.waitForSelector('[data-testid=sensor-list] tr[data-sensor="gas-01"][data-state=online]', { timeout: 30_000 });
  await page.waitForSelector('[data-testid=sensor-list] tr[data-sensor="gas-01"] .value[data-metric=ch4]', { timeout: 30_000 });
  assert.equal(await page.$$eval('[data-testid=sensor-list] tr[data-sensor]', (trs) => trs.length), 5);
  await screenshot(page, 'console-sensors');

  await page.click('[data-testid=add-sensor]');
  const sensorForm = '[data-testid=sensor-form]';
  await page.waitForSelector(sensorForm);
  await page.fill(`${sensorForm} [name=id]`, 'gas-console-01');
  await page.fill(`${sensorForm} [name=name]`, '燃气-控制台');
  await page.fill(`${sensorForm} [name="mqtt.clientId"]`, 'gas-console-01');
  await page.fill(`${sensorForm} [name="mqtt.username"]`, 'gas-console-01');
  await page.fill(`${sensorForm} [name="mqtt.password"]`, 'console-pass-01');
  await page.click(`${sensorForm} [data-testid=rules-advanced]`); // the JSON under "advanced" (the rules form: test/wall-daily.test.ts)
  await page.fill(`${sensorForm} [name=rules]`, '{"ch4": {above: 20}}');
  await page.click(`${sensorForm} [data-testid=save]`);
  assert.match((await (await page.waitForSelector(`${sensorForm} [data-field-error=rules]`)).textContent())!, /JSON/);
  await assertAbsent('/api/sensors/gas-console-01');

  await page.fill(`${sensorForm} [name=rules]`, '{"ch4": {"above": 20, "recover": 10, "forSeconds": 10, "severity": "critical"}}');
  await page.click(`${sensorForm} [data-testid=save]`);
  await page.waitForSelector('[data-testid=sensor-list] tr[data-sensor="gas-console-01"]', { timeout: 10_000 });
  const saved = await demo.api<{ rules: Record<string, { above: number }>; mqtt: { passwordSet: boolean } }>('engineer', '/api/sensors/gas-console-01');
  assert.equal(saved.rules.ch4?.above, 20);
  assert.equal(saved.mqtt.passwordSet, true);
  assert.deepEqual(pageErrors(page), []);
});

test('an operator key does not get the console', async () => {
  const operator = await openWall(browser, demo.url, demo.keys.operator, '#/console/channels', { locale: 'en' });
  try {
    assert.equal(await operator.$('[data-testid=nav-console]'), null, 'no console in the menu');
    assert.equal(await operator.$('[data-testid=console]'), null, 'the console route shows another view');
    assert.equal(await operator.getAttribute('.shell', 'data-view'), 'wall');
  } finally {
    await operator.context().close();
  }
});
