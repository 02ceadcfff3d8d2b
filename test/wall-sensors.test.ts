// The wall's sensor page against the real demo in a real browser: the five
// demo sensors with their latest reading and unit (the same as the API's),
// sparklines with the gas sensor's threshold at 20 on the SVG's own scale, and
// a sensor this test registers and drives over MQTT through pending → firing
// (first, red border) → offline once it goes quiet.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connect, type MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { startDemo, type DemoGateway } from './helpers/demo.ts';
import { launchBrowser, openWall, pageErrors, screenshot } from './helpers/browser.ts';
import { waitFor } from './helpers/video.ts';

type Value = { value: number; unit?: string; ts: string };
type State = { id: string; values: Record<string, Value> };

const DEMO_SENSORS = ['gas-01', 'water-01', 'smoke-01', 'temp-01', 'manhole-01'];
/** How the page writes the UCUM units the demo sends (the rest as they are). */
const UNIT_TEXT: Record<string, string> = { Cel: '°C', deg: '°' };
const PROBE = { id: 'gas-probe', password: 'probe-pass-0001', topic: 'sensors/gas-probe/telemetry' };

let demo: DemoGateway;
let browser: Browser;
let page: Page;
let probe: MqttClient | undefined;

before(async () => {
  demo = await startDemo();
  browser = await launchBrowser();
  page = await openWall(browser, demo.url, demo.keys.operator, '#/sensors', { locale: 'zh-CN' });
});
after(async () => {
  await probe?.endAsync(true);
  await browser?.close();
  await demo?.stop();
});

const card = (id: string) => `.sensor-grid [data-sensor="${id}"]`;
const statusOf = (id: string) => page.getAttribute(card(id), 'data-status');

test('every demo sensor is shown with its latest reading and unit, as the API has it', async () => {
  const states = await demo.api<{ items: State[] }>('operator', '/api/sensors/state');
  for (const id of DEMO_SENSORS) {
    const state = states.items.find((s) => s.id === id);
    assert.ok(state, `${id} is in the demo`);
    const metric = await waitFor(async () => Object.keys((await demo.api<State>('operator', `/api/sensors/${id}/state`)).values)[0], 30_000, `a reading from ${id}`);
    const reading = `${card(id)} .reading[data-metric="${metric}"]`;
    await page.waitForSelector(reading, { timeout: 30_000 });

    // The page polls every 3 s and the sensor publishes every ~2 s, so a look at the page and one at the
    // API just after may be a reading apart. The page must never be ahead of the gateway, and since the
    // readings keep changing, it can only ever show the gateway's latest one if it follows it: look
    // until both show the same reading, then compare the number and unit written on the page.
    const match = await waitFor(async () => {
      const shown = await page.$eval(reading, (el) => ({
        ts: (el as HTMLElement).dataset.ts!, unit: (el as HTMLElement).dataset.unit!,
        text: el.querySelector('.value')!.textContent!, unitText: el.querySelector('.unit')?.textContent ?? '',
      }));
      const latest = (await demo.api<State>('operator', `/api/sensors/${id}/state`)).values[metric]!;
      assert.ok(Date.parse(latest.ts) >= Date.parse(shown.ts), `${id}: the page (${shown.ts}) is never ahead of the gateway (${latest.ts})`);
      return latest.ts === shown.ts ? { shown, latest } : undefined;
    }, 60_000, `${id}'s card to show the gateway's latest reading`);
    // The page rounds to two decimals: at most half a hundredth off (plus float error: 0.76 - 0.755 > 0.005).
    assert.ok(Math.abs(Number.parseFloat(match.shown.text) - match.latest.value) <= 0.005 + 1e-9, `${id}: shows ${match.shown.text}, the API has ${match.latest.value}`);
    assert.equal(match.shown.unit, match.latest.unit ?? '', `${id}: unit`);
    assert.equal(match.shown.unitText, match.latest.unit ? UNIT_TEXT[match.latest.unit] ?? match.latest.unit : '', `${id}: unit as written`);
    if (id !== 'smoke-01') assert.ok(match.shown.unitText, `${id} has a unit on the page`);
  }
  assert.equal(await page.textContent(`${card('gas-01')} .kind`), '燃气');
  assert.equal(await page.textContent(`${card('gas-01')} .grid`), '东门广场网格');
});

test("the gas sensor's sparkline has points and its threshold line at the y of 20", async () => {
  const svg = `${card('gas-01')} .reading[data-metric="ch4"]`;
  await page.waitForSelector(svg);
  // Sparklines reload every 30 s: wait for one with a line (two 20 s steps of readings).
  const spark = `${card('gas-01')} svg.sparkline`;
  await waitFor(async () => Number(await page.getAttribute(spark, 'data-points')) >= 2 || undefined, 120_000, 'a gas sparkline with two points');
  const drawn = await page.$eval(spark, (el) => ({
    domain: el.getAttribute('data-y-domain')!.split(' ').map(Number),
    range: el.getAttribute('data-y-range')!.split(' ').map(Number),
    line: el.querySelector('path.line')!.getAttribute('d')!,
    threshold: el.querySelector('.threshold[data-threshold="20"] line')?.getAttribute('y1'),
    dashed: getComputedStyle(el.querySelector('.threshold line')!).strokeDasharray,
    stroke: getComputedStyle(el.querySelector('.threshold line')!).stroke,
  }));
  const [lo, hi] = drawn.domain as [number, number];
  const [bottom, top] = drawn.range as [number, number];
  assert.ok(lo <= 20 && 20 <= hi, `the y range ${lo}…${hi} includes the threshold`);
  assert.ok(drawn.threshold !== undefined, 'a threshold line for ch4 > 20');
  const yOf = (v: number) => bottom - ((v - lo) / (hi - lo)) * (bottom - top);
  assert.ok(Math.abs(Number(drawn.threshold) - yOf(20)) < 0.01, `threshold at y=${drawn.threshold}, 20 is at y=${yOf(20)}`);
  assert.notEqual(drawn.dashed, 'none');
  assert.equal(drawn.stroke, 'rgb(239, 68, 68)');

  const ys = [...drawn.line.matchAll(/[ML]([\d.]+) ([\d.]+)/g)].map((m) => Number(m[2]));
  assert.ok(ys.length >= 2, `the line has points: ${drawn.line}`);
  // The demo's gas readings sit around 3 %LEL, far below 20: the line is drawn below the threshold.
  const values = ys.map((y) => lo + ((bottom - y) / (bottom - top)) * (hi - lo));
  assert.ok(values.every((v) => v >= lo && v <= hi), `points within the scale: ${values.join(', ')}`);
});

test('a sensor driven over its threshold goes pending, then firing and first, then offline when it stops', async () => {
  await demo.api('engineer', '/api/sensors', {
    body: {
      id: PROBE.id, name: '燃气探头-测试', kind: 'gas', unit: '%LEL', gridCode: '310101001001001',
      mqtt: { clientId: PROBE.id, username: PROBE.id, password: PROBE.password },
      rules: { ch4: { above: 20, recover: 10, forSeconds: 12, staleSeconds: 15 } },
    },
  });
  const ingest = await demo.api<{ broker: { ports: { mqtt: number } } }>('operator', '/api/sensors/ingest');
  probe = connect(`mqtt://127.0.0.1:${ingest.broker.ports.mqtt}`, { clientId: PROBE.id, username: PROBE.id, password: PROBE.password, reconnectPeriod: 500 });
  probe.on('error', (err) => console.log(`probe: ${err.message}`)); // the registry change may reach the broker just after us: it reconnects
  await waitFor(() => probe!.connected || undefined, 20_000, 'the probe sensor connected');

  let value = 5;
  const send = () => void probe!.publish(PROBE.topic, JSON.stringify({ value }), { qos: 1 });
  send();
  const publisher = setInterval(send, 1000);
  try {
    await waitFor(async () => (await statusOf(PROBE.id)) === 'normal' || undefined, 30_000, 'the probe card, normal');
    value = 35;
    await waitFor(async () => (await statusOf(PROBE.id)) === 'pending' || undefined, 30_000, 'the probe card, pending');
    await waitFor(async () => (await statusOf(PROBE.id)) === 'firing' || undefined, 60_000, 'the probe card, firing');

    const firstFiring = await page.$eval('.sensor-grid [data-sensor]', (el) => el.getAttribute('data-status'));
    assert.equal(firstFiring, 'firing', 'firing cards come first');
    const border = await page.$eval(card(PROBE.id), (el) => getComputedStyle(el).borderTopColor);
    assert.equal(border, 'rgb(239, 68, 68)', 'a firing card has a red border');
    assert.match((await page.textContent(`${card(PROBE.id)} .reading .value`))!, /^35$/);
    await page.waitForSelector(`${card(PROBE.id)} svg.sparkline .threshold[data-threshold="20"]`, { timeout: 30_000 });
    await screenshot(page, 'sensors-view');

    // The wall's compact side panel, on its own at its width.
    await page.evaluate(() => (location.hash = '#/sensors/panel'));
    const row = `[data-testid=sensor-panel] [data-sensor="${PROBE.id}"]`;
    await page.waitForSelector(row, { timeout: 10_000 });
    assert.equal(await page.getAttribute(row, 'data-status'), 'firing');
    // Among the firing rows at the top (a demo sensor the simulator drives over its threshold may be firing too).
    const order = await page.$$eval('[data-testid=sensor-panel] [data-sensor]', (els) => els.map((el) => [el.getAttribute('data-sensor'), el.getAttribute('data-status')]));
    const at = order.findIndex(([id]) => id === PROBE.id);
    assert.ok(order.slice(0, at + 1).every(([, status]) => status === 'firing'), `with the firing rows first: ${JSON.stringify(order)}`);
    assert.equal(await page.$$eval('[data-testid=sensor-panel] [data-sensor]', (els) => els.length), DEMO_SENSORS.length + 1);
    await page.waitForSelector(`${row} svg.sparkline`, { timeout: 30_000 });
    await screenshot(page, 'sensor-panel');
    await page.evaluate(() => (location.hash = '#/sensors'));
  } finally {
    clearInterval(publisher);
  }
  await probe.endAsync();
  probe = undefined;
  // No reading for staleSeconds (15): offline, whatever its alarm still says.
  await waitFor(async () => (await statusOf(PROBE.id)) === 'offline' || undefined, 90_000, 'the probe card, offline');
  assert.deepEqual(pageErrors(page), []);
});
