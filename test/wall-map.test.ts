// The wall's map (地图) in headless Chromium against the real demo, with a base
// map in GCJ-02 served by this test (solid tiles, one pixel marked where a
// camera's GCJ-02 position falls) and alarm linkage on auto: the demo's cells
// and devices in their places (a camera's point inside its grid cell: a click
// on that pixel of the canvas picks the cell), clicking a camera plays it, a
// new incident appears without a reload, the marker sits on the marked pixel
// of the tiles, a gas alarm brings its nearest cameras into the wall's tiles,
// and device status arrives by events: a camera whose ffmpeg is killed and a
// sensor that says offline turn red with the status re-read held still.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
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
    // A killed ingest stays offline a while before its restart, so the test sees the marker red.
    '--video.backoff.initialMs', '10000',
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

/** Where a WGS-84 point is drawn on the page (through the map's own GCJ-02 placement). */
const pagePoint = (lat: number, lng: number) => {
  const g = toCrs({ lng, lat }, 'gcj02');
  return page.evaluate(([la, ln]) => {
    const map = (window as unknown as { wallMap: { latLngToContainerPoint: (c: [number, number]) => { x: number; y: number }; getContainer: () => HTMLElement } }).wallMap;
    const p = map.latLngToContainerPoint([la!, ln!]);
    const box = map.getContainer().getBoundingClientRect();
    return { x: box.left + p.x, y: box.top + p.y };
  }, [g.lat, g.lng]);
};

/** Clicks the map's outlines (drawn on a canvas) at a page point, the markers out of the way. */
async function clickOutlinesAt(at: { x: number; y: number }): Promise<void> {
  await page.addStyleTag({ content: '.leaflet-marker-pane { display: none }' });
  await page.mouse.click(at.x, at.y);
  await page.evaluate(() => document.querySelectorAll('style').forEach((s) => { if (s.textContent?.includes('.leaflet-marker-pane { display: none }')) s.remove(); }));
}

/** The colour on screen at a page point, the markers hidden. */
async function pixelAt(at: { x: number; y: number }): Promise<[number, number, number]> {
  await page.addStyleTag({ content: '.leaflet-marker-pane { visibility: hidden }' });
  const { data, info } = await sharp(await page.screenshot({ clip: { x: Math.round(at.x), y: Math.round(at.y), width: 1, height: 1 } })).raw().toBuffer({ resolveWithObject: true });
  await page.evaluate(() => document.querySelectorAll('style').forEach((s) => { if (s.textContent?.includes('.leaflet-marker-pane { visibility: hidden }')) s.remove(); }));
  void info;
  return [data[0]!, data[1]!, data[2]!];
}

/** The demo's own ffmpeg ingest of a channel: a descendant of the demo process whose command writes the channel's HLS. */
function ingestPids(rootPid: number, channelId: string): number[] {
  const parent = new Map<number, number>();
  const command = new Map<number, string>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      command.set(Number(name), readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' '));
    } catch {
      // The process ended while we looked: not ours to kill anyway.
    }
  }
  const descends = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) if (p === rootPid) return true;
    return false;
  };
  return [...command].filter(([pid, cmd]) => /ffmpeg/.test(cmd) && cmd.includes(`/hls/${channelId}/`) && descends(pid)).map(([pid]) => pid);
}

test('the map draws the demo cells and devices: the camera inside its grid cell, on the GCJ-02 base map', async () => {
  assert.equal(await page.getAttribute('[data-testid=map-canvas]', 'data-crs'), 'gcj02');
  // Every demo cell with an outline is drawn (7: the district, two streets, two communities, two grid cells), on one canvas.
  await page.waitForSelector('[data-testid=map-canvas][data-cells="7"]', { timeout: 20_000 });
  assert.equal(await page.$$eval('.leaflet-overlay-pane canvas', (els) => els.length), 1);
  await showCamera();
  assert.equal(await page.getAttribute(`[data-map-id="${CAMERA.id}"]`, 'data-map-kind'), 'channel');
  const at = await markerCentre();
  // At the camera's pixel (markers out of the way) the topmost outline is its own grid cell: a click there picks it.
  await clickOutlinesAt(at);
  await page.waitForSelector(`[data-testid=map-panel][data-pick=grid][data-id="${CAMERA.cell}"]`, { timeout: 10_000 });
  await page.click('[data-testid=map-panel-close]');
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

test('grid names by zoom: the district far out, its streets, communities and grid cells closer in', async () => {
  const labelsAt = async (zoom: number) => {
    await page.evaluate(([z]) => {
      const map = (window as unknown as { wallMap: { setView: (c: [number, number], z: number, o: object) => void } }).wallMap;
      map.setView([31.232, 121.485], z!, { animate: false });
    }, [zoom]);
    await page.waitForFunction((z) => {
      const map = (window as unknown as { wallMap: { getZoom: () => number } }).wallMap;
      return map.getZoom() === z && document.querySelectorAll('[data-grid-label]').length > 0;
    }, zoom, { timeout: 10_000 });
    // Labels are redrawn on moveend; read them once that drew (the same set twice in a row).
    let seen = '';
    for (;;) {
      const now = (await page.$$eval('[data-grid-label]', (els) => els.map((el) => el.getAttribute('data-grid-label')).sort())).join(',');
      if (now === seen) return now.split(',');
      seen = now;
      await page.waitForTimeout(200);
    }
  };
  assert.deepEqual(await labelsAt(12), ['310101']);
  assert.deepEqual(await labelsAt(13), ['310101001', '310101002']);
  const grid = await labelsAt(15);
  assert.ok(grid.length >= 1 && grid.every((code) => code.length === 15), `grid-level names at 15: ${grid.join(',')}`);
});

test('a grid cell shows its figures', async () => {
  await page.evaluate((code) => {
    const map = (window as unknown as { wallMap: { setView: (c: [number, number], z: number, o: object) => void } }).wallMap;
    map.setView([31.24, 121.4975], 14, { animate: false });
    void code;
  }, CAMERA.cell);
  await page.waitForSelector(`[data-grid-label="310101001"], [data-grid-label="${CAMERA.cell}"], [data-grid-label="310101001001"]`, { timeout: 10_000 });
  // Click inside the cell (at the camera's point, markers out of the way).
  await clickOutlinesAt(await pagePoint(CAMERA.lat, CAMERA.lng));
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
  // The heat of the last 7 days fills the incident's cell (/api/stats/heat counts it): read off the screen inside it.
  const inCell = await pagePoint(CAMERA.lat, CAMERA.lng);
  const plain = await pixelAt(inCell);
  await page.selectOption('[data-testid=heat-period]', '7d');
  const warm = await waitFor(async () => {
    const [r, g, b] = await pixelAt(inCell);
    return r - b > 40 ? [r, g, b] : undefined;
  }, 20_000, 'the cell filled by its heat');
  assert.ok(Math.abs(plain[0] - plain[2]) < 20, `without heat the cell is the plain base map: ${plain.join(',')} → ${warm.join(',')}`);
  console.log(`screenshot: ${await screenshot(page, 'map/map-heat')}`);
  await page.selectOption('[data-testid=heat-period]', 'off');
});

test('alarm linkage: a gas alarm brings its nearest cameras into the wall tiles, and calls the preset that looks at its cell', async () => {
  const PROBE = { id: 'gas-map-probe', password: 'probe-pass-0002', topic: 'sensors/gas-map-probe/telemetry' };
  const at = { lat: 31.2395, lng: 121.4965 };
  // The camera has a PTZ preset that looks at the alarm's cell: linkage turns it there (the API's answer does not matter here:
  // this demo camera is RTSP and refuses PTZ; a GB28181 camera turning is test/gb28181-presets).
  await demo.api('engineer', `/api/channels/${CAMERA.id}`, { method: 'PATCH', body: { ptzPresets: [{ index: 7, name: '燃气井', gridCode: CAMERA.cell }] } });
  const presetCall = page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === `/api/channels/${CAMERA.id}/ptz`, { timeout: 120_000 });
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
    assert.deepEqual((await presetCall).postDataJSON(), { preset: { action: 'call', index: 7 } }, 'the preset on the alarm\'s cell is called');
    // The gas sensor on the map: its card with the readings' sparkline and its rule's threshold (20).
    const sensorMarker = `[data-map-kind=sensor][data-map-id="${PROBE.id}"]`;
    // Added after the map opened: on the map from its next opening.
    await page.click('[data-testid=nav-wall]');
    await page.click('[data-testid=nav-map]');
    await page.waitForSelector('[data-testid=map-canvas][data-ready=true]', { timeout: 30_000 });
    await page.evaluate(([lat, lng]) => {
      const map = (window as unknown as { wallMap: { setView: (c: [number, number], z: number, o: object) => void } }).wallMap;
      map.setView([lat!, lng!], 18, { animate: false });
    }, [toCrs(at, 'gcj02').lat, toCrs(at, 'gcj02').lng]);
    await page.click(sensorMarker, { timeout: 20_000 });
    await page.waitForSelector(`[data-testid=map-panel][data-pick=sensor][data-id="${PROBE.id}"] .sensor-card[data-sensor="${PROBE.id}"]`, { timeout: 20_000 });
    await page.waitForSelector(`.map-panel .sensor-card .sparkline .threshold[data-threshold="20"]`, { timeout: 30_000 });
    await page.waitForFunction(() => Number(document.querySelector('.map-panel .sensor-card .sparkline')?.getAttribute('data-points')) >= 1, null, { timeout: 30_000 });
    console.log(`screenshot: ${await screenshot(page, 'map/map-sensor-card')}`);
    await page.click('[data-testid=map-panel-close]');

    await page.click('[data-testid=nav-wall]');
    for (const id of offer.cameras) await page.waitForSelector(`.tile[data-channel="${id}"]`, { timeout: 20_000 });
    console.log(`screenshot: ${await screenshot(page, 'map/linkage-wall')}`);
  } finally {
    clearInterval(publisher);
  }
});

test('status by events: a camera whose ffmpeg is killed and a sensor that says offline turn their markers red without a reload', async () => {
  // The wall's slow status re-read is held at what it said now: from here only the event stream can change a marker.
  const still = JSON.stringify(await demo.api('operator', '/api/channels/status'));
  await page.route('**/api/channels/status', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: still }));
  const PROBE = { id: 'gas-map-status', password: 'probe-pass-0003', at: { lat: 31.2412, lng: 121.4956 } };
  let sensor: MqttClient | undefined;
  try {
    await page.click('[data-testid=nav-map]');
    await page.waitForSelector('[data-testid=map-canvas][data-ready=true]', { timeout: 30_000 });
    await showCamera();
    const marker = (id: string, status: string) => `[data-map-id="${id}"][data-status="${status}"]`;
    await page.waitForSelector(marker(CAMERA.id, 'online'), { timeout: 60_000 });
    const pids = ingestPids(demo.proc.pid!, CAMERA.id);
    assert.ok(pids.length >= 1, 'the camera\'s ingest ffmpeg found under the demo');
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    await page.waitForSelector(marker(CAMERA.id, 'offline'), { timeout: 30_000 });
    assert.match((await page.getAttribute(`[data-map-id="${CAMERA.id}"]`, 'class'))!, /\boffline\b/);
    console.log(`screenshot: ${await screenshot(page, 'map/map-camera-offline')}`);
    // Its restart after the backoff turns it back, by event too.
    await page.waitForSelector(marker(CAMERA.id, 'online'), { timeout: 90_000 });

    // A sensor: online once it publishes, offline when it says so (its last will's topic).
    await demo.api('engineer', '/api/sensors', {
      body: {
        id: PROBE.id, name: '燃气-状态', kind: 'gas', unit: '%LEL', gridCode: CAMERA.cell, location: PROBE.at,
        mqtt: { clientId: PROBE.id, username: PROBE.id, password: PROBE.password },
      },
    });
    // A device added after the map opened is on it at its next opening.
    await page.click('[data-testid=nav-wall]');
    await page.click('[data-testid=nav-map]');
    await page.waitForSelector('[data-testid=map-canvas][data-ready=true]', { timeout: 30_000 });
    await showCamera();
    await page.waitForSelector(`[data-map-id="${PROBE.id}"]`, { timeout: 30_000 });
    const ingest = await demo.api<{ broker: { ports: { mqtt: number } } }>('operator', '/api/sensors/ingest');
    sensor = connect(`mqtt://127.0.0.1:${ingest.broker.ports.mqtt}`, { clientId: PROBE.id, username: PROBE.id, password: PROBE.password, reconnectPeriod: 500 });
    sensor.on('error', (err) => console.log(`sensor: ${err.message}`));
    await waitFor(() => sensor!.connected || undefined, 20_000, 'the sensor connected');
    await sensor.publishAsync(`sensors/${PROBE.id}/telemetry`, JSON.stringify({ value: 0 }), { qos: 1 });
    await page.waitForSelector(marker(PROBE.id, 'online'), { timeout: 30_000 });
    await sensor.publishAsync(`sensors/${PROBE.id}/availability`, 'offline', { qos: 1 });
    await page.waitForSelector(marker(PROBE.id, 'offline'), { timeout: 30_000 });
    console.log(`screenshot: ${await screenshot(page, 'map/map-sensor-offline')}`);
    assert.equal(pageErrors(page).length, 0, pageErrors(page).join('\n'));
  } finally {
    await sensor?.endAsync();
    await page.unroute('**/api/channels/status');
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
    await p.waitForSelector('[data-testid=map-canvas][data-cells="7"]', { timeout: 20_000 });
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
