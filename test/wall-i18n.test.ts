// The zh-CN wall says what the gateway tells people in Chinese: tile reasons
// (unreachable, disabled, no push, timeout), field errors (not an rtsp:// URL,
// must be <= 90, is required, dispatch needs departmentId), the flow log's
// "the condition ended", alarm titles ("camera … offline: unreachable"),
// sensor incident types and units; the camera form's connection test (ok, a
// failure, too often), an unknown detection profile, the GBK import note and
// a refused import. Each case is provoked for real against the demo; then
// every text node of each view (wall, console, dispatch, sensors) is collected
// and checked: a text with Latin words must be a name this test or the demo
// gave (camera, sensor, grid ids and names), a code or a unit, or on the small
// allow-list below with its reason.
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import iconv from 'iconv-lite';
import { connect, type MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { KINDS } from '../device-registry/vocabulary.ts';
import { launchBrowser } from './helpers/browser.ts';
import { startDemo, type DemoGateway } from './helpers/demo.ts';
import { waitFor } from './helpers/video.ts';

const SHOTS = process.env.I18N_SHOTS ?? join(process.cwd(), 'artifacts', 'screenshots', 'i18n');
const WAIT = { timeout: 60_000 };
const GRID = '310101001001001';

/**
 * Latin words a Chinese operator's screen may show, and why: units and
 * technical names that are written this way in Chinese as well.
 */
const ALLOWED_WORDS = new Set([
  'fps', 'kbps', 'ppm', 'LEL', 'RH', 'VOL', 'hPa', // units
  'HLS', 'FLV', 'RTSP', 'RTMP', 'GB', 'MQTT', 'API', 'ID', 'JSON', 'CSV', 'URL', 'rtsp', 'rtmp', 'gwk', // protocol and format names, as written in zh-CN UIs
  'SLA', 'GPS', 'NVR', 'LWT', 'UTF', 'GBK', 'GB18030', 'TCP', 'UDP', 'IP', 'PTZ', 'ONVIF', 'AI',
  'WGS', // the coordinate datum (WGS-84) the location hint names
  'English', // the language switch names the other language in itself
  'Excel', // the import note names the program that saved the file
]);
/** Input syntax the console's hints quote for the engineer to type (not server text). */
const LITERALS = ['sensors/<编号>/telemetry', '"enabled": false'];
/** Elements whose text is quoted as a program printed it, for engineers, next to the translated reason. */
const QUOTED = ['.last-error', '.test-detail', '.mono', 'code', 'pre'];
/** A detection profile no configuration has: the import names it in its complaint. */
const MISSING_PROFILE = 'no-such-profile';

interface Channel { id: string; name: string }
interface Named { id?: string; code?: string; name: string }
interface Incident { id: string; code: string; type: string; title: string; titleMessage?: { code: string } | null; status: string; version: number; source: { id: string } }

let demo: DemoGateway;
let browser: Browser;
let silent: Server;
const held: Socket[] = [];
let probe: MqttClient | undefined;
const TEMP = { id: 'temp-i18n', name: '测试-温度探头', password: 'probe-pass-i18n-01', topic: 'sensors/temp-i18n/telemetry' };
const CAMERAS = {
  unreachable: { id: 'cam-i18n-unreachable', name: '测试-无法连接' },
  disabled: { id: 'cam-i18n-disabled', name: '测试-已停用' },
  nopush: { id: 'cam-i18n-nopush', name: '测试-未推流' },
  timeout: { id: 'cam-i18n-timeout', name: '测试-超时' },
};

before(async () => {
  // A camera that accepts the connection and says nothing: ffmpeg gives up after its I/O timeout.
  silent = createServer((s) => void held.push(s));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  demo = await startDemo(['--incidents.health.channelOfflineSeconds', '2', '--video.ioTimeoutSeconds', '3']);
  browser = await launchBrowser();
  mkdirSync(SHOTS, { recursive: true });
});
after(async () => {
  await probe?.endAsync(true);
  await browser?.close();
  await demo?.stop();
  for (const s of held) s.destroy();
  silent?.close();
});

const statusReason = async (id: string) => (await demo.api<{ reason?: string; reasonCode?: string; lastProblem?: { reason: string; reasonCode?: string } }>('admin', `/api/channels/${id}/status`));

/** Every visible text node of the page, with where it sits. */
function visibleTexts(page: Page) {
  return page.evaluate((quoted) => {
    const out: Array<{ text: string; where: string }> = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      const text = n.textContent?.trim() ?? '';
      if (!el || !text || el.closest('script, style, option:not(:checked)')) continue;
      if (!(el.offsetWidth || el.offsetHeight || el.getClientRects().length)) continue;
      if (quoted.some((q) => el.closest(q))) continue;
      const where = [el.closest('[data-testid]')?.getAttribute('data-testid'), el.tagName.toLowerCase(), el.className].filter(Boolean).join(' ');
      out.push({ text, where });
    }
    return out;
  }, QUOTED);
}

/** The names this test and the demo gave things: they may be written in Latin letters. */
async function properNames(): Promise<string[]> {
  const list = async <T,>(path: string) => (await demo.api<{ items: T[] }>('admin', `${path}?limit=500`)).items;
  const [channels, sensors, grids, departments] = await Promise.all([
    list<Channel & { tags?: string[] }>('/api/channels'), list<Named & { topic?: string }>('/api/sensors'), list<Named>('/api/grids'), list<Named>('/api/departments'),
  ]);
  const incidents = (await demo.api<{ items: Incident[] }>('admin', '/api/incidents?limit=500')).items;
  const keys = (await demo.api<{ items: Array<{ name: string }> }>('admin', '/api/keys')).items; // the signed-in key's name
  const profiles = Object.keys(await demo.api<Record<string, unknown>>('admin', '/api/detection/profiles')); // named in the configuration
  const names = [
    ...LITERALS, MISSING_PROFILE, ...Object.keys(KINDS), // sensor kind codes, as the kind field takes them
    ...keys.map((k) => k.name), ...profiles,
    ...channels.flatMap((c) => [c.id, c.name, ...(c.tags ?? [])]), ...sensors.flatMap((s) => [s.id!, s.name, s.topic ?? '']),
    ...grids.flatMap((g) => [g.code!, g.name]), ...departments.flatMap((d) => [d.id!, d.name]), ...incidents.map((i) => i.code),
  ];
  // Longest first, so `cam-i18n-timeout` goes before `cam`.
  return [...new Set(names.filter(Boolean))].sort((a, b) => b.length - a.length);
}

/** Text nodes with a Latin word that is not a name, a unit or an allowed technical word. */
async function englishLeft(page: Page): Promise<Array<{ text: string; where: string; words: string[] }>> {
  const names = await properNames();
  const found = [];
  for (const t of await visibleTexts(page)) {
    let rest = t.text;
    for (const name of names) rest = rest.split(name).join(' ');
    const words = (rest.match(/[A-Za-z][A-Za-z0-9_]*[A-Za-z]/g) ?? []).filter((w) => !ALLOWED_WORDS.has(w) && !/^[a-z]*\d/.test(w));
    if (words.length) found.push({ ...t, words });
  }
  return found;
}

/** A fresh zh-CN page at `hash`, signed in as admin (every view); closed when the test ends. */
async function view(t: { after: (fn: () => Promise<void>) => void }, hash: string): Promise<Page> {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1600, height: 900 } });
  t.after(() => context.close());
  const page = await context.newPage();
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(`${demo.url}/${hash}`);
  await page.click('[data-testid=use-api-key]', WAIT);
  await page.fill('input[name=apiKey]', demo.keys.admin, WAIT);
  await page.click('[data-testid=login-form] button[type=submit]');
  await page.waitForSelector('[data-testid=who]', WAIT);
  return page;
}
const errors: string[] = [];

async function switchLang(page: Page, name: '中文' | 'English'): Promise<void> {
  await page.click(`[data-testid=lang-switch] button:has-text("${name}")`);
}

async function shoot(page: Page, name: string): Promise<void> {
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  console.log(`screenshot: ${path}`);
}

test('provoke every case: tile reasons, a camera_offline alarm, a sensor rising and ending', { timeout: 300_000 }, async () => {
  const base = { gridCode: GRID, mode: 'always-on' };
  await demo.api('admin', '/api/channels', { body: { ...CAMERAS.unreachable, kind: 'rtsp', source: { url: 'rtsp://127.0.0.1:9/none' }, ...base } });
  await demo.api('admin', '/api/channels', { body: { ...CAMERAS.disabled, kind: 'rtsp', source: { url: 'rtsp://127.0.0.1:9/off' }, enabled: false, ...base } });
  await demo.api('admin', '/api/channels', { body: { ...CAMERAS.nopush, kind: 'rtmp', source: {}, ...base } });
  const { port } = silent.address() as { port: number };
  await demo.api('admin', '/api/channels', { body: { ...CAMERAS.timeout, kind: 'rtsp', source: { url: `rtsp://127.0.0.1:${port}/silent` }, ...base } });
  const want = { unreachable: ['unreachable', 'unreachable'], disabled: ['disabled', 'disabled'], nopush: ['no push', 'no_push'], timeout: ['timeout', 'timeout'] } as const;
  for (const [key, [reason, code]] of Object.entries(want)) {
    const id = CAMERAS[key as keyof typeof CAMERAS].id;
    const s = await waitFor(async () => {
      const now = await statusReason(id);
      return now.reason === reason ? now : undefined;
    }, 90_000, `${id} offline: ${reason}`);
    assert.equal(s.reasonCode, code, `${id}: the reason's code beside its English`);
  }
  // The last known problem is coded as well (the console says it under the badge).
  const unreachable = await statusReason(CAMERAS.unreachable.id);
  assert.deepEqual([unreachable.lastProblem?.reason, unreachable.lastProblem?.reasonCode], ['unreachable', 'unreachable']);

  // camera_offline for the unreachable camera, its title coded.
  const offline = await waitFor(async () => (await demo.api<{ items: Incident[] }>('admin', `/api/incidents?type=camera_offline&sourceId=${CAMERAS.unreachable.id}`)).items[0], 60_000, 'camera_offline raised');
  assert.equal(offline.title, `camera ${CAMERAS.unreachable.id} offline: unreachable`, 'the English title for API users');
  assert.equal(offline.titleMessage?.code, 'camera_offline_title');

  // A temperature sensor rising 20 °C/min: temperature_rising; flat again: the condition ended.
  await demo.api('admin', '/api/sensors', {
    body: {
      id: TEMP.id, name: TEMP.name, kind: 'temperature', unit: 'Cel', gridCode: GRID,
      mqtt: { clientId: TEMP.id, username: TEMP.id, password: TEMP.password }, rules: { temp: { forSeconds: 0 } },
    },
  });
  const ingest = await demo.api<{ broker: { ports: { mqtt: number } } }>('operator', '/api/sensors/ingest');
  probe = connect(`mqtt://127.0.0.1:${ingest.broker.ports.mqtt}`, { clientId: TEMP.id, username: TEMP.id, password: TEMP.password, reconnectPeriod: 500 });
  probe.on('error', (err) => console.log(`probe: ${err.message}`));
  await waitFor(() => probe!.connected || undefined, 20_000, 'the temperature probe connected');
  const send = (value: number, ts: number) => probe!.publishAsync(TEMP.topic, JSON.stringify({ value, ts }), { qos: 1 });
  const t0 = Date.now();
  await send(20, t0 - 60_000);
  await send(40, t0 - 1000);
  const rising = await waitFor(async () => (await demo.api<{ items: Incident[] }>('admin', `/api/incidents?type=temperature_rising&sourceId=${TEMP.id}`)).items[0], 30_000, 'temperature_rising raised');
  assert.equal(rising.titleMessage?.code, 'sensor_rising_title');
  await send(40, Date.now());
  await waitFor(async () => {
    const detail = await demo.api<{ flow: Array<{ action: string; note: string; data?: { message?: { code: string } } }> }>('admin', `/api/incidents/${rising.id}`);
    const clear = detail.flow.find((f) => f.action === 'clear');
    return clear ? (assert.equal(clear.note, 'the condition ended'), assert.equal(clear.data?.message?.code, 'condition_ended'), true) : undefined;
  }, 30_000, 'the condition ended on record');
});

test('wall: tiles say why in Chinese, the alarm titles too; no English server text', { timeout: 180_000 }, async (t) => {
  const page = await view(t, '#/wall');
  await page.waitForSelector(`[data-camera=${CAMERAS.unreachable.id}]`, WAIT);
  // Nine tiles: the four cameras in the first four, the alarm tile (the last) free for the demo's own alarms.
  await page.click('[data-layout="9"]');
  for (const c of Object.values(CAMERAS)) await page.click(`[data-camera=${c.id}]`);
  const said = { unreachable: '无法连接', disabled: '已停用', nopush: '未推流', timeout: '超时' } as const;
  for (const [key, text] of Object.entries(said)) {
    const id = CAMERAS[key as keyof typeof CAMERAS].id;
    await page.waitForFunction(([sel, want]) => document.querySelector(sel)?.textContent?.includes(want), [`.tile[data-channel="${id}"] .tile-msg`, text] as const, WAIT)
      .catch(async (err: Error) => {
        await shoot(page, `wall-zh-CN-no-${key}`);
        throw err;
      });
  }
  // The alarm list: 摄像机 … 离线：无法连接, by the camera's name.
  await page.waitForFunction((want) => [...document.querySelectorAll('.alarm-item')].some((el) => el.textContent?.includes(want)), `摄像机 ${CAMERAS.unreachable.name} 离线：无法连接`, WAIT);
  await page.waitForFunction(() => [...document.querySelectorAll('.alarm-item strong')].some((el) => el.textContent === '温度上升过快'), undefined, WAIT);
  await shoot(page, 'wall-zh-CN');
  assert.deepEqual(await englishLeft(page), []);
  // The same codes in English: the catalogue's en wording.
  await page.click('[data-testid=lang-switch] button:has-text("English")');
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent?.includes('Unreachable'), `.tile[data-channel="${CAMERAS.unreachable.id}"] .tile-msg`, WAIT);
  await page.waitForFunction(() => [...document.querySelectorAll('.alarm-item strong')].some((el) => el.textContent === 'Temperature rising fast'), undefined, WAIT);
  await shoot(page, 'wall-en');
  await page.click('[data-testid=lang-switch] button:has-text("中文")');
  assert.deepEqual(errors, [], 'no uncaught error in the page');
});

test('console: field errors in Chinese (not rtsp://, <= 90, is required); no English server text', { timeout: 180_000 }, async (t) => {
  const page = await view(t, '#/console');
  await page.waitForSelector(`[data-testid=channel-list] tr[data-channel="${CAMERAS.unreachable.id}"]`, WAIT);
  await page.waitForSelector(`tr[data-channel="${CAMERAS.unreachable.id}"] .reason[data-reason=unreachable]`, WAIT);
  assert.equal(await page.textContent(`tr[data-channel="${CAMERAS.unreachable.id}"] .reason`), '无法连接');
  await page.click('[data-testid=add-channel]');
  const form = '[data-testid=channel-form]';
  await page.waitForSelector(form);
  await page.fill(`${form} [name=id]`, 'cam-i18n-bad');
  await page.fill(`${form} [name="source.url"]`, 'http://10.0.0.1/stream');
  await page.fill(`${form} [name="location.lat"]`, '200');
  await page.fill(`${form} [name="location.lng"]`, '121.5');
  await page.click(`${form} [data-testid=save]`);
  const at = (where: string, field: string) => page.textContent(`${where} [data-field-error="${field}"]`, WAIT);
  assert.equal(await at(form, 'source.url'), '不是 rtsp:// 地址');
  assert.equal(await at(form, 'location.lat'), '不能大于 90');
  await shoot(page, 'console-form-zh-CN');
  assert.deepEqual(await englishLeft(page), []);
  // The errors are kept by their codes: a language switch says them again.
  await switchLang(page, 'English');
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === 'must be <= 90', `${form} [data-field-error="location.lat"]`, WAIT);
  assert.equal(await at(form, 'source.url'), 'not an rtsp:// URL');
  await switchLang(page, '中文');
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === '不能大于 90', `${form} [data-field-error="location.lat"]`, WAIT);
  await page.click(`${form} button:has-text("取消")`);
  await page.waitForSelector('[data-testid=channel-list]');

  // A sensor without its MQTT identity: "is required", said 必填.
  await page.goto(`${demo.url}/#/console/sensors/new`);
  const sensorForm = '[data-testid=sensor-form]';
  await page.waitForSelector(sensorForm, WAIT);
  await page.fill(`${sensorForm} [name=name]`, '测试-缺少字段');
  await page.fill(`${sensorForm} [name=kind]`, 'gas');
  await page.click(`${sensorForm} [data-testid=save]`);
  assert.equal(await at(sensorForm, 'mqtt.clientId'), '必填');
  await shoot(page, 'console-sensor-form-zh-CN');
  assert.deepEqual(await englishLeft(page), []);
  // The sensor list: a malformed message from the probe is its last problem, said in Chinese.
  await probe!.publishAsync(TEMP.topic, 'not json', { qos: 1 });
  await page.goto(`${demo.url}/#/console/sensors`);
  const problem = `[data-testid=sensor-list] tr[data-sensor="${TEMP.id}"] .problem`;
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === '消息格式错误', problem, WAIT);
  await shoot(page, 'console-sensors-zh-CN');
  assert.deepEqual(await englishLeft(page), []);
  await page.goto(`${demo.url}/#/console`);
  await page.waitForSelector('[data-testid=channel-list]');
  await shoot(page, 'console-zh-CN');
  assert.deepEqual(await englishLeft(page), []);
  assert.deepEqual(errors, [], 'no uncaught error in the page');
});

test('dispatch: the queue, an alarm title, "the condition ended" and "dispatch needs departmentId" in Chinese', { timeout: 180_000 }, async (t) => {
  const rising = (await demo.api<{ items: Incident[] }>('admin', `/api/incidents?type=temperature_rising&sourceId=${TEMP.id}`)).items[0]!;
  const page = await view(t, '#/dispatch');
  await page.waitForSelector(`[data-testid=dispatch-queue] tr[data-incident="${rising.id}"]`, WAIT);
  await shoot(page, 'dispatch-queue-zh-CN');
  assert.deepEqual(await englishLeft(page), []);

  await page.goto(`${demo.url}/#/dispatch/${rising.id}`);
  await page.waitForSelector('[data-testid=flow-log] li[data-action=clear]', WAIT);
  assert.equal(await page.textContent('[data-testid=flow-log] li[data-action=clear] .flow-note'), '报警条件已解除');
  const accepted = await demo.api<Incident>('admin', `/api/incidents/${rising.id}/actions/accept`, { body: { version: rising.version } });
  assert.equal(accepted.status, 'accepted');
  // The API: the English message for API users, the code beside it.
  const refused = await fetch(`${demo.url}/api/incidents/${rising.id}/actions/dispatch`, {
    method: 'POST', headers: { authorization: `Bearer ${demo.keys.admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ version: accepted.version }),
  });
  assert.equal(refused.status, 400);
  const body = await refused.json() as { message: string; field: string; messageCode: string };
  assert.deepEqual([body.message, body.field, body.messageCode], ['dispatch needs departmentId', 'departmentId', 'dispatch_needs_department']);
  await page.waitForSelector('[data-testid=actions] button[data-action=dispatch]', WAIT);
  await page.click('[data-testid=actions] button[data-action=dispatch]');
  await page.waitForSelector('[data-testid=form-dispatch] select[name=departmentId]', WAIT);
  await page.click('[data-testid=form-dispatch] button[type=submit]');
  const fieldError = await page.waitForSelector('[data-testid=field-error-departmentId]', WAIT);
  assert.equal(await fieldError.textContent(), '派遣前请选择处置部门');
  await shoot(page, 'dispatch-detail-zh-CN');
  assert.deepEqual(await englishLeft(page), []);
  assert.deepEqual(errors, [], 'no uncaught error in the page');
});

test('sensors: incident types and units in Chinese; no English server text', { timeout: 180_000 }, async (t) => {
  const page = await view(t, '#/sensors');
  const card = `.sensor-grid [data-sensor="${TEMP.id}"]`;
  await page.waitForSelector(`${card} .reading[data-metric=temp]`, WAIT);
  assert.equal(await page.textContent(`${card} .reading[data-metric=temp] .unit`), '°C', 'Cel is written °C');
  // Over 60 °C (and fast): the card fires and names its rule in Chinese (过高, or 上升过快 when the rise rule is the one shown).
  await probe!.publishAsync(TEMP.topic, JSON.stringify({ value: 70, ts: Date.now() }), { qos: 1 });
  await page.waitForSelector(`${card}[data-status=firing]`, WAIT);
  await page.waitForFunction((sel) => /温度(过高|上升过快) · 自/.test(document.querySelector(sel)?.textContent ?? ''), card, WAIT);
  await shoot(page, 'sensors-zh-CN');
  assert.deepEqual(await englishLeft(page), []);
  assert.deepEqual(errors, [], 'no uncaught error in the page');
});

test('console: the connection test (ok, unreachable, too often), an unknown detection profile, the GBK import note and a refused import in Chinese', { timeout: 240_000 }, async (t) => {
  const page = await view(t, '#/console/channels/new');
  const form = '[data-testid=channel-form]';
  await page.waitForSelector(form, WAIT);
  const result = '[data-testid=test-connection-result]';
  const runTest = async (url: string, state: 'ok' | 'failed') => {
    await page.fill(`${form} [name="source.url"]`, url);
    await page.click('[data-testid=test-connection-run]');
    await page.waitForSelector(`[data-testid=test-connection][data-state=${state}]`, WAIT);
    return (await page.textContent(result)) ?? '';
  };
  const sim = (await demo.api<{ source: { url: string } }>('admin', '/api/channels/cam-school-03')).source.url;
  assert.match(await runTest(sim, 'ok'), /^连接成功：h264 \d+×\d+ @[\d.?]+ fps（\d+ 毫秒）$/);
  assert.deepEqual(await englishLeft(page), []);
  const refused = 'rtsp://127.0.0.1:9/refused';
  assert.match(await runTest(refused, 'failed'), /^连接失败：无法连接/);
  await shoot(page, 'console-test-connection-zh-CN');
  assert.deepEqual(await englishLeft(page), []);
  // The answer carries the reason's code beside its English.
  const callTest = () => fetch(`${demo.url}/api/channels/test`, {
    method: 'POST', headers: { authorization: `Bearer ${demo.keys.admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ source: { url: refused } }),
  });
  const answer = await (await callTest()).json() as { ok: boolean; reason: string; reasonCode: string };
  assert.deepEqual([answer.ok, answer.reason, answer.reasonCode], [false, 'unreachable', 'unreachable']);
  // Tests from this key until the gateway says "too often" (6 a minute); then the form's next one is refused too.
  const tooOften = await waitFor(async () => {
    const res = await callTest();
    return res.status === 429 ? res.json() as Promise<{ code: string; message: string; messageCode: string }> : undefined;
  }, 60_000, 'a 429 for the connection test');
  assert.deepEqual([tooOften.code, tooOften.messageCode], ['GW_ERR_TOO_MANY_REQUESTS', 'test_too_often']);
  assert.match(tooOften.message, /a minute per key/, 'the English for API users');
  await page.click('[data-testid=test-connection-run]');
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent?.startsWith('连接测试过于频繁'), result, WAIT);
  await shoot(page, 'console-test-connection-too-often-zh-CN');
  assert.deepEqual(await englishLeft(page), []);

  // A CSV saved by a Chinese Excel (GBK), sent as UTF-8, one row naming a profile that does not exist.
  const csv = [
    'id,name,kind,source.url,gridCode,detectionProfile',
    `cam-i18n-gbk,测试-导入,rtsp,rtsp://127.0.0.1:9/gbk,${GRID},`,
    `cam-i18n-noprofile,测试-无此配置,rtsp,rtsp://127.0.0.1:9/np,${GRID},${MISSING_PROFILE}`,
  ].join('\n');
  await page.goto(`${demo.url}/#/console/import`);
  await page.waitForSelector('[data-testid=import-panel]', WAIT);
  await page.setInputFiles('#import-file', { name: 'cameras-gbk.csv', mimeType: 'text/csv', buffer: iconv.encode(`${csv}\n`, 'gb18030') });
  await page.selectOption('[data-testid=import-panel] select[name=charset]', 'utf-8');
  await page.click('[data-testid=run-import]');
  const note = '[data-testid=import-encoding]';
  await page.waitForSelector(note, WAIT);
  assert.equal(await page.textContent(note), '文件不是 UTF-8 编码，已按 GB18030（GBK）读取。如有乱码，请在 Excel 中另存为“CSV UTF-8”。');
  const rowError = '[data-testid=import-report] tr[data-id="cam-i18n-noprofile"] .row-error[data-field=detectionProfile]';
  assert.equal(await page.textContent(rowError), `detectionProfile 识别配置“${MISSING_PROFILE}”不存在`);
  // Written for real, every row or none: refused, said in Chinese.
  await page.uncheck('#import-dry');
  await page.click('[data-testid=run-import]');
  const rejected = '[data-testid=import-rejected]';
  await page.waitForSelector(rejected, WAIT);
  assert.equal(await page.textContent(rejected), '共 2 行，其中 1 行有误，未写入任何数据');
  await shoot(page, 'console-import-gbk-zh-CN');
  assert.deepEqual(await englishLeft(page), []);
  // The same report in English, from the same codes (said again on the switch).
  await switchLang(page, 'English');
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === '1 of 2 rows are invalid; nothing was written', rejected, WAIT);
  assert.equal(await page.textContent(rowError), `detectionProfile detection profile '${MISSING_PROFILE}' does not exist`);
  assert.match((await page.textContent(note)) ?? '', /^the file is not UTF-8; it was read as GB18030/);
  await switchLang(page, '中文');
  assert.deepEqual(errors, [], 'no uncaught error in the page');
});
