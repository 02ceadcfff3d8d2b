// The wall and a GB28181 camera (issue 22) in headless Chromium, against a
// video gateway and the GB28181 device simulator: the PTZ panel of a GB tile
// (an arrow held moves the camera, released stops it; a preset set with a
// name, gone to, removed — on the channel and on the simulated camera), and a
// recording kept on the device played in the tile from the timeline (设备录像,
// the device's time; seek, 4×, pause and resume at the device; the session
// stopped when the tile leaves it or is closed; a refusal shown as text).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { decodePtzCmd } from '../gateway/gb28181/manscdp/index.ts';
import { launchBrowser, openWall, pageErrors, playInTile, screenshot } from './helpers/browser.ts';
import { addGbDevice, GB_VIDEO_ARGS, platformOf } from './helpers/gb28181.ts';
import type { TestGateway } from './helpers/gateway.ts';
import { timelinePoint } from './helpers/timeline.ts';
import { startVideoGateway, waitFor } from './helpers/video.ts';
import { ensureGbClip, GbSimHost, type GbDeviceSim, type SimRecording } from './sim/gbsim/index.ts';

const DEVICE = '34020000001320000221';
const MIN = 60_000;

/** A half hour kept on the device, earlier today; in the first hour of a day, yesterday at 22:00 (whole seconds: device times carry no milliseconds). */
function todaysRecording(): SimRecording {
  const now = Math.floor(Date.now() / 1000) * 1000;
  const midnight = new Date(now).setHours(0, 0, 0, 0);
  const startAt = now - midnight < 60 * MIN ? new Date(midnight - 86_400_000).setHours(22, 0, 0, 0) : Math.max(midnight + MIN, now - 50 * MIN);
  return { startAt, endAt: Math.min(startAt + 30 * MIN, now - MIN), type: 'time' };
}

/** The local calendar day of a time, as the timeline's date field writes it (the browser runs on this machine's clock and zone). */
function localDay(at: number): string {
  return new Date(at - new Date(at).getTimezoneOffset() * MIN).toISOString().slice(0, 10);
}

interface SessionView { session: string; state: 'playing' | 'ended'; endedWhy?: string; positionSec?: number; from: string; to: string }

describe('the wall with a GB28181 camera', () => {
  let t: TestGateway;
  let host: GbSimHost;
  let dev: GbDeviceSim;
  let channel: string;
  let base: string;
  let browser: Browser;
  let page: Page;
  const recording = todaysRecording();
  /** A short one after it, played to its end. */
  const short: SimRecording = { startAt: recording.endAt + 5 * MIN, endAt: recording.endAt + 5 * MIN + 12_000, type: 'alarm' };
  const tile = (i: number) => `[data-testid=tile-${i}]`;
  const layer = `${tile(0)} [data-testid=tile-playback-layer]`;
  const shot = async (name: string) => console.log(`screenshot: ${await screenshot(page, `wall-gb28181/${name}`)}`);
  const sessionView = async (id: string) =>
    (await t.call('operator', { method: 'GET', url: `/api/channels/${channel}/device-playback/${encodeURIComponent(id)}` })).json() as SessionView;
  const playheadOf = () => page.$eval(layer, (el) => Number(el.getAttribute('data-at')) || null).catch(() => null);
  const videoState = () => page.$eval(`${layer} video`, (v) => {
    const video = v as HTMLVideoElement;
    return { currentTime: video.currentTime, readyState: video.readyState, playbackRate: video.playbackRate, paused: video.paused };
  });
  /** The picture moves: the video's position passes `by` seconds past where it is now. */
  const videoAdvances = async (by: number, what: string) => {
    const start = (await videoState()).currentTime;
    return waitFor(async () => {
      const v = await videoState();
      return v.currentTime > start + by && v.readyState >= 2 ? v : undefined;
    }, 60_000, what);
  };
  const lastControl = () => dev.received.controls.at(-1);
  /** The timeline turned to the recordings' day when that is not today (a run in the first hour of a day, or across midnight). */
  const onRecordingDay = async (p: Page) => {
    if (localDay(recording.startAt) === localDay(Date.now())) return;
    await p.fill('[data-testid=timeline-day]', localDay(recording.startAt), { timeout: 30_000 });
  };
  /** Clicks the device's band on the timeline; resolves with the session the gateway opened (or the error answer). */
  const clickDeviceBand = async (of = recording) => {
    const answer = page.waitForResponse((r) => r.request().method() === 'POST' && /\/device-playback$/.test(new URL(r.url()).pathname), { timeout: 60_000 });
    await page.click(`[data-testid=timeline-device-range][data-start="${of.startAt}"]`);
    const res = await answer;
    return { status: res.status(), body: (await res.json()) as SessionView & { message?: string } };
  };

  before(async () => {
    t = await startVideoGateway([...GB_VIDEO_ARGS, '--gb28181.queryTimeoutSeconds', '10']);
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    host = await GbSimHost.start({ platform: platformOf({ sipPort: t.gw.gb28181!.ports.sip }) });
    await addGbDevice(t, { id: DEVICE, password: 'wall-gb-22' });
    dev = host.addDevice({ deviceId: DEVICE, password: 'wall-gb-22', channels: 1, clip: await ensureGbClip(), keepaliveSeconds: 0.5, recordings: [recording, short] });
    assert.equal((await dev.register()).status, 200);
    dev.startKeepalive();
    channel = dev.channelIds[0]!;
    await waitFor(async () => (await t.call('operator', { method: 'GET', url: `/api/channels/${channel}` })).statusCode === 200 || undefined, 15_000, 'the catalog channel');
    browser = await launchBrowser();
    page = await openWall(browser, base, t.keys.operator, '#/wall');
    await playInTile(page, channel);
  });
  after(async () => {
    await browser?.close();
    await host?.close();
    await t?.stop();
  });

  test('PTZ panel: an arrow held moves the camera left and letting go stops it; a named preset is set, gone to and removed', async () => {
    await page.click(`${tile(0)} [data-testid=tile-ptz-toggle]`);
    await page.waitForSelector(`${tile(0)} [data-testid=tile-ptz]`);
    const seen = dev.received.ptz.length;
    const left = (await (await page.$(`${tile(0)} [data-testid=ptz-left]`))!.boundingBox())!;
    await page.mouse.move(left.x + left.width / 2, left.y + left.height / 2);
    await page.mouse.down();
    const moving = await waitFor(() => dev.received.ptz.slice(seen).find((p) => decodePtzCmd(p.ptzCmd).pan === 'left'), 20_000, 'PTZCmd pan left at the device');
    assert.equal(moving.channelId, channel);
    assert.ok(decodePtzCmd(moving.ptzCmd).panSpeed > 0, 'at the panel\'s speed');
    const heldUntil = dev.received.ptz.length;
    assert.ok(!dev.received.ptz.slice(seen, heldUntil).some((p) => isStop(p.ptzCmd)), 'no stop while the arrow is held');
    await page.mouse.up();
    await waitFor(() => dev.received.ptz.slice(heldUntil).find((p) => isStop(p.ptzCmd)), 20_000, 'a stop (PTZCmd 00) once released');

    await page.fill(`${tile(0)} [data-testid=ptz-preset-index]`, '5');
    await page.fill(`${tile(0)} [data-testid=ptz-preset-name]`, '东门');
    await page.click(`${tile(0)} [data-testid=ptz-preset-set]`);
    const listed = await page.waitForSelector(`${tile(0)} [data-testid=ptz-presets] li[data-index="5"]`, { timeout: 20_000 });
    assert.equal((await listed.textContent())?.replace('×', ''), '东门');
    await waitFor(() => dev.ptzState.of(channel).presets.has(5) || undefined, 10_000, 'preset 5 set on the camera');
    const row = (await t.call('operator', { method: 'GET', url: `/api/channels/${channel}` })).json() as { ptzPresets?: unknown };
    assert.deepEqual(row.ptzPresets, [{ index: 5, name: '东门' }]);
    await shot('i22-ptz-panel');

    await page.click(`${tile(0)} [data-testid=ptz-presets] li[data-index="5"] [data-testid=ptz-preset-call]`);
    await waitFor(() => dev.ptzState.of(channel).at === 5 || undefined, 10_000, 'the camera went to preset 5');

    await page.click(`${tile(0)} [data-testid=ptz-presets] li[data-index="5"] [data-testid=ptz-preset-delete]`);
    await page.waitForSelector(`${tile(0)} [data-testid=ptz-presets] li[data-index="5"]`, { state: 'detached', timeout: 20_000 });
    await waitFor(() => !dev.ptzState.of(channel).presets.has(5) || undefined, 10_000, 'preset 5 removed from the camera');
    const after = (await t.call('operator', { method: 'GET', url: `/api/channels/${channel}` })).json() as { ptzPresets?: unknown[] };
    assert.deepEqual(after.ptzPresets ?? [], []);
    assert.equal(await page.$(`${tile(0)} [data-testid=ptz-error]`), null, 'no error shown');
    await page.click(`${tile(0)} [data-testid=tile-ptz-toggle]`);
    assert.deepEqual(pageErrors(page), []);
  });

  test('device playback: the timeline shows the range kept on the device; a click plays it in the tile (设备录像, the device\'s time); seek, 4×, pause and resume go to the device; leaving stops the session', async () => {
    await page.click(tile(0));
    await onRecordingDay(page);
    const band = await page.waitForSelector(`[data-testid=timeline-device-range][data-start="${recording.startAt}"]`, { timeout: 30_000 });
    assert.equal(Number(await band.getAttribute('data-start')), recording.startAt);
    assert.equal(Number(await band.getAttribute('data-end')), recording.endAt);
    assert.equal(await band.getAttribute('data-kept'), 'device');
    await shot('i22-timeline-device-band');

    const invites = dev.received.history.length;
    const opened = await clickDeviceBand();
    assert.equal(opened.status, 201, JSON.stringify(opened.body));
    const session = opened.body.session;
    assert.equal(dev.received.history.length, invites + 1);
    assert.deepEqual({ ...dev.received.history.at(-1)!, ssrc: 0 }, { mode: 'Playback', channelId: channel, from: recording.startAt, to: recording.endAt, downloadSpeed: undefined, ssrc: 0 });

    await page.waitForSelector(`${layer}[data-source=device][data-status=playing]`, { timeout: 60_000 });
    const playing = await videoAdvances(1, 'the device\'s picture playing in the tile');
    assert.ok(playing.readyState >= 2);
    const at = await waitFor(async () => (await playheadOf()) ?? undefined, 20_000, 'the device\'s time under the playhead');
    assert.ok(at >= recording.startAt && at < recording.startAt + 2 * MIN, `the time is the recording's (${new Date(at).toISOString()})`);
    const label = (await page.textContent(`${tile(0)} [data-testid=tile-playback-time]`))!;
    assert.match(label, /设备录像/);
    assert.match(label, /\d\d:\d\d:\d\d/);
    assert.equal(await page.getAttribute(tile(0), 'data-state'), 'empty', 'the live player rests while the tile plays the device\'s recording');
    await shot('i22-device-playback');
    await page.click('[data-testid=lang-switch] button:has-text("English")');
    assert.match((await page.textContent(`${tile(0)} [data-testid=tile-playback-time]`))!, /Device recording/);
    await page.click('[data-testid=lang-switch] button:has-text("中文")');

    // A click further on the band: the device seeks there.
    await page.click('[data-zoom=hour]');
    const deviceBand = (await (await page.$(`[data-testid=timeline-device-range][data-start="${recording.startAt}"]`))!.boundingBox())!;
    await page.mouse.click((await timelinePoint(page, recording.startAt + 20 * MIN)).x, deviceBand.y + deviceBand.height / 2);
    await waitFor(() => (lastControl()?.action === 'seek' ? lastControl() : undefined), 20_000, 'a seek at the device');
    assert.equal(dev.received.history.length, invites + 1, 'inside the range it plays, a click is a seek, not a new session');
    const seconds = (lastControl() as { seconds: number }).seconds;
    assert.ok(Math.abs(seconds - 20 * 60) < 30, `the device seeks to about 20 min in (${seconds} s)`);
    const afterSeek = await waitFor(async () => {
      const v = await sessionView(session);
      return (v.positionSec ?? 0) >= seconds ? v : undefined;
    }, 30_000, 'the session\'s position after the seek');
    assert.ok(afterSeek.positionSec! < seconds + 60);
    await waitFor(async () => {
      const now = await playheadOf();
      return now !== null && now >= recording.startAt + seconds * 1000 && now < recording.startAt + (seconds + 60) * 1000 ? now : undefined;
    }, 20_000, 'the tile\'s time after the seek');
    await videoAdvances(1, 'the picture after the seek');

    await page.click('[data-speed="4"]');
    await waitFor(() => (lastControl()?.action === 'speed' ? lastControl() : undefined), 20_000, 'the speed at the device');
    assert.deepEqual(lastControl(), { action: 'speed', scale: 4 });
    assert.equal((await videoState()).playbackRate, 4);
    assert.match((await page.textContent(`${tile(0)} [data-testid=tile-playback-time]`))!, /4×/);
    const before4x = (await playheadOf())!;
    await waitFor(async () => ((await playheadOf()) ?? 0) > before4x + 20_000 || undefined, 60_000, 'the device\'s time moving on at 4×');
    await shot('i22-device-playback-4x');

    await page.click('[data-testid=pause]');
    await waitFor(() => (lastControl()?.action === 'pause' || undefined), 20_000, 'pause at the device');
    await page.waitForSelector(`${layer}[data-status=paused]`, { timeout: 10_000 });
    assert.equal((await videoState()).paused, true);
    assert.match((await page.textContent(`${tile(0)} [data-testid=tile-playback-time]`))!, /已暂停/);
    await page.click('[data-testid=pause]');
    await waitFor(() => (lastControl()?.action === 'resume' || undefined), 20_000, 'resume at the device');
    await videoAdvances(0.5, 'the picture after resume');

    // Back to live: the session is stopped (BYE at the device).
    const byes = dev.received.byes;
    await page.click(`${tile(0)} [data-testid=tile-playback]`);
    await page.waitForSelector(layer, { state: 'detached', timeout: 10_000 });
    const ended = await waitFor(async () => {
      const v = await sessionView(session);
      return v.state === 'ended' ? v : undefined;
    }, 20_000, 'the session ended');
    assert.equal(ended.endedWhy, 'stopped by the user');
    await waitFor(() => dev.received.byes > byes || undefined, 10_000, 'BYE at the device');
    assert.equal((await t.call('operator', { method: 'POST', url: `/api/channels/${channel}/device-playback/${encodeURIComponent(session)}/control`, payload: { pause: true } })).statusCode, 409, 'nothing left to control');
    await page.waitForSelector(`${tile(0)}[data-state=playing]`, { timeout: 90_000 });
    assert.deepEqual(pageErrors(page), []);
  });

  test('closing the tile stops its device playback; a device that refuses the playback is said in the tile, and the wall goes on', async () => {
    await page.click('[data-zoom=day]');
    await onRecordingDay(page);
    await page.waitForSelector('[data-testid=timeline-device-range]', { timeout: 30_000 });
    const opened = await clickDeviceBand();
    assert.equal(opened.status, 201, JSON.stringify(opened.body));
    await page.waitForSelector(`${layer}[data-source=device]`, { timeout: 10_000 });
    await page.click(`${tile(0)} .tile-head .close`);
    await waitFor(async () => ((await sessionView(opened.body.session)).state === 'ended' || undefined), 20_000, 'the session stopped with the tile');
    assert.equal((await sessionView(opened.body.session)).endedWhy, 'stopped by the user');

    // The camera back in the tile; the device no longer has the recording when asked to play it.
    await page.click(tile(0));
    await page.click(`[data-camera="${channel}"]`);
    await page.click(tile(0));
    await onRecordingDay(page);
    await page.waitForSelector('[data-testid=timeline-device-range]', { timeout: 30_000 });
    dev.options.recordings = [];
    const refused = await clickDeviceBand();
    assert.ok(refused.status >= 400, `the gateway answers an error (${refused.status})`);
    const failed = await page.waitForSelector(`${layer}[data-source=device] [data-testid=tile-playback-failed]`, { timeout: 20_000 });
    const text = (await failed.textContent())!;
    assert.ok(text.length > 4, `a reason is shown (${text})`);
    console.log(`refused: ${refused.status} ${text}`);
    await shot('i22-device-playback-refused');
    dev.options.recordings = [recording, short];
    assert.deepEqual(pageErrors(page), []);
    assert.equal((await t.call('operator', { method: 'GET', url: '/healthz' })).statusCode, 200);
  });

  test('a device recording played to its end: the device says so (MediaStatus 121) and the tile says the recording is over', async () => {
    await onRecordingDay(page);
    await page.waitForSelector(`[data-testid=timeline-device-range][data-start="${short.startAt}"]`, { timeout: 30_000 });
    const opened = await clickDeviceBand(short);
    assert.equal(opened.status, 201, JSON.stringify(opened.body));
    const end = await page.waitForSelector(`${layer}[data-source=device][data-status=end] [data-testid=tile-playback-end]`, { timeout: 90_000 });
    assert.equal(await end.textContent(), '设备录像已播完');
    const v = await sessionView(opened.body.session);
    assert.equal(v.state, 'ended');
    assert.match(v.endedWhy!, /MediaStatus 121/);
    await shot('i22-device-playback-end');
    await page.click(`${tile(0)} [data-testid=tile-playback]`);
    await page.waitForSelector(layer, { state: 'detached', timeout: 10_000 });
    assert.deepEqual(pageErrors(page), []);
  });

  test('a page left while a tile plays a device range stops its session (best effort on unload)', async () => {
    const other = await openWall(browser, base, t.keys.operator, '#/wall');
    try {
      await other.waitForSelector(`[data-camera="${channel}"]`, { timeout: 30_000 });
      await other.click(tile(0));
      await other.click(`[data-camera="${channel}"]`);
      await other.click(tile(0));
      const answer = other.waitForResponse((r) => r.request().method() === 'POST' && /\/device-playback$/.test(new URL(r.url()).pathname), { timeout: 60_000 });
      await onRecordingDay(other);
      await other.click(`[data-testid=timeline-device-range][data-start="${recording.startAt}"]`, { timeout: 30_000 });
      const res = await answer;
      assert.equal(res.status(), 201);
      const { session } = (await res.json()) as SessionView;
      await other.waitForSelector(`${layer}[data-source=device]`, { timeout: 10_000 });
      await other.goto('about:blank');
      const ended = await waitFor(async () => {
        const v = await sessionView(session);
        return v.state === 'ended' ? v : undefined;
      }, 20_000, 'the session stopped when the page went away');
      assert.equal(ended.endedWhy, 'stopped by the user');
    } finally {
      await other.context().close();
    }
  });
});

/** A PTZCmd with no motion: the camera stops. */
function isStop(ptzCmd: string): boolean {
  try {
    const d = decodePtzCmd(ptzCmd);
    return !d.pan && !d.tilt && !d.zoom;
  } catch {
    return false; // a preset or cruise command, not a motion
  }
}
