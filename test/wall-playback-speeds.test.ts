// Recording (issue 18): the wall's playback at 4× and 8×, a jump to an
// incident from the timeline and a seek to a chosen time, in headless Chromium
// against a real gateway recording a simulated camera (2 s segments, over a
// minute of footage). At each speed the picture's media time, the tile's clock
// and the timeline's clock advance about that many times the wall clock, and
// the clock shows the recording's time: the PROGRAM-DATE-TIME of the playlist
// the page loaded, at the video's position (parsed here, not by hls.js).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { scrubTimelineTo } from './helpers/timeline.ts';
import { ARTIFACTS, launchBrowser, openWall, pageErrors } from './helpers/browser.ts';
import type { TestGateway } from './helpers/gateway.ts';
import { CLIP_DIR, startVideoGateway, waitFor } from './helpers/video.ts';
import { startCameraSimulator, type CameraSimulator } from './sim/camera-sim.ts';

const SHOTS = join(ARTIFACTS, 'wall-playback');
const PRE_ROLL = 6;
/** Footage recorded before the browser opens: 8× for the window eats 8 s of it per second. */
const FOOTAGE_MS = 80_000;
/** How long each speed is measured (wall clock). */
const WINDOW_MS = 5000;
/** What each speed must at least reach over the window on a busy 2-core machine. */
const FLOOR: Record<number, number> = { 4: 2.5, 8: 4 };
/** The clock shows whole seconds and is refreshed a few times a second; the time it stands for may lag the picture by that much. */
const CLOCK_TOLERANCE_MS = 1500;
/** A refresh timer late by this much on a busy machine (Chromium delays timers under load) shows a time older by it times the speed. */
const TIMER_SLACK_MS = 125;

type Recordings = { segments: Array<{ start: string; end: string }>; holds: Array<{ from: string; incidentId: string }> };
type PlaylistSegment = { start: number; duration: number; date: number };

let sim: CameraSimulator;
let t: TestGateway;
let base: string;
let browser: Browser;
let page: Page;
let incidentId: string;
let alarmAt: number;
let firstStart: number;
/** The segments of the last VOD playlist the page loaded, as its text says. */
let playlist: PlaylistSegment[] = [];

const ms = (iso: string) => Date.parse(iso);
const recordings = async (id: string) => {
  const res = await t.call('operator', { method: 'GET', url: `/api/channels/${id}/recordings` });
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as Recordings;
};

/** A VOD playlist's segments: position on the media timeline (the EXTINFs before it), duration, PROGRAM-DATE-TIME. */
function parsePlaylist(text: string): PlaylistSegment[] {
  const out: PlaylistSegment[] = [];
  let position = 0;
  let date: number | null = null;
  let duration = 0;
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) date = Date.parse(line.slice('#EXT-X-PROGRAM-DATE-TIME:'.length));
    else if (line.startsWith('#EXTINF:')) duration = Number.parseFloat(line.slice('#EXTINF:'.length));
    else if (line && !line.startsWith('#')) {
      assert.ok(date !== null, 'every segment has a PROGRAM-DATE-TIME');
      out.push({ start: position, duration, date });
      position += duration;
      date = null;
    }
  }
  return out;
}

/** The recording's time at media position `position` (s), by the playlist's text. */
function recordedTimeAt(position: number): number {
  const s = playlist.find((x) => position >= x.start && position < x.start + x.duration) ?? playlist.at(-1);
  assert.ok(s, 'a playlist was loaded');
  return s.date + (position - s.start) * 1000;
}

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  sim = await startCameraSimulator({ clipDir: CLIP_DIR, streams: [{ path: 'a', clip: 'h264-360p' }] });
  await sim.waitReady('a', 60_000);
  t = await startVideoGateway(['--recording.segmentSeconds', '2', '--recording.events.preRollSeconds', String(PRE_ROLL), '--recording.events.postRollSeconds', '4']);
  base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  const res = await t.call('engineer', { method: 'POST', url: '/api/channels', payload: { id: 'cam-a', name: '南门', kind: 'rtsp', source: { url: sim.url('a') }, recording: { mode: 'continuous' } } });
  assert.equal(res.statusCode, 201, res.body);
  const first = await waitFor(async () => (await recordings('cam-a')).segments[0], 90_000, 'the first segment');
  firstStart = ms(first.start);
  // An alarm some seconds into the footage: its pre-roll is recorded.
  await waitFor(() => Date.now() > firstStart + PRE_ROLL * 1000 + 8000, 60_000, 'footage before the alarm');
  alarmAt = Date.now() - 2000;
  const raised = await t.gw.incidents.service.raise({ source: { kind: 'detector', id: 'cam-a' }, type: 'intrusion', severity: 'major', occurredAt: alarmAt, evidence: { frameTs: alarmAt } });
  incidentId = raised.incident!.id;
  await waitFor(async () => {
    const r = await recordings('cam-a');
    return ms(r.segments.at(-1)!.end) - firstStart >= FOOTAGE_MS && r.holds.some((h) => h.incidentId === incidentId) ? true : undefined;
  }, 180_000, 'over a minute of footage and the incident hold');
  browser = await launchBrowser();
  page = await openWall(browser, base, t.keys.dispatcher, '#/wall');
  page.on('response', (r) => {
    if (!/\/vod\.m3u8/.test(r.url()) || !r.ok()) return;
    r.text().then((text) => { playlist = parsePlaylist(text); }, () => undefined);
  });
  await page.waitForSelector('[data-camera=cam-a]');
  await page.click('[data-testid=tile-0]');
  await page.click('[data-camera=cam-a]');
  await page.click('[data-testid=tile-0]');
  await page.click('[data-zoom=tenMinutes]');
  await page.waitForSelector('[data-testid=timeline-range]');
});
after(async () => {
  await browser?.close();
  await t?.stop();
  await sim?.stop();
});

const shot = async (name: string) => {
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path });
  console.log(`screenshot: ${path}`);
};

interface Sample {
  clock: number;
  /** The picture's media time (video.currentTime, s). */
  position: number;
  rate: number;
  /** The tile's clock and the timeline's clock, as shown (whole seconds, ms). */
  tileClock: number | null;
  timelineClock: number | null;
  /** The playhead the tile holds (ms). */
  at: number | null;
  /** Seconds of footage buffered after the position. */
  ahead: number;
  text: string;
}

/** A clock as shown (`2026/12/07 00:50:12`, local time: the browser runs on this machine, in its time zone), or null. */
function shownTime(text: string | null | undefined): number | null {
  const m = text?.match(/(\d{4})\D(\d\d)\D(\d\d)\D+(\d\d):(\d\d):(\d\d)/);
  return m ? new Date(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!).getTime() : null;
}

/** One look at tile 0 in playback: the video's position and both clocks as shown, read at one moment in the page. */
async function sample(): Promise<Sample> {
  // No named functions inside: tsx would wrap them in __name, which the page does not have.
  const raw = await page.evaluate(() => {
    const layer = document.querySelector('[data-testid=tile-0] [data-testid=tile-playback-layer]');
    const video = layer?.querySelector('video') as HTMLVideoElement | null;
    const position = video?.currentTime ?? 0;
    const buffered = video && video.buffered.length > 0 ? video.buffered.end(video.buffered.length - 1) : position;
    return {
      clock: Date.now(), position, rate: video?.playbackRate ?? 0, ahead: Math.max(0, buffered - position),
      text: layer?.querySelector('[data-testid=tile-playback-time]')?.textContent ?? '',
      timelineText: document.querySelector('[data-testid=timeline-playhead]')?.textContent ?? '',
      at: Number(layer?.getAttribute('data-at')) || null,
    };
  });
  return { ...raw, tileClock: shownTime(raw.text), timelineClock: shownTime(raw.timelineText) };
}

/** The clocks show the recording's time at the video's position (within whole-second display and refresh). */
function assertClockTrue(s: Sample, what: string) {
  const recorded = recordedTimeAt(s.position);
  for (const [name, shown] of [['tile clock', s.tileClock], ['timeline clock', s.timelineClock]] as const) {
    assert.ok(shown !== null, `${what}: the ${name} shows a time (${s.text})`);
    // Shown in whole seconds (cut, not rounded): the time it stands for is in [shown, shown + 1 s).
    const off = recorded - (shown + 500);
    const tolerance = CLOCK_TOLERANCE_MS + Math.max(0, s.rate - 1) * TIMER_SLACK_MS;
    assert.ok(Math.abs(off) <= tolerance, `${what}: the ${name} ${new Date(shown).toISOString()} for recorded ${new Date(recorded).toISOString()} (off ${off} ms, tolerance ${tolerance} ms)`);
  }
}



/** Waits until tile 0 plays near `target` (the shown clock within 2 s), and returns that sample. */
async function landedAt(target: number, what: string): Promise<Sample> {
  let last: Sample | undefined;
  return waitFor(async () => {
    const s = (last = await sample());
    return s.tileClock !== null && s.rate > 0 && Math.abs(s.tileClock + 500 - target) <= 2000 ? s : undefined;
  }, 45_000, what).catch((err: Error) => {
    throw new Error(`${err.message}: ${new Date(target).toISOString()} asked, last seen ${JSON.stringify(last)}`);
  });
}

test('jump to an incident: its marker on the timeline lands at the incident\'s time minus the pre-roll', async () => {
  await page.click('[data-testid=tile-0] [data-testid=tile-playback]');
  await page.waitForSelector('[data-testid=tile-0] [data-testid=tile-playback-layer][data-status=playing]', { timeout: 45_000 });
  const marker = await page.waitForSelector(`[data-testid=timeline-marker][data-incident="${incidentId}"]`);
  await marker.click();
  const target = alarmAt - PRE_ROLL * 1000;
  const s = await landedAt(target, 'the clock at the incident minus its pre-roll');
  assert.ok(Math.abs(s.tileClock! + 500 - target) <= 2000);
  assertClockTrue(s, 'after the jump');
  await shot('speeds-jump-to-incident');
});

test('a scrub on the timeline seeks to the chosen time', async () => {
  const target = firstStart + 30_000;
  await scrubTimelineTo(page, target, 60);
  const s = await landedAt(target, 'the clock at the chosen time');
  assertClockTrue(s, 'after the scrub');
});

test('pause holds the picture and both clocks; a seek while paused shows the chosen time; play goes on from there', async () => {
  await page.click('[data-testid=pause]');
  await page.waitForSelector('[data-testid=tile-0] [data-testid=tile-playback-layer][data-status=paused]', { timeout: 15_000 });
  await new Promise((r) => setTimeout(r, 600)); // the clocks' next reading, after the picture stopped
  const held = await sample();
  await new Promise((r) => setTimeout(r, 2000));
  const still = await sample();
  assert.ok(Math.abs(still.position - held.position) < 0.05, `paused at ${held.position}, then ${still.position}`);
  assert.equal(still.tileClock, held.tileClock);
  assert.equal(still.timelineClock, held.timelineClock);
  assert.match(still.text, /已暂停/);
  assertClockTrue(still, 'paused');
  const target = firstStart + 20_000;
  await scrubTimelineTo(page, target, 60);
  await landedAt(target, 'the clock at the time chosen while paused');
  await page.waitForSelector('[data-testid=tile-0] [data-testid=tile-playback-layer][data-status=paused]', { timeout: 15_000 });
  await shot('speeds-paused');
  const moved = await sample();
  await new Promise((r) => setTimeout(r, 1500));
  const stillThere = await sample();
  assert.ok(Math.abs(stillThere.position - moved.position) < 0.05, `still paused after the seek (${moved.position} then ${stillThere.position})`);
  assertClockTrue(stillThere, 'paused after the seek');
  await page.click('[data-testid=pause]');
  await waitFor(async () => ((await sample()).position > stillThere.position + 1 ? true : undefined), 30_000, 'playing on after pause');
  assert.doesNotMatch((await sample()).text, /已暂停/);
});

test('paused, a frame step moves the picture one frame (1/25 s) either way; −10 秒 / +10 秒 move the clock 10 s', async () => {
  await page.click('[data-testid=pause]');
  await page.waitForSelector('[data-testid=tile-0] [data-testid=tile-playback-layer][data-status=paused]', { timeout: 15_000 });
  await new Promise((r) => setTimeout(r, 600));
  const held = await sample();
  const at = async (position: number, what: string) =>
    waitFor(async () => { const s = await sample(); return Math.abs(s.position - position) < 0.005 ? s : undefined; }, 15_000, what);
  await page.click('[data-testid=frame-ahead]');
  await at(held.position + 0.04, 'one frame ahead');
  await page.click('[data-testid=frame-back]');
  await page.click('[data-testid=frame-back]');
  await at(held.position - 0.04, 'one frame before where it was held');
  await shot('speeds-frame-step');
  await page.click('[data-testid=jump-back]');
  const back = await landedAt(held.at! - 10_000, 'the clock 10 s back');
  assertClockTrue(back, '10 s back');
  await page.click('[data-testid=jump-ahead]');
  const ahead = await landedAt(held.at!, 'the clock 10 s ahead again');
  assertClockTrue(ahead, '10 s ahead');
  assert.equal(await page.getAttribute('[data-testid=tile-0] [data-testid=tile-playback-layer]', 'data-status'), 'paused', 'jumps keep it paused');
  await page.click('[data-testid=pause]');
  await page.waitForSelector('[data-testid=frame-ahead]:disabled');
});

/** Plays `rate`× from early in the footage and measures over the window; returns the rate the picture reached. */
async function measure(rate: 4 | 8): Promise<number> {
  if (await page.$('[data-testid=pause].active')) await page.click('[data-testid=pause]');
  await page.click('[data-speed="1"]');
  await scrubTimelineTo(page, firstStart + 5000, 60);
  await landedAt(firstStart + 5000, 'the clock near the start of the footage');
  await page.click(`[data-speed="${rate}"]`);
  await page.waitForFunction((r) => (document.querySelector('[data-testid=tile-0] [data-testid=tile-playback-layer] video') as HTMLVideoElement | null)?.playbackRate === r, rate);
  await new Promise((r) => setTimeout(r, 500)); // past the speed change
  const frames = () => page.$eval('[data-testid=tile-0] [data-testid=tile-playback-layer] video', (v) => {
    const q = (v as HTMLVideoElement).getVideoPlaybackQuality();
    return { totalVideoFrames: q.totalVideoFrames, droppedVideoFrames: q.droppedVideoFrames };
  });
  const framesBefore = await frames();
  const samples: Sample[] = [await sample()];
  while (Date.now() - samples[0]!.clock < WINDOW_MS) {
    await new Promise((r) => setTimeout(r, 250));
    samples.push(await sample());
    if (samples.length === 8) await shot(`speeds-${rate}x`);
  }
  const [a, b] = [samples[0]!, samples.at(-1)!];
  const wall = b.clock - a.clock;
  const media = (b.position - a.position) / (wall / 1000);
  const tile = (b.at! - a.at!) / wall;
  const timeline = (b.timelineClock! - a.timelineClock!) / wall;
  const framesAfter = await frames();
  // What the picture showed of the frames it passed (told, not asserted: a busy machine drops more).
  const shown = framesAfter.totalVideoFrames - framesBefore.totalVideoFrames;
  const dropped = framesAfter.droppedVideoFrames - framesBefore.droppedVideoFrames;
  console.log(`${rate}×: media ${media.toFixed(2)}, tile clock ${tile.toFixed(2)}, timeline clock ${timeline.toFixed(2)} seconds per second over ${wall} ms; frames ${shown}, dropped ${dropped}; buffered ahead up to ${Math.max(...samples.map((x) => x.ahead)).toFixed(1)} s`);
  assert.ok(media >= FLOOR[rate]!, `${rate}×: the picture advanced ${media.toFixed(2)}× the wall clock`);
  assert.ok(media <= rate * 1.15, `${rate}×: the picture advanced ${media.toFixed(2)}× (no faster than asked)`);
  // The clocks follow the picture: each whole-second clock is within 2 refreshes of it, so over the window within ±1.5 s of media each end.
  for (const [name, value] of [['tile clock', tile], ['timeline clock', timeline]] as const) {
    assert.ok(Math.abs(value - media) <= 3000 / wall + 0.05 * rate, `${rate}×: the ${name} advanced ${value.toFixed(2)}× while the picture did ${media.toFixed(2)}×`);
  }
  for (const s of samples) assertClockTrue(s, `${rate}× at position ${s.position.toFixed(2)} s`);
  assert.match(b.text, new RegExp(`· ${rate}×`), 'the tile says its speed');
  return media;
}

test('4×: the picture, the tile clock and the timeline clock advance about 4× the wall clock, the clock true to the recording', async () => {
  await measure(4);
});

test('8×: the picture, the tile clock and the timeline clock advance about 8× the wall clock, the clock true to the recording', async () => {
  await measure(8);
});

test('8× catches up with the recording: the tile says it is at the end of the footage, then plays what was recorded since; playback started again is at 1×', async () => {
  await page.click('[data-speed="1"]');
  const target = Date.now() - 20_000;
  await scrubTimelineTo(page, target, 60);
  const asked = Date.now();
  await landedAt(target, 'the clock 20 s back');
  await page.click('[data-speed="8"]');
  // 20 s of footage at 8× take under 3 s: the playlist asked for then ends before newer segments are in it.
  await page.waitForSelector('[data-testid=tile-0] [data-testid=tile-playback-end]', { timeout: 30_000 });
  await shot('speeds-8x-end-of-footage');
  const newer = await waitFor(async () => {
    const s = await sample();
    return s.tileClock !== null && s.tileClock > asked + 2000 ? s : undefined;
  }, 45_000, 'footage recorded after the playlist was asked for');
  assertClockTrue(newer, 'after catching up');
  // Back to live and into playback again: the speed left at 8× does not carry over, nor a pause.
  await page.click('[data-testid=pause]');
  await page.click('[data-testid=tile-0] [data-testid=tile-playback]');
  await page.waitForSelector('[data-testid=tile-0] [data-testid=tile-playback-layer]', { state: 'detached' });
  await page.click('[data-testid=tile-0] [data-testid=tile-playback]');
  await page.waitForSelector('[data-testid=tile-0] [data-testid=tile-playback-layer][data-status=playing]', { timeout: 45_000 });
  assert.equal(await page.getAttribute('[data-speed="1"]', 'class'), 'active');
  assert.equal((await sample()).rate, 1);
  assert.doesNotMatch((await sample()).text, /×|已暂停/);
  assert.deepEqual(pageErrors(page), []);
});
