// The wall's map (地图) in headless Chromium against the real demo, with a base
// map in GCJ-02 served by this test (solid tiles, one pixel marked where a
// camera's GCJ-02 position falls) and alarm linkage on auto: the demo's cells
// and devices in their places (a camera's point inside its grid cell, read off
// the drawn SVG at that pixel), clicking a camera plays it, a new incident
// appears without a reload, the marker sits on the marked pixel of the
// tiles, and a gas alarm brings its nearest cameras into the wall's tiles.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { connect, type MqttClient } from 'mqtt';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { toCrs } from '../gateway/map/coords.ts';
import { launchBrowser, openWall, pageErrors, screenshot } from './helpers/browser.ts';
import { startDemo, type DemoGateway } from './helpers/demo.ts';
import { waitFor } from './helpers/video.ts';

const CAMERA = { id: 'cam-dongmen-01', lat: 31.24, lng: 121.497, cell: '310101001001001' };
const ZOOM = 17;
const MARK = [255, 0, 0];

/** Web Mercator pixel of a [lng, lat] at a zoom (256-pixel tiles). */
function worldPixel(lng: number, lat: number, zoom: number): { x: number; y: number } {
  const scale = 256 * 2 ** zoom;
  const s = Math.sin((lat * Math.PI) / 180);
  return { x: ((lng + 180) / 360) * scale, y: (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * scale };
}

// The camera's position on a GCJ-02 map: where the marked pixel goes.
const gcj = toCrs({ lng: CAMERA.lng, lat: CAMERA.lat }, 'gcj02');
const marked = worldPixel(gcj.lng, gcj.lat, ZOOM);
const markedTile = { x: Math.floor(marked.x / 256), y: Math.floor(marked.y / 256) };
const inTile = { x: Math.floor(marked.x) % 256, y: Math.floor(marked.y) % 256 };

async function tilePng(z: number, x: number, y: number): Promise<Buffer> {
  const raw = Buffer.alloc(256 * 256 * 3, 0xe8);
  if (z === ZOOM && x === markedTile.x && y === markedTile.y) {
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
      const px = inTile.x + dx;
      const py = inTile.y + dy;
      if (px >= 0 && px < 256 && py >= 0 && py < 256) raw.set(MARK, (py * 256 + px) * 3);
    }
  }
  return sharp(raw, { raw: { width: 256, height: 256, channels: 3 } }).png().toBuffer();
}

let tiles: Server;
let demo: DemoGateway;
let browser: Browser;
let page: Page;
let probe: MqttClient | undefined;

before(async () => {
  tiles = createServer((req, res) => {
    const m = /^\/(\d+)\/(\d+)\/(\d+)\.png$/.exec(req.url ?? '');
    if (!m) return void res.writeHead(404).end();
    void tilePng(Number(m[1]), Number(m[2]), Number(m[3])).then((png) => res.writeHead(200, { 'content-type': 'image/png', 'access-control-allow-origin': '*' }).end(png));
  });
  await new Promise<void>((resolve) => tiles.listen(0, '127.0.0.1', resolve));
  const port = (tiles.address() as AddressInfo).port;
  demo = await startDemo([
    '--map.tiles', `[{name: test-gcj02, url: "http://127.0.0.1:${port}/{z}/{x}/{y}.png", crs: gcj02, maxZoom: 19}]`,
    '--wall.linkage.mode', 'auto', '--wall.linkage.radiusMeters', '2000', '--wall.linkage.cameras', '3',
  ]);
  browser = await launchBrowser();
  page = await openWall(browser, demo.url, demo.keys.operator, '#/map');
  await page.waitForSelector('[data-testid=map-canvas][data-ready=true]', { timeout: 30_000 });
});
after(async () => {
  await probe?.endAsync();
  await browser?.close();
  await demo?.stop();
  await new Promise((resolve) => tiles?.close(resolve));
});

/** Centres the map on the camera at ZOOM and waits for its marker, unclustered. */
async function showCamera(): Promise<void> {
  await page.evaluate(([lat, lng, z]) => {
    const map = (window as unknown as { wallMap: { setView: (c: [number, number], z: number, o: object) => void } }).wallMap;
    // The map's own conversion: centre on where the camera is drawn.
    map.setView([lat!, lng!], z!, { animate: false });
  }, [gcj.lat, gcj.lng, ZOOM]);
  await page.waitForSelector(`[data-map-id="${CAMERA.id}"]`, { timeout: 30_000 });
}

const markerCentre = () => page.$eval(`[data-map-id="${CAMERA.id}"]`, (el) => {
  const r = el.getBoundingClientRect();
  return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
});

test('the map draws the demo cells and devices: the camera inside its grid cell, on the GCJ-02 base map', async () => {
  assert.equal(await page.getAttribute('[data-testid=map-canvas]', 'data-crs'), 'gcj02');
  // Every demo cell with an outline is drawn, by level.
  await page.waitForSelector(`path.grid-${CAMERA.cell}`, { state: 'attached', timeout: 20_000 });
  for (const code of ['310101', '310101001', '310101002', '310101001001', '310101002001', '310101002001001']) {
    assert.equal(await page.$$eval(`path.grid-${code}`, (els) => els.length), 1, `cell ${code} drawn`);
  }
  await showCamera();
  assert.equal(await page.getAttribute(`[data-map-id="${CAMERA.id}"]`, 'data-map-kind'), 'channel');
  const at = await markerCentre();
  // Under the camera's pixel (markers hidden), the topmost outline is its own grid cell.
  const under = await page.evaluate(({ x, y }) => {
    const pane = document.querySelector('.leaflet-marker-pane') as HTMLElement;
    pane.style.display = 'none';
    const el = document.elementFromPoint(x, y);
    pane.style.display = '';
    return el?.getAttribute('class') ?? '';
  }, at);
  assert.match(under, new RegExp(`grid-${CAMERA.cell}\\b`), `the camera's pixel lies in ${CAMERA.cell}: ${under}`);
  assert.equal(pageErrors(page).length, 0, pageErrors(page).join('\n'));
  console.log(`screenshot: ${await screenshot(page, 'map/map-gcj02-camera')}`);
});

test('the camera marker sits on the marked pixel of the GCJ-02 tiles', async () => {
  await showCamera();
  const at = await markerCentre();
  // The marked pixel as drawn: the marked tile's image on screen plus the pixel's offset in it.
  const tileSel = `img.leaflet-tile[src$="/${ZOOM}/${markedTile.x}/${markedTile.y}.png"]`;
  await page.waitForSelector(`${tileSel}.leaflet-tile-loaded`, { timeout: 20_000 });
  const tileBox = await page.$eval(tileSel, (el) => { const r = el.getBoundingClientRect(); return { x: r.left, y: r.top, w: r.width }; });
  assert.equal(Math.round(tileBox.w), 256, 'tiles drawn at their own size');
  const mark = { x: tileBox.x + inTile.x + 0.5, y: tileBox.y + inTile.y + 0.5 };
  // And read off the screen: hide the markers, find the red pixels in a screenshot.
  await page.addStyleTag({ content: '.leaflet-marker-pane { visibility: hidden }' });
  // Polled: a tile fades in after it loads, its red blended with the background until then.
  const red = await waitFor(async () => {
    const { data, info } = await sharp(await page.screenshot()).raw().toBuffer({ resolveWithObject: true });
    const found: Array<[number, number]> = [];
    for (let y = 0; y < info.height; y++) for (let x = 0; x < info.width; x++) {
      const i = (y * info.width + x) * info.channels;
      if (data[i]! > 200 && data[i + 1]! < 60 && data[i + 2]! < 60) found.push([x, y]);
    }
    return found.length >= 9 ? found : undefined;
  }, 15_000, 'the marked pixel on screen');
  await page.evaluate(() => document.querySelectorAll('style').forEach((s) => { if (s.textContent?.includes('leaflet-marker-pane { visibility: hidden }')) s.remove(); }));
  assert.ok(red.length > 0 && red.length <= 16, `the marked pixel found once on screen (${red.length} red pixels)`);
  const seen = { x: red.reduce((s, p) => s + p[0], 0) / red.length + 0.5, y: red.reduce((s, p) => s + p[1], 0) / red.length + 0.5 };
  assert.ok(Math.hypot(seen.x - mark.x, seen.y - mark.y) <= 2, `the tile's mark where the tile says: ${JSON.stringify({ seen, mark })}`);
  assert.ok(Math.hypot(at.x - seen.x, at.y - seen.y) <= 3, `the marker on the mark: ${JSON.stringify({ marker: at, mark: seen })}`);
  // Without the conversion the camera would be drawn hundreds of pixels away (GCJ-02 moves Shanghai by ~500 m).
  const raw = worldPixel(CAMERA.lng, CAMERA.lat, ZOOM);
  assert.ok(Math.hypot(raw.x - marked.x, raw.y - marked.y) > 100, 'the test would see a missing conversion');
  console.log(`screenshot: ${await screenshot(page, 'map/map-gcj02-mark')}`);
});

test('clicking a camera plays it in the panel, with send to wall', async () => {
  await showCamera();
  await page.click(`[data-map-id="${CAMERA.id}"]`);
  await page.waitForSelector(`[data-testid=map-panel][data-pick=channel][data-id="${CAMERA.id}"]`);
  await page.waitForSelector(`[data-testid=map-preview][data-channel="${CAMERA.id}"][data-state=playing]`, { timeout: 60_000 });
  await page.waitForFunction(() => ((document.querySelector('[data-testid=map-preview] video') as HTMLVideoElement | null)?.currentTime ?? 0) > 0.5, null, { timeout: 30_000 });
  console.log(`screenshot: ${await screenshot(page, 'map/map-camera-preview')}`);
});

test('a grid cell shows its figures', async () => {
  await page.evaluate((code) => {
    const map = (window as unknown as { wallMap: { setView: (c: [number, number], z: number, o: object) => void } }).wallMap;
    map.setView([31.24, 121.4975], 14, { animate: false });
    void code;
  }, CAMERA.cell);
  await page.waitForSelector(`[data-grid-label="310101001"], [data-grid-label="${CAMERA.cell}"], [data-grid-label="310101001001"]`, { timeout: 10_000 });
  // Click inside the cell away from the markers: its south-east corner area.
  const box = await page.$eval(`path.grid-${CAMERA.cell}`, (el) => { const r = el.getBoundingClientRect(); return { x: r.right - 8, y: r.bottom - 8 }; });
  await page.mouse.click(box.x, box.y);
  await page.waitForSelector(`[data-testid=grid-figures][data-grid="${CAMERA.cell}"]`, { timeout: 10_000 });
  assert.match((await page.textContent('[data-figure=online]'))!, /^\d+ \/ \d+$/);
});

test('a new incident appears on the map without a reload, pulsing', async () => {
  const created = await demo.api<{ incident: { id: string } }>('operator', '/api/incidents', {
    body: { type: 'manhole_open', severity: 'major', title: '地图测试-井盖', location: { lat: 31.2405, lng: 121.4985 }, gridCode: CAMERA.cell },
  });
  const id = created.incident.id;
  const marker = `[data-map-kind=incident][data-map-id="${id}"]`;
  await page.waitForSelector(marker, { timeout: 20_000 });
  assert.match((await page.getAttribute(marker, 'class'))!, /\bpulse\b/);
  assert.equal(await page.getAttribute(marker, 'data-severity'), 'major');
  await page.click(marker);
  await page.waitForSelector(`[data-testid=incident-detail][data-incident="${id}"]`, { timeout: 20_000 });
  console.log(`screenshot: ${await screenshot(page, 'map/map-new-incident')}`);
  // The heat of the last 7 days fills the incident's cell (/api/stats/heat counts it); a cell with none stays clear.
  await page.selectOption('[data-testid=heat-period]', '7d');
  await page.waitForFunction((cell) => Number(document.querySelector(`path.grid-${cell}`)?.getAttribute('fill-opacity')) > 0, CAMERA.cell, { timeout: 20_000 });
  console.log(`screenshot: ${await screenshot(page, 'map/map-heat')}`);
  await page.selectOption('[data-testid=heat-period]', 'off');
});

test('alarm linkage: a gas alarm brings its nearest cameras into the wall tiles', async () => {
  const PROBE = { id: 'gas-map-probe', password: 'probe-pass-0002', topic: 'sensors/gas-map-probe/telemetry' };
  const at = { lat: 31.2395, lng: 121.4965 };
  await demo.api('engineer', '/api/sensors', {
    body: {
      id: PROBE.id, name: '燃气探头-地图', kind: 'gas', unit: '%LEL', gridCode: CAMERA.cell, location: at,
      mqtt: { clientId: PROBE.id, username: PROBE.id, password: PROBE.password },
      rules: { ch4: { above: 20, recover: 10, forSeconds: 2 } },
    },
  });
  const expected = await demo.api<{ items: Array<{ id: string }> }>('operator', `/api/channels/near?lat=${at.lat}&lng=${at.lng}&radius=2000&limit=3`);
  assert.equal(expected.items[0]?.id, CAMERA.id, 'the camera in the same cell first');
  const ingest = await demo.api<{ broker: { ports: { mqtt: number } } }>('operator', '/api/sensors/ingest');
  probe = connect(`mqtt://127.0.0.1:${ingest.broker.ports.mqtt}`, { clientId: PROBE.id, username: PROBE.id, password: PROBE.password, reconnectPeriod: 500 });
  probe.on('error', (err) => console.log(`probe: ${err.message}`));
  await waitFor(() => probe!.connected || undefined, 20_000, 'the probe sensor connected');
  const publisher = setInterval(() => void probe!.publish(PROBE.topic, JSON.stringify({ value: 40 }), { qos: 1 }), 1000);
  try {
    // The gas alarm's incident, then its offer on the wall (other located incidents of the demo have theirs too).
    const incidentId = await waitFor(async () => {
      const open = await demo.api<{ items: Array<{ id: string; source: { id: string } }> }>('operator', '/api/incidents?open=true&limit=500');
      return open.items.find((i) => i.source.id === PROBE.id)?.id;
    }, 90_000, 'the gas alarm\'s incident');
    const sel = `[data-testid=linkage-offer][data-incident="${incidentId}"]`;
    await page.waitForSelector(sel, { timeout: 20_000 });
    const offer = await page.$eval(sel, (el) => ({ placed: el.getAttribute('data-placed'), cameras: [...el.querySelectorAll('[data-linked-camera]')].map((li) => li.getAttribute('data-linked-camera')) }));
    assert.deepEqual(offer.cameras, expected.items.map((c) => c.id));
    assert.equal(offer.placed, 'true', 'mode auto: brought to the wall');
    await page.click('[data-testid=nav-wall]');
    for (const id of offer.cameras) await page.waitForSelector(`.tile[data-channel="${id}"]`, { timeout: 20_000 });
    console.log(`screenshot: ${await screenshot(page, 'map/linkage-wall')}`);
  } finally {
    clearInterval(publisher);
  }
});

test('the map renders in English and in Chinese', async () => {
  const en = await openWall(browser, demo.url, demo.keys.dispatcher, '#/map', { locale: 'en' });
  await en.waitForSelector('[data-testid=map-canvas][data-ready=true]', { timeout: 30_000 });
  assert.equal(await en.textContent('[data-testid=nav-map]'), 'Map');
  await en.waitForSelector('[data-grid-label]', { timeout: 20_000 });
  console.log(`screenshot: ${await screenshot(en, 'map/map-en')}`);
  await en.context().close();
  await page.click('[data-testid=nav-map]');
  assert.equal(await page.textContent('[data-testid=nav-map]'), '地图');
  await page.waitForSelector('[data-testid=map-canvas][data-ready=true]', { timeout: 30_000 });
  console.log(`screenshot: ${await screenshot(page, 'map/map-zh')}`);
});

test('offline first: with no tiles configured the map draws the outlines on a plain background; linkage offers by default', async () => {
  const plain = await startDemo();
  try {
    const p = await openWall(browser, plain.url, plain.keys.operator, '#/map');
    await p.waitForSelector('[data-testid=map-canvas][data-ready=true]', { timeout: 30_000 });
    await p.waitForSelector(`path.grid-${CAMERA.cell}`, { state: 'attached', timeout: 20_000 });
    assert.equal(await p.getAttribute('[data-testid=map-canvas]', 'data-crs'), 'wgs84');
    assert.equal(await p.$$eval('img.leaflet-tile', (els) => els.length), 0, 'no tile asked for');
    await p.waitForSelector('[data-testid=map-offline]');
    await p.waitForSelector('[data-grid-label]', { timeout: 20_000 });
    console.log(`screenshot: ${await screenshot(p, 'map/map-offline')}`);

    // Linkage by default (offer): a reported incident with a location offers its nearest cameras; accepting brings them.
    const near = await plain.api<{ items: Array<{ id: string }> }>('operator', `/api/channels/near?lat=${CAMERA.lat}&lng=${CAMERA.lng}`);
    assert.ok(near.items.length >= 1, 'a camera near the point');
    const { incident } = await plain.api<{ incident: { id: string } }>('operator', '/api/incidents', {
      body: { type: 'manhole_open', severity: 'minor', title: '地图测试-联动', location: { lat: CAMERA.lat, lng: CAMERA.lng }, gridCode: CAMERA.cell },
    });
    const offer = `[data-testid=linkage-offer][data-incident="${incident.id}"]`;
    await p.waitForSelector(`${offer}[data-placed=false]`, { timeout: 20_000 });
    assert.deepEqual(await p.$$eval(`${offer} [data-linked-camera]`, (els) => els.map((el) => el.getAttribute('data-linked-camera'))), near.items.map((c) => c.id));
    console.log(`screenshot: ${await screenshot(p, 'map/linkage-offer')}`);
    await p.click(`${offer} [data-testid=linkage-accept]`);
    await p.waitForSelector(`${offer}[data-placed=true]`);
    await p.click('[data-testid=nav-wall]');
    for (const c of near.items) await p.waitForSelector(`.tile[data-channel="${c.id}"]`, { timeout: 20_000 });
    await p.context().close();
  } finally {
    await plain.stop();
  }
});
