// The wall's choice of stream, digital zoom and the snapshot button, in
// headless Chromium against a real gateway and a simulated camera whose main
// stream is 1280x720 and whose sub-stream is 352x288: small tiles (9, 16)
// play the sub-stream, large ones (1, 4) and full screen the main one, as the
// picture's own size (video.videoWidth) shows; the wheel zooms and a drag pans
// with the box overlay moved alike; the snapshot button downloads a JPEG of
// the picture at its own size.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { ARTIFACTS, launchBrowser, openWall, pageErrors } from './helpers/browser.ts';
import type { TestGateway } from './helpers/gateway.ts';
import { CLIP_DIR, startVideoGateway, waitFor } from './helpers/video.ts';
import { startCameraSimulator, type CameraSimulator } from './sim/camera-sim.ts';

const SHOTS = join(ARTIFACTS, 'substream');
let sim: CameraSimulator;
let t: TestGateway;
let base: string;
let browser: Browser;
let page: Page;

before(async () => {
  sim = await startCameraSimulator({ clipDir: CLIP_DIR, streams: [{ path: 'main', clip: 'h264-720p' }, { path: 'sub', clip: 'h264-cif' }] });
  await sim.waitReady('main', 90_000);
  await sim.waitReady('sub', 90_000);
  t = await startVideoGateway(['--video.onDemandIdleSeconds', '8']);
  base = await t.app.listen({ host: '127.0.0.1', port: 0 });
  for (const payload of [
    { id: 'cam-s', name: '双码流', kind: 'rtsp', mode: 'on-demand', source: { url: sim.url('main') }, subSource: { url: sim.url('sub') } },
    { id: 'cam-m', name: '仅主码流', kind: 'rtsp', mode: 'on-demand', source: { url: sim.url('main') } },
  ]) {
    const res = await t.call('engineer', { method: 'POST', url: '/api/channels', payload });
    assert.equal(res.statusCode, 201, res.body);
  }
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchBrowser();
  page = await openWall(browser, base, t.keys.operator, '#/wall');
  await page.waitForSelector('[data-camera=cam-s]');
});
after(async () => {
  await browser?.close();
  await t?.stop();
  await sim?.stop();
});

const tile = (i: number) => `[data-testid=tile-${i}]`;
const shot = async (name: string) => {
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path });
  console.log(`screenshot: ${path}`);
};

/** Waits until the tile plays a picture of `width` px (the stream's own size) and says which stream it is. */
async function waitForPicture(i: number, width: number, stream: 'main' | 'sub') {
  await page.waitForFunction(({ sel, width, stream }) => {
    const el = document.querySelector(sel);
    const video = el?.querySelector('video');
    return el?.getAttribute('data-state') === 'playing' && video?.videoWidth === width && video.currentTime > 0.5 &&
      el.querySelector('[data-testid=tile-stream]')?.getAttribute('data-stream') === stream;
  }, { sel: tile(i), width, stream }, { timeout: 45_000 });
}
const pictureSize = (i: number) => page.$eval(`${tile(i)} video`, (v) => [(v as HTMLVideoElement).videoWidth, (v as HTMLVideoElement).videoHeight]);

test('9 and 16 tiles (and the small tiles of 1+5) play the sub-stream, 4 tiles, the big tile and full screen the main stream', async () => {
  await page.click('[data-layout="9"]');
  await page.click(`${tile(0)}`);
  await page.click('[data-camera=cam-s]');
  await waitForPicture(0, 352, 'sub');
  assert.deepEqual(await pictureSize(0), [352, 288]);
  assert.equal(await page.textContent(`${tile(0)} [data-testid=tile-stream]`), '子码流');
  await shot('wall-9-sub-stream');

  await page.click('[data-layout="4"]');
  await waitForPicture(0, 1280, 'main');
  assert.deepEqual(await pictureSize(0), [1280, 720]);
  assert.equal(await page.textContent(`${tile(0)} [data-testid=tile-stream]`), '主码流');
  await shot('wall-4-main-stream');

  await page.click('[data-layout="16"]');
  await waitForPicture(0, 352, 'sub');

  // Full screen (a double click on the tile) plays the main stream; leaving it goes back to the sub-stream.
  await page.dblclick(tile(0));
  await page.waitForFunction(() => document.fullscreenElement?.getAttribute('data-testid') === 'tile-0', undefined, { timeout: 10_000 });
  await waitForPicture(0, 1280, 'main');
  await page.waitForFunction((sel) => (document.querySelector(`${sel} video`) as HTMLVideoElement).currentTime > 3, tile(0), { timeout: 20_000 });
  await shot('wall-16-fullscreen-main');
  await page.evaluate(() => document.exitFullscreen());
  await waitForPicture(0, 352, 'sub');

  // 1+5: the big tile plays the main stream, a small one the sub-stream.
  await page.click('[data-layout="1+5"]');
  await waitForPicture(0, 1280, 'main');
  await page.dragAndDrop(`${tile(0)} .tile-head`, tile(1)); // the camera moves from the big tile to a small one
  await waitForPicture(1, 352, 'sub');
  await shot('wall-1plus5-small-tile-sub');
  await page.dragAndDrop(`${tile(1)} .tile-head`, tile(0));
  await page.click('[data-layout="16"]');
  await waitForPicture(0, 352, 'sub');

  // A camera without a sub-stream plays its main stream in a small tile too.
  await page.click(tile(1));
  await page.click('[data-camera=cam-m]');
  await waitForPicture(1, 1280, 'main');
  await shot('wall-16-mixed');

  // The gateway ran the sub-stream from its own ingest; it says so in its status.
  const status = (await t.call('operator', { method: 'GET', url: '/api/channels/cam-s/sub/status' })).json() as { state: string; input?: { width: number } };
  assert.equal(status.state, 'online');
  assert.equal(status.input?.width, 352);
  assert.deepEqual(pageErrors(page), []);
});

test('digital zoom: the wheel zooms around the pointer, a drag pans, the box overlay moves with the picture', async () => {
  await page.click('[data-layout="4"]');
  await waitForPicture(0, 1280, 'main');
  const box = (await page.locator(tile(0)).boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.75, box.y + box.height * 0.5);
  for (let i = 0; i < 4; i++) {
    await page.mouse.wheel(0, -120);
    await page.waitForTimeout(50);
  }
  await page.waitForFunction((sel) => Number(document.querySelector(sel)?.getAttribute('data-zoom')) > 1.9, tile(0), { timeout: 5000 });
  // (No named functions inside: the page does not have tsx's helpers.)
  const zoomed = await page.$eval(tile(0), (el) => {
    const [t, v, c] = [el, el.querySelector('video')!, el.querySelector('canvas')!].map((e) => e.getBoundingClientRect()).map((r) => [r.x, r.y, r.width, r.height].map(Math.round));
    // The tile's inner box (inside its 1 px border), where the picture lives.
    const inner = [t![0]! + el.clientLeft, t![1]! + el.clientTop, el.clientWidth, el.clientHeight];
    return { zoom: Number((el as HTMLElement).dataset.zoom), tile: inner, video: v!, canvas: c! };
  });
  assert.ok(Math.abs(zoomed.video[2]! - zoomed.tile[2]! * zoomed.zoom) <= 2, `the picture is ${zoomed.zoom}× the tile: ${JSON.stringify(zoomed)}`);
  assert.deepEqual(zoomed.canvas, zoomed.video, 'the box overlay is transformed with the picture');
  // Zoomed around the pointer (3/4 of the width): the picture's point under it stays under it.
  const pointerX = zoomed.tile[0]! + zoomed.tile[2]! * 0.75;
  const pictureX = (pointerX - zoomed.video[0]!) / zoomed.zoom;
  assert.ok(Math.abs(pictureX - zoomed.tile[2]! * 0.75) <= 3, `point under the pointer: ${pictureX}`);
  await page.waitForSelector(`${tile(0)} [data-testid=tile-zoom]`);
  await shot('wall-zoomed');

  // Drag to the right by 60 px: the picture follows.
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.75 + 60, box.y + box.height * 0.5, { steps: 5 });
  await page.mouse.up();
  const panned = await page.$eval(tile(0), (el) => Math.round(el.querySelector('video')!.getBoundingClientRect().x));
  assert.ok(Math.abs(panned - (zoomed.video[0]! + 60)) <= 2, `panned from ${zoomed.video[0]} to ${panned}`);
  // The zoom badge resets it.
  await page.click(`${tile(0)} [data-testid=tile-zoom]`);
  await page.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('data-zoom') === '1.00', tile(0), { timeout: 5000 });
  assert.equal(await page.$eval(`${tile(0)} video`, (v) => (v as HTMLElement).style.transform), '');
});

test('the snapshot button downloads a JPEG of the picture at its own size (main in a 4-tile wall, sub in a 9-tile wall)', async () => {
  for (const [layout, size] of [['4', [1280, 720]], ['9', [352, 288]]] as const) {
    await page.click(`[data-layout="${layout}"]`);
    await waitForPicture(0, size[0], layout === '4' ? 'main' : 'sub');
    await page.hover(tile(0));
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 15_000 }), page.click(`${tile(0)} [data-testid=tile-snapshot]`)]);
    assert.match(download.suggestedFilename(), /^双码流-\d{8}-\d{6}\.jpg$/);
    const file = join(SHOTS, `snapshot-${layout}-tiles.jpg`);
    await download.saveAs(file);
    const meta = await sharp(file).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', ...size]);
    const stats = await sharp(file).stats();
    assert.ok(stats.channels.some((c) => c.stdev > 10), 'the JPEG holds a picture, not a blank frame');
  }
  await shot('wall-snapshot-button');
  // The sub-stream stops once no tile plays it any more.
  await page.click('[data-layout="4"]');
  await waitFor(async () => ((await t.call('operator', { method: 'GET', url: '/api/channels/cam-s/sub/status' })).json() as { state: string }).state === 'idle' || undefined, 60_000, 'the sub-stream idle');
});

test('存入事件: a tile with an active alarm saves its picture to the incident (evidence store, a flow record with the URL; version kept)', async () => {
  await page.click('[data-layout="4"]');
  await waitForPicture(0, 1280, 'main');
  const raised = await t.call('engineer', {
    method: 'POST', url: '/api/incidents/candidates',
    payload: { source: { kind: 'detector', id: 'cam-s' }, type: 'intrusion', severity: 'major', title: 'test intrusion', occurredAt: Date.now() },
  });
  assert.ok([200, 201].includes(raised.statusCode), raised.body);
  const incident = (raised.json() as { incident: { id: string; version: number } }).incident;
  await page.waitForSelector(`${tile(0)}[data-alarm="${incident.id}"]`, { timeout: 30_000 });
  await page.hover(tile(0));
  await page.click(`${tile(0)} [data-testid=tile-save-incident]`);
  await page.waitForSelector(`${tile(0)} [data-testid=tile-save-incident][data-saved=true]`, { timeout: 15_000 });
  await shot('wall-saved-to-incident');

  const after = (await t.call('operator', { method: 'GET', url: `/api/incidents/${incident.id}` })).json() as { version: number; status: string; flow: Array<{ action: string; attachments: string[]; note: string | null; data: unknown }> };
  assert.equal(after.version, incident.version, 'a saved snapshot makes no one\'s action stale');
  assert.equal(after.status, 'reported');
  const record = after.flow.find((f) => f.action === 'snapshot');
  assert.ok(record, JSON.stringify(after.flow));
  assert.match(record.attachments[0] ?? '', /^\/api\/snapshots\/\d{8}\/[0-9a-f-]{36}\.jpg$/);
  assert.deepEqual(record.data, { width: 1280, height: 720, channelId: 'cam-s' });
  const jpeg = await t.call('operator', { method: 'GET', url: record.attachments[0]! });
  assert.equal(jpeg.statusCode, 200);
  const meta = await sharp(jpeg.rawPayload).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 1280, 720]);

  // The route refuses what is not a JPEG, an unknown incident, and no key.
  const url = `/api/incidents/${incident.id}/snapshots`;
  assert.equal((await t.call('operator', { method: 'POST', url, headers: { 'content-type': 'image/jpeg' }, payload: Buffer.from('not a picture') })).statusCode, 400);
  assert.equal((await t.call('operator', { method: 'POST', url: '/api/incidents/00000000-0000-4000-8000-000000000000/snapshots', headers: { 'content-type': 'image/jpeg' }, payload: jpeg.rawPayload })).statusCode, 404);
  assert.equal((await t.call(null, { method: 'POST', url, headers: { 'content-type': 'image/jpeg' }, payload: jpeg.rawPayload })).statusCode, 401);
});
