// Frozen video must never pass for live (issue 26), in headless Chromium
// against the real demo with cameras of our own: an RTSP simulator in this
// process (paused at will) and an encoder pushing RTMP (killed and started
// again). A paused source is marked stalled on its tile within seconds (and
// `stalled` in the API while the state stays online); a tile recovers by
// itself when its encoder reconnects or the gateway restarts its ffmpeg, in
// HLS and in FLV; the detection box stays on the moving square in both
// modes (offsets measured in pixels); 16 FLV tiles raise no
// MaxListenersExceededWarning; tile stats count dropped frames.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, launchBrowser, openWall, pageErrors } from './helpers/browser.ts';
import { startDemo, type DemoGateway } from './helpers/demo.ts';
import { waitFor } from './helpers/video.ts';
import {
  BOX_CHANNEL, boxVsSquare, PUSH_CHANNEL, RTSP_CHANNEL, startStallRig, tileOf, waitForFreeze, waitForMovingPicture, waitForState, type StallRig,
} from './helpers/wall-stall.ts';

const SHOTS = join(ARTIFACTS, 'stall');
let demo: DemoGateway;
let rig: StallRig;
let browser: Browser;
let page: Page;
const warnings: string[] = [];

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  demo = await startDemo();
  rig = await startStallRig(demo, { boxChannel: true });
  browser = await launchBrowser();
  page = await openWall(browser, demo.url, demo.keys.operator, '#/wall');
  page.on('console', (m) => void (m.type() === 'warning' && warnings.push(m.text())));
  await page.waitForSelector(`[data-camera=${BOX_CHANNEL}]`, { timeout: 30_000 });
  await page.click('[data-layout="4"]');
  for (const id of [RTSP_CHANNEL, PUSH_CHANNEL, BOX_CHANNEL]) await page.click(`[data-camera=${id}]`);
});
after(async () => {
  await browser?.close();
  await rig?.stop();
  await demo?.stop();
});

const shot = async (sel: string, name: string) => {
  const path = `${SHOTS}/${name}.png`;
  await page.locator(sel).screenshot({ path });
  console.log(`screenshot: ${path}`);
};
/** Once the tile shows its stats again (a second after it plays) and the gateway's status has come round. */
const shotWithStats = async (sel: string, name: string) => {
  await page.waitForSelector(`${sel} [data-testid=tile-stats]`, { timeout: 10_000 });
  await page.waitForSelector(`${sel} .dot.online`, { timeout: 15_000 });
  await shot(sel, name);
};
type Status = { state: string; stalled?: boolean; lastFrameAgeMs?: number; pid?: number };
const status = (id: string) => demo.api<Status>('operator', `/api/channels/${id}/status`);

for (const mode of ['hls', 'flv'] as const) {
  test(`${mode}: a paused source is marked stalled on its tile within 5 s and plays again when it resumes`, async () => {
    await page.selectOption('[data-testid=play-mode]', mode);
    const sel = tileOf(RTSP_CHANNEL);
    await waitForMovingPicture(page, sel, 60_000);
    rig.sim.server.pause('stall');
    const pausedAt = Date.now();
    let markedDelay = 0;
    let resumedAt = 0;
    try {
      const markedAt = await waitForState(page, sel, 'stalled', 20_000);
      markedDelay = markedAt - pausedAt;
      console.log(`${mode}: source paused → stall mark on the tile: ${markedAt - pausedAt} ms`);
      // "Within 5 s", with slack for a busy 2-core machine; the bench measures it properly.
      assert.ok(markedAt - pausedAt < 5000 + 3000, `marked after ${markedAt - pausedAt} ms`);
      assert.match((await page.textContent(`${sel} [data-testid=stall-mark]`)) ?? '', /画面停滞/);
      assert.equal(await page.$eval(`${sel} .dot`, (d) => getComputedStyle(d).backgroundColor), 'rgb(240, 160, 32)', 'the dot is amber, not green');
      // The API: stalled within seconds, while the supervisor's verdict (online until its watchdog acts) stands.
      // (The tile judges from its last rendered frame, the gateway from the last frame ffmpeg took in: a few hundred ms apart.)
      const s = await waitFor(async () => { const x = await status(RTSP_CHANNEL); return x.stalled ? x : undefined; }, 5000, 'the API to say stalled');
      assert.equal(s.state, 'online');
      assert.ok((s.lastFrameAgeMs ?? 0) > 3000, JSON.stringify(s));
      await shot(sel, `stalled-tile-${mode}`);
    } finally {
      rig.sim.server.resume('stall');
      resumedAt = Date.now();
    }
    const movingAt = await waitForMovingPicture(page, sel, 40_000);
    console.log(`${mode}: stall mark ${markedDelay} ms after the pause; moving picture again ${movingAt - resumedAt} ms after the resume`);
    // ffmpeg reports progress about twice a second: the status follows within a moment.
    const deadline = Date.now() + 10_000;
    while ((await status(RTSP_CHANNEL)).stalled !== false) {
      assert.ok(Date.now() < deadline, 'the status says stalled 10 s after frames came back');
      await page.waitForTimeout(200);
    }
  });

  test(`${mode}: a tile recovers by itself after its encoder reconnects and after the gateway restarts its ffmpeg`, async () => {
    await page.selectOption('[data-testid=play-mode]', mode);
    const push = tileOf(PUSH_CHANNEL);
    await waitForMovingPicture(page, push, 60_000);
    // Away longer than the stall mark takes (a gap under 3 s passes as a hiccup, and the live server resumes it).
    const left = page.waitForSelector(`${push}:not([data-state=playing])`, { timeout: 20_000, state: 'attached' });
    await rig.reconnectEncoder(5000);
    const reconnectAt = Date.now();
    // It went through a stall, a failure or no signal, and came back without a click.
    await left;
    const back = await waitForMovingPicture(page, push, 60_000);
    console.log(`${mode}: encoder reconnected → moving picture: ${back - reconnectAt} ms`);
    await shotWithStats(push, `recovered-push-tile-${mode}`);

    const rtsp = tileOf(RTSP_CHANNEL);
    await waitForMovingPicture(page, rtsp, 60_000);
    const { pid } = await status(RTSP_CHANNEL);
    assert.ok(pid, 'the RTSP channel has an ffmpeg');
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    // FLV may ride through: the live server resumes a stream whose publisher is back within seconds.
    const frozeAt = await waitForFreeze(page, rtsp, 8000);
    const again = await waitForMovingPicture(page, rtsp, 60_000);
    console.log(`${mode}: gateway ffmpeg killed → ${frozeAt === null ? 'the picture never stopped' : `picture stopped, moving again ${again - killedAt} ms after the kill`}`);
    assert.notEqual((await status(RTSP_CHANNEL)).pid, pid, 'a new ffmpeg runs');
    await shotWithStats(rtsp, `recovered-rtsp-tile-${mode}`);
  });
}

// The square moves 59.2 source px/s (h264 360p clip); 0.4 s of motion in the 4-tile layout is ~18 CSS px.
const BOX_BOUND_PX = 20;

for (const mode of ['hls', 'flv'] as const) {
  test(`${mode}: the detection box stays on the moving square (offset in pixels)`, async () => {
    await page.selectOption('[data-testid=play-mode]', mode);
    const sel = tileOf(BOX_CHANNEL);
    await waitForMovingPicture(page, sel, 60_000);
    await page.waitForSelector(`${sel}[data-alarm]`, { timeout: 90_000 });
    await page.waitForFunction((s) => (document.querySelector(`${s} canvas`) as HTMLCanvasElement | null)?.dataset.boxes?.startsWith('[{'), sel, { timeout: 30_000 });
    const offsets: number[] = [];
    let jumps = 0;
    const until = Date.now() + 12_000;
    while (Date.now() < until) {
      const s = await boxVsSquare(page, sel);
      // Right after the square wraps to the left edge the box is still on the right: counted apart.
      if (s && Math.abs(s.dx) > 3 * s.boxW) jumps++;
      else if (s) offsets.push(Math.abs(s.dx));
      await page.waitForTimeout(100);
    }
    offsets.sort((a, b) => a - b);
    const p50 = offsets[Math.floor(offsets.length / 2)]!;
    const p90 = offsets[Math.floor(offsets.length * 0.9)]!;
    console.log(`${mode}: box vs square |dx| px: ${JSON.stringify({ samples: offsets.length, p50: Math.round(p50), p90: Math.round(p90), max: Math.round(offsets.at(-1)!), afterJumpSamples: jumps })}`);
    assert.ok(offsets.length >= 20, `only ${offsets.length} samples with a box and the square`);
    assert.ok(p50 <= BOX_BOUND_PX, `median offset ${p50} px > ${BOX_BOUND_PX} px`);
    await shot(sel, `box-${mode}`);
  });
}

test('16 FLV tiles: no MaxListenersExceededWarning, and tile stats count dropped frames', async () => {
  const source = await demo.api<{ source: { url: string } }>('admin', `/api/channels/${RTSP_CHANNEL}`);
  const extra = Array.from({ length: 9 }, (_, i) => `cam-stall-x${i + 1}`);
  for (const id of extra) await demo.api('admin', '/api/channels', { body: { id, name: id, kind: 'rtsp', source: { url: source.source.url }, gridCode: '310101001001001', mode: 'always-on' } });
  await page.waitForSelector(`[data-camera=${extra.at(-1)}]`, { timeout: 30_000 });
  await page.selectOption('[data-testid=play-mode]', 'flv');
  await page.click('[data-layout="16"]');
  for (const id of ['cam-dongmen-01', 'cam-hedi-02', 'cam-school-03', 'cam-drone-01', ...extra]) await page.click(`[data-camera=${id}]`);
  await page.waitForFunction(() => document.querySelectorAll('.tile[data-state=playing]').length >= 16, undefined, { timeout: 90_000 });
  // Reloads replace players: listeners must not pile up either.
  await page.selectOption('[data-testid=play-mode]', 'hls');
  await page.selectOption('[data-testid=play-mode]', 'flv');
  await page.waitForFunction(() => document.querySelectorAll('.tile[data-state=playing]').length >= 16, undefined, { timeout: 90_000 });
  await page.waitForTimeout(3000);
  const stats = await page.textContent(`${tileOf(RTSP_CHANNEL)} [data-testid=tile-stats]`);
  assert.match(stats ?? '', /丢帧 \d+（\d+\.\d%）/);
  console.log(`screenshot: ${SHOTS}/wall-16-flv.png`);
  await page.screenshot({ path: `${SHOTS}/wall-16-flv.png` });
  assert.deepEqual(warnings.filter((w) => /MaxListeners|memory leak/i.test(w)), []);
  // Left out: mpegts.js 1.8.2's own exception when a player is destroyed while its WebSocket is still connecting
  // (its loader throws a RuntimeException with no message from the socket's error event once its handlers are
  // gone: xqq/mpegts.js#197, open). It reaches the page as a bare minified class name, 'e', from the library's
  // worker, when a stalled tile reloads its player; the tile plays again either way (the tests above).
  assert.deepEqual(pageErrors(page).filter((e) => e !== 'e'), []);
});
