// An ONVIF PTZ camera with live video (issue 23): the camera simulator's RTSP
// streams behind the ONVIF simulator, a video gateway, headless Chromium.
// A camera event while the channel is live carries the channel's own latest
// frame (not the camera's snapshot URI); the wall's PTZ panel shows on the
// ONVIF tile and steers the camera (an arrow held moves it, released stops it;
// a named preset is set, gone to and removed, on the channel and the camera).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { launchBrowser, openWall, pageErrors, playInTile, screenshot } from './helpers/browser.ts';
import type { TestGateway } from './helpers/gateway.ts';
import { CLIP_DIR, startVideoGateway, statusOf, waitFor } from './helpers/video.ts';
import { startCameraSimulator, type CameraSimulator } from './sim/camera-sim.ts';
import { OnvifSimHost, simEvents, type OnvifDeviceSim } from './sim/onvif/index.ts';

const USER = 'admin';
const PASSWORD = 'Wall-onvif-23';

describe('the wall with an ONVIF PTZ camera', () => {
  let sim: CameraSimulator;
  let host: OnvifSimHost;
  let cam: OnvifDeviceSim;
  let t: TestGateway;
  let base: string;
  let channel: string;
  let browser: Browser;
  let page: Page;
  const tile = (i: number) => `[data-testid=tile-${i}]`;

  before(async () => {
    sim = await startCameraSimulator({
      clipDir: CLIP_DIR, streams: [{ path: 'main', clip: 'h264-720p' }, { path: 'sub', clip: 'h264-cif' }], credentials: { username: USER, password: PASSWORD },
    });
    await sim.waitReady('main', 90_000);
    await sim.waitReady('sub', 90_000);
    host = await OnvifSimHost.start({ discovery: false });
    cam = await host.addDevice({ name: 'wall-ptz', username: USER, password: PASSWORD, rtsp: { main: sim.url('main'), sub: sim.url('sub') } });
    t = await startVideoGateway();
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const added = await t.call('engineer', {
      method: 'POST', url: '/api/onvif/channels',
      payload: { host: cam.host, port: cam.port, username: USER, password: PASSWORD, name: 'ONVIF 云台', mode: 'always-on' },
    });
    assert.equal(added.statusCode, 201, added.body);
    channel = (added.json() as { id: string }).id;
    await waitFor(async () => (await statusOf(t, channel)).state === 'online' || undefined, 90_000, 'the ONVIF channel online');
  });
  after(async () => {
    await browser?.close();
    await t?.stop();
    await host?.close();
    await sim?.stop();
  });

  test("a camera event on a live channel carries the channel's own latest frame", async () => {
    await waitFor(async () => {
      const res = await t.call('operator', { method: 'GET', url: `/api/onvif/events/status?channelId=${channel}` });
      return (res.json() as { items: Array<{ state: string }> }).items[0]?.state === 'subscribed' || undefined;
    }, 30_000, 'events subscribed');
    cam.emit(simEvents.tamper(true));
    const incident = await waitFor(async () => {
      const res = await t.call('admin', { method: 'GET', url: `/api/incidents?type=camera_tamper&sourceId=${channel}` });
      return (res.json() as { items: Array<{ evidence?: { snapshots?: string[] } }> }).items[0];
    }, 30_000, 'camera_tamper incident');
    const url = incident.evidence?.snapshots?.[0];
    assert.ok(url, 'a snapshot');
    const jpeg = await t.call('operator', { method: 'GET', url });
    assert.equal(jpeg.statusCode, 200);
    const meta = await sharp(jpeg.rawPayload).metadata();
    // The live main stream is 1280×720; the simulated camera's own snapshot URI serves 352×288.
    assert.deepEqual([meta.width, meta.height], [1280, 720]);
  });

  test('the PTZ panel on the ONVIF tile: an arrow held moves the camera, released stops it; a named preset is set, gone to and removed', async () => {
    browser = await launchBrowser();
    page = await openWall(browser, base, t.keys.operator, '#/wall');
    await playInTile(page, channel);
    // A preset set at the camera itself (its own web page): listed once the panel opens, under its own number.
    cam.ptz.presets.set('7', { token: '7', name: '西门', position: { x: 0.5, y: 0, zoom: 0 } });
    await page.click(`${tile(0)} [data-testid=tile-ptz-toggle]`);
    await page.waitForSelector(`${tile(0)} [data-testid=tile-ptz]`);
    const own = await page.waitForSelector(`${tile(0)} [data-testid=ptz-presets] li[data-index="7"]`, { timeout: 20_000 });
    assert.match((await own.textContent()) ?? '', /西门/);

    const moves = cam.ptz.counts.moves;
    const stops = cam.ptz.counts.stops;
    const left = (await (await page.$(`${tile(0)} [data-testid=ptz-left]`))!.boundingBox())!;
    await page.mouse.move(left.x + left.width / 2, left.y + left.height / 2);
    await page.mouse.down();
    await waitFor(() => (cam.ptz.counts.moves > moves && cam.ptz.moving) || undefined, 20_000, 'ContinuousMove at the camera');
    assert.ok(cam.ptz.lastVelocity!.x < 0 && cam.ptz.lastVelocity!.y === 0, `moving left: ${JSON.stringify(cam.ptz.lastVelocity)}`);
    assert.equal(cam.ptz.counts.stops, stops, 'no stop while the arrow is held');
    await page.mouse.up();
    await waitFor(() => (cam.ptz.counts.stops > stops && !cam.ptz.moving) || undefined, 20_000, 'Stop once released');

    await page.fill(`${tile(0)} [data-testid=ptz-preset-index]`, '5');
    await page.fill(`${tile(0)} [data-testid=ptz-preset-name]`, '东门');
    await page.click(`${tile(0)} [data-testid=ptz-preset-set]`);
    await page.waitForSelector(`${tile(0)} [data-testid=ptz-presets] li[data-index="5"]`, { timeout: 20_000 });
    const row = (await t.call('operator', { method: 'GET', url: `/api/channels/${channel}` })).json() as { ptzPresets?: Array<{ index: number; name?: string; token?: string }> };
    const token = row.ptzPresets?.find((p) => p.index === 5)?.token;
    assert.ok(token && cam.ptz.presets.get(token)?.name === '东门', 'preset 5 set on the camera with its name');
    await screenshot(page, 'i23-onvif-ptz-panel');

    await page.click(`${tile(0)} [data-testid=ptz-presets] li[data-index="5"] [data-testid=ptz-preset-call]`);
    await waitFor(() => cam.ptz.lastPreset === token || undefined, 10_000, 'the camera went to preset 5');
    await page.click(`${tile(0)} [data-testid=ptz-presets] li[data-index="5"] [data-testid=ptz-preset-delete]`);
    await page.waitForSelector(`${tile(0)} [data-testid=ptz-presets] li[data-index="5"]`, { state: 'detached', timeout: 20_000 });
    assert.equal(cam.ptz.presets.has(token), false, 'removed from the camera');
    assert.equal(await page.$(`${tile(0)} [data-testid=ptz-error]`), null, 'no error shown');
    assert.deepEqual(pageErrors(page), []);
  });

  test("the camera's page in the console says its events are subscribed, and which types raise incidents", async () => {
    const consolePage = await openWall(browser, base, t.keys.engineer, `#/console/channels/edit/${channel}`);
    const state = await consolePage.waitForSelector('[data-testid=onvif-facts] [data-fact=eventsState][data-state=subscribed]', { timeout: 30_000 });
    const text = (await state.textContent()) ?? '';
    assert.match(text, /已订阅/);
    assert.match(text, /摄像机遮挡\/破坏/, 'tamper raises incidents by default');
    assert.doesNotMatch(text, /移动侦测/, 'motion does not');
    assert.deepEqual(pageErrors(consolePage), []);
  });
});
