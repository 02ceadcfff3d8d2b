// The device console's ONVIF page in Chromium, against the gateway (in
// process) and the ONVIF simulator: 扫描 lists the simulated cameras with the
// one already added marked 已添加; the picked ones are imported with the shared
// password, one row with a wrong password of its own is reported at its field
// and not created; a camera's page shows its ONVIF facts.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { OnvifSimHost, type OnvifDeviceSim } from './sim/onvif/index.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { launchBrowser, openWall, pageErrors, screenshot } from './helpers/browser.ts';

const PASSWORD = 'Wall-Onvif-Secret-5';
let sims: OnvifSimHost;
let t: TestGateway;
let browser: Browser;
let page: Page;
let base: string;
const devices: OnvifDeviceSim[] = [];

before(async () => {
  sims = await OnvifSimHost.start();
  for (let n = 1; n <= 4; n++) {
    devices.push(await sims.addDevice({
      name: `wall-cam-${n}`, manufacturer: 'HIKVISION', model: `DS-2CD-W${n}`, serial: `WALL-SERIAL-${n}`, username: 'admin', password: PASSWORD,
      rtsp: { main: `rtsp://127.0.0.1:9/w${n}/main`, sub: `rtsp://127.0.0.1:9/w${n}/sub` },
    }));
  }
  const responder = sims.discoveryAddress!;
  t = await startTestGateway({ argv: ['--onvif.discovery.unicastTo', `[{host: ${responder.host}, port: ${responder.port}}]`, '--onvif.discovery.maxPerHost', '16', '--log.level', 'info'] });
  base = await t.app.listen({ host: '127.0.0.1', port: 0 });
  const added = await t.call('engineer', { method: 'POST', url: '/api/onvif/channels', payload: { host: '127.0.0.1', port: devices[0]!.port, username: 'admin', password: PASSWORD, id: 'cam-w1', name: '已有', enabled: false } });
  assert.equal(added.statusCode, 201, added.body);
  browser = await launchBrowser();
  page = await openWall(browser, base, t.keys.engineer, '#/console/onvif', { locale: 'zh-CN' });
});
after(async () => {
  await browser?.close();
  await t?.stop();
  await sims?.close();
});

const rowOf = (d: OnvifDeviceSim) => `[data-testid=onvif-rows] tr[data-key="127.0.0.1:${d.port}"]`;

test('扫描 lists every simulated camera; the one already added says so and is not picked', async () => {
  await page.waitForSelector('[data-testid=onvif-page]');
  await page.click('[data-testid=onvif-scan]');
  for (const d of devices) await page.waitForSelector(rowOf(d), { timeout: 30_000 });
  assert.equal(await page.getAttribute(rowOf(devices[0]!), 'data-registered'), 'cam-w1');
  assert.match((await page.textContent(rowOf(devices[0]!))) ?? '', /已添加（cam-w1）/);
  assert.equal(await page.isChecked(`${rowOf(devices[0]!)} input[type=checkbox]`), false);
  for (const d of devices.slice(1)) assert.equal(await page.isChecked(`${rowOf(d)} input[type=checkbox]`), true, `${d.port} picked`);
});

test('import with the shared password; a row with a wrong password of its own is reported at its field, the others are created with their facts', async () => {
  await page.fill('[data-testid=onvif-password]', PASSWORD);
  await page.fill(`${rowOf(devices[2]!)} input[name=password]`, 'Wrong-Wall-Pass');
  await page.click('[data-testid=onvif-import]');
  await page.waitForSelector('[data-testid=import-report]', { timeout: 60_000 });
  await page.waitForSelector(`${rowOf(devices[2]!)} [data-testid=onvif-row-result][data-action=error] [data-field=password]`);
  const errorText = (await page.textContent(`${rowOf(devices[2]!)} [data-field=password]`)) ?? '';
  assert.match(errorText, /拒绝了该用户名和密码/, `said in Chinese: ${errorText}`);
  for (const d of [devices[1]!, devices[3]!]) {
    assert.equal(await page.getAttribute(`${rowOf(d)} [data-testid=onvif-row-result]`, 'data-action'), 'create');
  }
  await screenshot(page, 'onvif-import');
  const listed = (await t.call('admin', { method: 'GET', url: '/api/channels?limit=100' })).json().items as Array<{ id: string; onvif?: { xaddr: string } }>;
  assert.equal(listed.length, 3, 'the added one and two imported; the wrong password created nothing');
  assert.ok(!listed.some((c) => c.onvif?.xaddr === devices[2]!.xaddr));
  assert.ok(!((await page.textContent('body')) ?? '').includes(PASSWORD), 'no password shown on the page');
});

test('a camera\'s page shows its ONVIF facts', async () => {
  await page.goto(`${page.url().split('#')[0]}#/console/channels/edit/cam-w1`);
  await page.waitForSelector('[data-testid=onvif-facts]', { timeout: 30_000 });
  const text = (await page.textContent('[data-testid=onvif-facts]')) ?? '';
  for (const s of ['HIKVISION', 'DS-2CD-W1', 'WALL-SERIAL-1', 'Profile_1', 'Profile_2', '云台']) assert.ok(text.includes(s), `${s} in ${text}`);
  assert.deepEqual(pageErrors(page), []);
});

test('in English the page and the facts say it in English', async () => {
  const en = await openWall(browser, base, t.keys.engineer, '#/console/onvif', { locale: 'en' });
  await en.waitForSelector('[data-testid=onvif-page]');
  assert.equal((await en.textContent('[data-testid=onvif-scan]'))?.trim(), 'Scan');
  assert.doesNotMatch((await en.textContent('[data-testid=onvif-page]')) ?? '', /[\u4e00-\u9fff]/, 'no Chinese on the English page');
  await en.goto(`${base}/#/console/channels/edit/cam-w1`);
  await en.waitForSelector('[data-testid=onvif-facts]', { timeout: 30_000 });
  assert.match((await en.textContent('[data-testid=onvif-facts]')) ?? '', /Manufacturer.*HIKVISION/);
  assert.deepEqual(pageErrors(en), []);
});
