// The operators' video wall in headless Chromium against the real demo:
// log in, a 4-tile HLS wall plays, an incident raised by the detector flashes
// its tile and draws the box over the red square in the picture, acknowledge
// moves it to accepted, the tour rotates, both languages render.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openWall, pageErrors, screenshot } from './helpers/browser.ts';
import { startDemo, type DemoGateway } from './helpers/demo.ts';

let demo: DemoGateway;
let browser: Browser;
let page: Page;

before(async () => {
  demo = await startDemo();
  browser = await launchBrowser();
  page = await openWall(browser, demo.url, demo.keys.operator, '#/wall');
  await page.waitForSelector('[data-camera=cam-dongmen-01]');
});
after(async () => {
  await browser?.close();
  await demo?.stop();
});

const tile = (i: number) => `[data-testid=tile-${i}]`;
const currentTimes = () => page.$$eval('.tile video', (vs) => vs.map((v) => (v as HTMLVideoElement).currentTime));

test('a 4-tile wall plays HLS from the demo cameras', async () => {
  await page.click('[data-layout="4"]');
  for (const id of ['cam-dongmen-01', 'cam-hedi-02', 'cam-school-03', 'cam-drone-01']) await page.click(`[data-camera=${id}]`);
  for (let i = 0; i < 4; i++) await page.waitForSelector(`${tile(i)}[data-state=playing]`, { timeout: 30_000 });
  // The set, not the order: the demo's detector may raise an alarm meanwhile, and an alarm brings its camera into the alarm tile.
  assert.deepEqual((await page.$$eval('.tile', (ts) => ts.map((t) => (t as HTMLElement).dataset.channel))).sort(), ['cam-dongmen-01', 'cam-drone-01', 'cam-hedi-02', 'cam-school-03']);
  const first = await currentTimes();
  await page.waitForTimeout(3000);
  const later = await currentTimes();
  for (let i = 0; i < 4; i++) assert.ok(later[i]! > first[i]! + 1, `tile ${i} advanced from ${first[i]} to ${later[i]}`);
  const stats = await page.textContent(`${tile(0)} [data-testid=tile-stats]`);
  assert.match(stats ?? '', /640×360 · \d+ fps · \d+ kbps · 延迟 \d+\.\d 秒/);
  console.log(`screenshot: ${await screenshot(page, 'wall-4-tiles')}`);
});

test('an incident from a camera not on the wall brings it into the alarm tile and draws the box over the red square', async () => {
  // A second camera on the red-square stream with the people profile: its detector raises an intrusion when the square enters the east half.
  const source = await demo.api<{ source: { url: string } }>('admin', '/api/channels/cam-dongmen-01');
  await demo.api('admin', '/api/channels', { body: { id: 'cam-red-test', name: '测试-红方块', kind: 'rtsp', source: { url: source.source.url }, gridCode: '310101001001001', mode: 'always-on', detectionProfile: 'people' } });
  const alarmTile = tile(3); // the last tile of the layout is the alarm tile by default
  await page.waitForSelector(`${alarmTile}[data-channel=cam-red-test][data-alarm]`, { timeout: 60_000 });
  const incidentId = await page.getAttribute(alarmTile, 'data-alarm');
  await page.waitForSelector(`${alarmTile}[data-state=playing]`, { timeout: 30_000 });
  await page.waitForFunction((sel) => (document.querySelector(`${sel} canvas`) as HTMLCanvasElement | null)?.dataset.boxes?.startsWith('[{'), alarmTile, { timeout: 20_000 });

  // The box on screen against the red square in the picture, both in the tile's CSS pixels, read in one go.
  const seen = await page.$eval(alarmTile, (el) => {
    const video = el.querySelector('video') as HTMLVideoElement;
    const boxes = JSON.parse((el.querySelector('canvas') as HTMLCanvasElement).dataset.boxes ?? '[]') as Array<{ label: string; x: number; y: number; w: number; h: number }>;
    const c = document.createElement('canvas');
    [c.width, c.height] = [video.videoWidth, video.videoHeight];
    const g = c.getContext('2d')!;
    g.drawImage(video, 0, 0);
    const { data } = g.getImageData(0, 0, c.width, c.height);
    let [x0, y0, x1, y1] = [Infinity, Infinity, -1, -1];
    for (let y = 0; y < c.height; y++) for (let x = 0; x < c.width; x++) {
      const i = (y * c.width + x) * 4;
      if (data[i]! > 180 && data[i + 1]! < 80 && data[i + 2]! < 80) [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
    }
    const scale = Math.min(el.clientWidth / c.width, el.clientHeight / c.height);
    const ox = (el.clientWidth - c.width * scale) / 2;
    const oy = (el.clientHeight - c.height * scale) / 2;
    return { boxes, scale, square: { x: ox + x0 * scale, y: oy + y0 * scale, w: (x1 - x0 + 1) * scale, h: (y1 - y0 + 1) * scale } };
  });
  console.log(`screenshot: ${await screenshot(page, 'wall-alarm-overlay')}`);
  assert.equal(seen.boxes.length, 1, JSON.stringify(seen));
  const box = seen.boxes[0]!;
  assert.equal(box.label, 'person');
  // The test detector's box is the square itself (48×48 source pixels): same size and row on screen.
  assert.ok(Math.abs(box.w - 48 * seen.scale) <= 2 && Math.abs(box.h - 48 * seen.scale) <= 2, `box size ${box.w}×${box.h} at scale ${seen.scale}`);
  assert.ok(Math.abs(box.y - seen.square.y) <= 3, `box top ${box.y} vs square top ${seen.square.y}`);
  // Drawn for the frame on screen, the box overlaps the moving square (an unsynchronised box would be ~2 s of motion, ~120 px, away).
  const overlap = Math.min(box.x + box.w, seen.square.x + seen.square.w) - Math.max(box.x, seen.square.x);
  assert.ok(overlap > 0, `box x ${box.x}..${box.x + box.w} vs square ${seen.square.x}..${seen.square.x + seen.square.w}`);
  console.log(`box vs square: ${JSON.stringify({ box, square: seen.square })}`);

  const draws = await page.evaluate(() => (window as unknown as { wallMetrics: { alarmDraws: Array<{ incidentId: string; raisedAt: number; drawnAt: number }> } }).wallMetrics.alarmDraws);
  const draw = draws.find((d) => d.incidentId === incidentId);
  assert.ok(draw, 'the first draw of this alarm is on record');
  console.log(`raise → box on screen: ${draw.drawnAt - draw.raisedAt} ms (camera brought into the alarm tile first)`);
  assert.ok(await page.evaluate(() => (window as unknown as { wallMetrics: { chimes: number } }).wallMetrics.chimes) >= 1, 'the alarm chimed');

  // Acknowledge from the alarm panel: the incident is accepted, leaves the panel, the tile stops flashing.
  await page.click(`[data-testid=alarm-panel] [data-incident="${incidentId}"] [data-action=acknowledge]`);
  await page.waitForSelector(`[data-testid=alarm-panel] [data-incident="${incidentId}"]`, { state: 'detached', timeout: 10_000 });
  const incident = await demo.api<{ status: string; flow: Array<{ action: string; actor: { role: string } }> }>('operator', `/api/incidents/${incidentId}`);
  assert.equal(incident.status, 'accepted');
  assert.deepEqual(incident.flow.map((f) => f.action), ['report', 'accept']);
  assert.equal(incident.flow[1]!.actor.role, 'operator');
  await page.waitForSelector(`${alarmTile}:not([data-alarm])`, { timeout: 5000 });
});

test('hand over to dispatch accepts the incident with the hand-over on record', async () => {
  const { incident } = await demo.api<{ incident: { id: string } }>('operator', '/api/incidents', { body: { type: 'smoke', severity: 'major', title: '社区烟感手动上报', gridCode: '310101001001' } });
  const item = `[data-testid=alarm-panel] [data-incident="${incident.id}"]`;
  await page.waitForSelector(item, { timeout: 10_000 });
  await page.click(`${item} [data-action=hand-over]`);
  await page.waitForSelector(item, { state: 'detached', timeout: 10_000 });
  const after = await demo.api<{ status: string; flow: Array<{ action: string; note: string | null }> }>('operator', `/api/incidents/${incident.id}`);
  assert.equal(after.status, 'accepted');
  assert.match(after.flow.at(-1)!.note ?? '', /移交调度/);
});

test('alarms chime on the other views too', async () => {
  await page.click('[data-testid=nav-sensors]');
  const chimes = () => page.evaluate(() => (window as unknown as { wallMetrics: { chimes: number } }).wallMetrics.chimes);
  const before = await chimes();
  const { incident } = await demo.api<{ incident: { id: string } }>('operator', '/api/incidents', { body: { type: 'smoke', severity: 'major', title: '烟感报警（其他页面）', gridCode: '310101001001' } });
  await page.waitForFunction((n) => (window as unknown as { wallMetrics: { chimes: number } }).wallMetrics.chimes > n, before, { timeout: 10_000 });
  await page.click('[data-testid=nav-wall]');
  await page.click(`[data-testid=alarm-panel] [data-incident="${incident.id}"] [data-action=acknowledge]`);
  await page.waitForSelector(`[data-testid=alarm-panel] [data-incident="${incident.id}"]`, { state: 'detached', timeout: 10_000 });
});

test('the tour cycles the cameras through the tiles', async () => {
  await page.click('[data-layout="1"]');
  await page.fill('[data-testid=tour] input[type=number]', '3');
  await page.click('[data-testid=tour] button');
  const seen = new Set<string>();
  for (let i = 0; i < 3; i++) {
    const current = await page.getAttribute(tile(0), 'data-channel');
    seen.add(current ?? '');
    await page.waitForFunction(([sel, was]) => document.querySelector(sel!)?.getAttribute('data-channel') !== was, [tile(0), current], { timeout: 10_000 });
  }
  assert.ok(seen.size >= 3, `tile 0 showed ${[...seen].join(', ')}`);
  await page.click('[data-testid=tour] button'); // stop
  assert.equal(await page.$$eval('.tile', (ts) => ts.length), 1);
  assert.equal(await page.$$eval('video', (vs) => vs.length), 1, 'players of tiles no longer shown are gone');
});

test('the wall renders in English and in Chinese', async () => {
  const en = await openWall(browser, demo.url, demo.keys.operator, '#/wall', { locale: 'en' });
  await en.waitForSelector('[data-camera=cam-dongmen-01]');
  assert.equal(await en.textContent('[data-testid=nav-wall]'), 'Video wall');
  assert.match((await en.textContent('[data-testid=alarm-panel] h2')) ?? '', /Live alarms/);
  console.log(`screenshot: ${await screenshot(en, 'wall-en')}`);
  await en.click('[data-testid=lang-switch] button:has-text("中文")');
  assert.equal(await en.textContent('[data-testid=nav-wall]'), '视频墙');
  assert.match((await en.textContent('[data-testid=alarm-panel] h2')) ?? '', /实时报警/);
  assert.deepEqual(pageErrors(en), []);
  await en.context().close();
  assert.deepEqual(pageErrors(page), []);
});
