// Recording part 3 (issue 18): the wall's playback in headless Chromium
// against a real gateway recording two simulated cameras (2 s segments). One
// camera is switched off for a while, so its footage has a gap; an incident on
// it holds footage (a marker on the timeline) and gets a clip. A tile switches
// to playback and shows the time under the playhead; the timeline shows the
// recorded ranges, the gap and the marker; a click on it seeks there; 2×
// plays twice as fast; two synced tiles stay within the bound; the export
// button gives an MP4 of the range; a dispatcher sees the incident clip play.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { scrubTimelineTo, timelinePoint } from './helpers/timeline.ts';
import { ARTIFACTS, launchBrowser, openWall, pageErrors } from './helpers/browser.ts';
import type { TestGateway } from './helpers/gateway.ts';
import { CLIP_DIR, startVideoGateway, waitFor } from './helpers/video.ts';
import { startCameraSimulator, type CameraSimulator } from './sim/camera-sim.ts';

const run = promisify(execFile);
const SHOTS = join(ARTIFACTS, 'wall-playback');
const ROLL = 4;
/** What the test holds synchronous playback to: sync.ts corrects over 0.5 s each second; the tiles' playheads are sampled every 250 ms each. */
const SYNC_BOUND_MS = 1000;

type Recordings = { segments: Array<{ start: string; end: string }>; gaps: Array<{ start: string; end: string }>; holds: Array<{ from: string; incidentId: string }> };

let sim: CameraSimulator;
let t: TestGateway;
let base: string;
let browser: Browser;
let page: Page;
let incidentId: string;
let footage: Recordings;
const scratch = mkdtempSync(join(tmpdir(), 'gw-wall-playback-'));
const ms = (iso: string) => Date.parse(iso);

const recordings = async (id: string) => {
  const res = await t.call('operator', { method: 'GET', url: `/api/channels/${id}/recordings` });
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as Recordings;
};

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  sim = await startCameraSimulator({ clipDir: CLIP_DIR, streams: [{ path: 'a', clip: 'h264-360p' }, { path: 'b', clip: 'h264-360p' }] });
  await sim.waitReady('a', 60_000);
  await sim.waitReady('b', 60_000);
  t = await startVideoGateway([
    '--recording.segmentSeconds', '2',
    '--recording.events.preRollSeconds', String(ROLL), '--recording.events.postRollSeconds', String(ROLL),
    '--recording.exports.maxSeconds', '600',
  ]);
  base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  for (const payload of [
    { id: 'cam-a', name: '东门', kind: 'rtsp', source: { url: sim.url('a') }, recording: { mode: 'continuous' } },
    { id: 'cam-b', name: '西门', kind: 'rtsp', source: { url: sim.url('b') }, recording: { mode: 'continuous' } },
  ]) {
    const res = await t.call('engineer', { method: 'POST', url: '/api/channels', payload });
    assert.equal(res.statusCode, 201, res.body);
  }
  // About 10 s recorded, an incident, the camera off for 8 s, then recorded again.
  await waitFor(async () => ((await recordings('cam-a')).segments.length >= 4 ? true : undefined), 90_000, 'four segments of cam-a');
  const alarmAt = Date.now() - 3000;
  const raised = await t.gw.incidents.service.raise({ source: { kind: 'detector', id: 'cam-a' }, type: 'intrusion', severity: 'major', occurredAt: alarmAt, evidence: { frameTs: alarmAt } });
  incidentId = raised.incident!.id;
  await new Promise((r) => setTimeout(r, (ROLL + 2) * 1000)); // the post-roll is recorded before the camera goes off
  assert.equal((await t.call('engineer', { method: 'PATCH', url: '/api/channels/cam-a', payload: { enabled: false } })).statusCode, 200);
  await new Promise((r) => setTimeout(r, 8000));
  assert.equal((await t.call('engineer', { method: 'PATCH', url: '/api/channels/cam-a', payload: { enabled: true } })).statusCode, 200);
  footage = await waitFor(async () => {
    const r = await recordings('cam-a');
    const gap = r.gaps[0];
    return gap && r.segments.filter((s) => ms(s.start) >= ms(gap.end)).length >= 10 && r.holds.length > 0 ? r : undefined;
  }, 120_000, 'twenty seconds of cam-a after the gap');
  browser = await launchBrowser();
  page = await openWall(browser, base, t.keys.dispatcher, '#/wall');
  await page.waitForSelector('[data-camera=cam-a]');
});
after(async () => {
  await browser?.close();
  await t?.stop();
  await sim?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const tile = (i: number) => `[data-testid=tile-${i}]`;
const shot = async (p: Page, name: string) => {
  const path = join(SHOTS, `${name}.png`);
  await p.screenshot({ path });
  console.log(`screenshot: ${path}`);
};
/** The wall-clock time under a tile's playhead (ms), or null. */
const playheadOf = (i: number) => page.$eval(`${tile(i)} [data-testid=tile-playback-layer]`, (el) => Number(el.getAttribute('data-at')) || null).catch(() => null);
const gapOf = () => ({ start: ms(footage.gaps[0]!.start), end: ms(footage.gaps[0]!.end) });

/** Clicks the timeline bar at wall-clock `at`. */
async function clickTimelineAt(at: number) {
  const { x, y } = await timelinePoint(page, at);
  await page.mouse.click(x, y);
}

/** Seeks tile `i` by the timeline (a click, or a drag ending there) and returns the first playhead after the jump. */
async function seekByTimeline(i: number, target: number, how: 'click' | 'drag' = 'click'): Promise<number> {
  const before = await playheadOf(i);
  const clickedAt = Date.now();
  await (how === 'click' ? clickTimelineAt(target) : scrubTimelineTo(page, target, 40));
  return waitFor(async () => {
    const at = await playheadOf(i);
    if (at === null) return undefined;
    // The playhead jumped: away from where it was going on its own.
    const expected = before === null ? null : before + (Date.now() - clickedAt);
    return expected === null || Math.abs(at - expected) > 4000 ? at : undefined;
  }, 30_000, 'the playhead after the seek');
}

test('a tile switches from live to playback (回放) and shows the time under the playhead; back to live; zh-CN and en', async () => {
  await page.click(tile(0));
  await page.click('[data-camera=cam-a]');
  await page.click(tile(0));
  await page.click(`${tile(0)} [data-testid=tile-playback]`);
  await page.waitForSelector(`${tile(0)} [data-testid=tile-playback-layer][data-status=playing]`, { timeout: 45_000 });
  const at = await waitFor(async () => (await playheadOf(0)) ?? undefined, 30_000, 'a playhead');
  assert.ok(at >= ms(footage.segments[0]!.start) - 1000 && at <= Date.now(), `playhead ${new Date(at).toISOString()}`);
  const label = await page.textContent(`${tile(0)} [data-testid=tile-playback-time]`);
  assert.match(label!, /回放/);
  assert.match(label!, /\d\d:\d\d:\d\d/);
  assert.equal(await page.textContent(`${tile(0)} [data-testid=tile-playback]`), '返回实时');
  assert.equal(await page.getAttribute(tile(0), 'data-state'), 'empty', 'the live player rests while the tile plays back');
  // Back to live and into playback again.
  await page.click(`${tile(0)} [data-testid=tile-playback]`);
  await page.waitForSelector(`${tile(0)}[data-state=playing]`, { timeout: 45_000 });
  assert.equal(await page.$(`${tile(0)} [data-testid=tile-playback-layer]`), null);
  await page.click(`${tile(0)} [data-testid=tile-playback]`);
  await page.waitForSelector(`${tile(0)} [data-testid=tile-playback-layer][data-status=playing]`, { timeout: 45_000 });
  // In English too, and back.
  await page.click('[data-testid=lang-switch] button:has-text("English")');
  assert.equal(await page.textContent(`${tile(0)} [data-testid=tile-playback]`), 'Back to live');
  assert.match((await page.textContent(`${tile(0)} [data-testid=tile-playback-time]`))!, /Playback/);
  assert.match((await page.textContent('[data-testid=timeline]'))!, /Recording timeline.*Synchronous playback.*Export/);
  await page.click('[data-testid=lang-switch] button:has-text("中文")');
  assert.match((await page.textContent('[data-testid=timeline]'))!, /录像时间轴.*同步回放.*导出/);
});

test('the timeline of the selected camera shows its recorded ranges, the gap and the incident marker; a marker jumps to the incident with its pre-roll', async () => {
  await page.click('[data-zoom=tenMinutes]');
  await page.waitForSelector('[data-testid=timeline-gap]');
  const gap = gapOf();
  const gaps = await page.$$eval('[data-testid=timeline-gap]', (els) => els.map((e) => [Number(e.getAttribute('data-start')), Number(e.getAttribute('data-end'))]));
  assert.ok(gaps.some(([s, e]) => s === gap.start && e === gap.end), `the gap ${JSON.stringify(gap)} in ${JSON.stringify(gaps)}`);
  const ranges = await page.$$eval('[data-testid=timeline-range]', (els) => els.map((e) => [Number(e.getAttribute('data-start')), Number(e.getAttribute('data-end'))]));
  assert.ok(ranges.some(([, e]) => e === gap.start), 'a range ends where the gap starts');
  assert.ok(ranges.some(([s]) => s === gap.end), 'a range starts where the gap ends');
  const marker = await page.waitForSelector(`[data-testid=timeline-marker][data-incident="${incidentId}"]`);
  const holdFrom = ms(footage.holds.find((h) => h.incidentId === incidentId)!.from);
  assert.match((await marker.getAttribute('title'))!, /区域入侵/, 'the marker names the incident type');
  await shot(page, 'timeline-gap-and-marker');
  await marker.click();
  const at = await waitFor(async () => {
    const now = await playheadOf(0);
    return now !== null && Math.abs(now - holdFrom) < 2500 ? now : undefined;
  }, 30_000, 'the playhead at the incident');
  assert.ok(Math.abs(at - holdFrom) < 2500);
  // The day before has no footage; back to today.
  const [yesterday, today] = await page.evaluate(() => [Date.now() - 86_400_000, Date.now()].map((at) => new Date(at - new Date(at).getTimezoneOffset() * 60_000).toISOString().slice(0, 10)));
  await page.fill('[data-testid=timeline-day]', yesterday!);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=timeline-range]').length === 0 && !!document.querySelector('[data-testid=timeline-bar]'));
  await page.click('[data-zoom=day]');
  await page.fill('[data-testid=timeline-day]', today!);
  await page.waitForSelector('[data-testid=timeline-range]');
  await page.click('[data-zoom=tenMinutes]');
});

test('a click on the timeline seeks there, and so does a drag: the time under the playhead is within 2 s of it', async () => {
  const target = gapOf().end + 6000;
  const at = await seekByTimeline(0, target);
  assert.ok(Math.abs(at - target) <= 2000, `asked ${new Date(target).toISOString()}, playing ${new Date(at).toISOString()}`);
  const before = ms(footage.gaps[0]!.start) - 5000;
  const dragged = await seekByTimeline(0, before, 'drag');
  assert.ok(Math.abs(dragged - before) <= 2000, `dragged to ${new Date(before).toISOString()}, playing ${new Date(dragged).toISOString()}`);
});

test('2× speed advances the playhead about twice as fast as the clock', async () => {
  await seekByTimeline(0, gapOf().end + 1000);
  await page.click('[data-speed="2"]');
  await page.waitForFunction((sel) => (document.querySelector(sel) as HTMLVideoElement | null)?.playbackRate === 2, `${tile(0)} [data-testid=tile-playback-layer] video`);
  const a = { at: (await playheadOf(0))!, clock: Date.now() };
  await new Promise((r) => setTimeout(r, 4000)); // the measuring window
  const b = { at: (await playheadOf(0))!, clock: Date.now() };
  const rate = (b.at - a.at) / (b.clock - a.clock);
  console.log(`2×: ${rate.toFixed(2)} media seconds per second`);
  assert.ok(rate > 1.5 && rate < 2.6, `rate ${rate}`);
  await page.click('[data-speed="1"]');
});

test('synchronous playback (同步回放) of 2 tiles: a seek of one seeks both, and they stay within the stated bound', async () => {
  await page.click(tile(1));
  await page.click('[data-camera=cam-b]');
  await page.click(tile(0));
  await page.check('[data-testid=sync]');
  await page.waitForSelector(`${tile(1)} [data-testid=tile-playback-layer][data-status=playing]`, { timeout: 45_000 });
  const target = gapOf().end + 3000;
  await clickTimelineAt(target);
  await waitFor(async () => {
    const [a, b] = [await playheadOf(0), await playheadOf(1)];
    return a !== null && b !== null && Math.abs(a - target) < 3000 && Math.abs(b - target) < 3000 ? true : undefined;
  }, 45_000, 'both tiles at the seek');
  const spreads: number[] = [];
  const until = Date.now() + 8000;
  while (Date.now() < until) {
    const [a, b] = await page.$$eval('[data-testid=tile-playback-layer]', (els) => els.map((e) => Number(e.getAttribute('data-at'))));
    if (a && b) spreads.push(Math.abs(a - b!));
    await new Promise((r) => setTimeout(r, 250));
  }
  console.log(`sync spreads (ms): ${spreads.join(', ')}`);
  await shot(page, 'sync-two-tiles');
  assert.ok(spreads.length > 10);
  assert.ok(Math.max(...spreads) <= SYNC_BOUND_MS, `spread up to ${Math.max(...spreads)} ms`);
  await page.uncheck('[data-testid=sync]');
});

test('the export button exports the typed range as an MP4 with progress, then a download link; an operator has no export button', async () => {
  const from = gapOf().end + 2000;
  const to = from + 10_000;
  await page.click('[data-testid=export-button]');
  // The browser's local time as a datetime-local input takes it (one expression: no named helper inside evaluate).
  const local = (at: number) => page.evaluate((at) => new Date(at - new Date(at).getTimezoneOffset() * 60_000).toISOString().slice(0, 19), at);
  await page.fill('[data-testid=export-from]', await local(from));
  await page.fill('[data-testid=export-to]', await local(to));
  await page.click('[data-testid=export-start]');
  const link = await page.waitForSelector('[data-testid=export-download]', { timeout: 60_000 });
  const href = (await link.getAttribute('href'))!;
  assert.match(href, /^\/api\/exports\/[0-9a-f-]{36}\/download\?access_token=/);
  const res = await fetch(`${base}${href}`);
  assert.equal(res.status, 200);
  const file = join(scratch, 'export.mp4');
  writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]);
  const seconds = Number(stdout.trim());
  // Seconds are whole in the inputs (the range is cut to them) and the MP4 starts at the keyframe at or before `from`.
  assert.ok(Math.abs(seconds - 10) <= 2.5, `MP4 of ${seconds} s for 10 s`);
  const operator = await openWall(browser, base, t.keys.operator, '#/wall');
  await operator.waitForSelector('[data-camera=cam-a]');
  await operator.click(tile(0));
  await operator.click('[data-camera=cam-a]');
  await operator.click(tile(0));
  await operator.waitForSelector('[data-testid=timeline][data-channel=cam-a]');
  assert.equal(await operator.$('[data-testid=export-button]'), null);
  await operator.close();
});

test('a dispatcher sees the incident clip playing inline, its thumbnail as the poster', async () => {
  await waitFor(async () => {
    const r = await t.call('dispatcher', { method: 'GET', url: `/api/incidents/${incidentId}` });
    return (r.json() as { flow: Array<{ action: string }> }).flow.some((f) => f.action === 'clip') ? true : undefined;
  }, 90_000, 'the clip on the incident');
  const dispatch = await openWall(browser, base, t.keys.dispatcher, `#/dispatch/${incidentId}`);
  const video = await dispatch.waitForSelector('[data-testid=incident-clip]', { timeout: 30_000 });
  assert.match((await video.getAttribute('poster'))!, /access_token=/);
  await dispatch.waitForFunction(() => ((document.querySelector('[data-testid=incident-clip]') as HTMLVideoElement | null)?.currentTime ?? 0) > 1, undefined, { timeout: 30_000 });
  assert.equal(await dispatch.textContent('[data-testid=flow-log] [data-action=clip] strong'), '事件录像');
  await shot(dispatch, 'dispatch-incident-clip');
  assert.deepEqual(pageErrors(dispatch), []);
  await dispatch.close();
  assert.deepEqual(pageErrors(page), []);
});
