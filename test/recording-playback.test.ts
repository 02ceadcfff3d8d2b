// Recording part 2 (issue 18): playback, export and incident clips, with real
// ffmpeg, the camera simulator and Chromium. A VOD playlist over a gap (the
// channel disabled for a while) has DISCONTINUITY and PROGRAM-DATE-TIME, starts
// with a keyframe and plays in Chromium across the gap; tokens and paths are
// checked; operators play back but do not export; an export's MP4 has the
// asked length and is on the audit log; an events channel's incident gets its
// clip with a thumbnail, announced by incident.updated.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser, screenshot } from './helpers/browser.ts';
import type { TestGateway } from './helpers/gateway.ts';
import { CLIP_DIR, startVideoGateway, waitFor } from './helpers/video.ts';
import { startCameraSimulator, type CameraSimulator } from './sim/camera-sim.ts';

const run = promisify(execFile);
const SEGMENT_SECONDS = 2;
const ROLL = 10;
const HLS_JS = join(process.cwd(), 'node_modules', 'hls.js', 'dist', 'hls.min.js');

type ApiSegment = { start: string; end: string };
type Recordings = { segments: ApiSegment[]; gaps: Array<{ start: string; end: string }> };
type Job = { id: string; state: string; progress: number; bytes: number; actualFrom: string; actualTo: string; seconds: number; download?: string };

let sim: CameraSimulator;
let t: TestGateway;
let base: string;
let browser: Browser | undefined;
const scratch = mkdtempSync(join(tmpdir(), 'gw-playback-'));

before(async () => {
  sim = await startCameraSimulator({ clipDir: CLIP_DIR, streams: [{ path: 'pb', clip: 'h264-360p' }, { path: 'ev', clip: 'h264-360p' }] });
  await sim.waitReady('pb', 60_000);
  await sim.waitReady('ev', 60_000);
  t = await startVideoGateway([
    '--recording.segmentSeconds', String(SEGMENT_SECONDS),
    '--recording.events.preRollSeconds', String(ROLL), '--recording.events.postRollSeconds', String(ROLL),
    '--recording.exports.maxSeconds', '600',
  ]);
  base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  const made = await t.call('engineer', { method: 'POST', url: '/api/channels', payload: { id: 'cam-pb', name: '东门 pb', kind: 'rtsp', source: { url: sim.url('pb') }, recording: { mode: 'continuous' } } });
  assert.equal(made.statusCode, 201, made.body);
});
after(async () => {
  await browser?.close();
  await t?.stop();
  await sim?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const recordings = async (id: string) => {
  const res = await t.call('operator', { method: 'GET', url: `/api/channels/${id}/recordings` });
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as Recordings;
};
const ms = (iso: string) => Date.parse(iso);

async function probeSeconds(file: string): Promise<number> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]);
  return Number(stdout.trim());
}
async function firstFrameIsKey(file: string): Promise<boolean> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_frames', '-read_intervals', '%+#1', '-show_entries', 'frame=key_frame', '-of', 'json', file]);
  return (JSON.parse(stdout) as { frames: Array<{ key_frame: number }> }).frames[0]?.key_frame === 1;
}
async function download(url: string, name: string, headers: Record<string, string> = {}): Promise<{ file: string; res: Response }> {
  const res = await fetch(`${base}${url}`, { headers });
  assert.equal(res.status, 200, `${url}: ${res.status} ${await res.clone().text().catch(() => '')}`);
  const file = join(scratch, name);
  writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  return { file, res };
}

/** Footage of cam-pb with a gap: recorded, disabled for a while (the camera is off), recorded again. */
let gapFootage: Promise<Recordings> | undefined;
function withGap(): Promise<Recordings> {
  gapFootage ??= (async () => {
    await waitFor(async () => ((await recordings('cam-pb')).segments.length >= 4 ? true : undefined), 90_000, 'four segments before the gap');
    const off = await t.call('engineer', { method: 'PATCH', url: '/api/channels/cam-pb', payload: { enabled: false } });
    assert.equal(off.statusCode, 200, off.body);
    await new Promise((r) => setTimeout(r, 6000));
    const on = await t.call('engineer', { method: 'PATCH', url: '/api/channels/cam-pb', payload: { enabled: true } });
    assert.equal(on.statusCode, 200, on.body);
    return waitFor(async () => {
      const r = await recordings('cam-pb');
      const gap = r.gaps[0];
      return gap && r.segments.filter((s) => ms(s.start) >= ms(gap.end)).length >= 5 ? r : undefined;
    }, 90_000, 'five segments after the gap');
  })();
  return gapFootage;
}

test('a VOD playlist over a gap: VOD, TARGETDURATION, EXTINF and PROGRAM-DATE-TIME per segment, DISCONTINUITY at the gap, ENDLIST; it starts at the segment holding `from`, a keyframe; Chromium plays it across the gap', async () => {
  const rec = await withGap();
  const gap = rec.gaps[0]!;
  const before = rec.segments.filter((s) => ms(s.end) <= ms(gap.start));
  const from = ms(before.at(-2)!.start) + 500; // inside a segment: playback starts at that segment's keyframe
  const to = ms(gap.end) + 8000;
  const play = await t.call('operator', { method: 'GET', url: `/api/channels/cam-pb/play/recording?from=${new Date(from).toISOString()}&to=${to}` });
  assert.equal(play.statusCode, 200, play.body);
  const answer = play.json() as { hls: string; start: string; segments: number };
  assert.match(answer.hls, /^\/media\/[^/]+\/cam-pb\/vod\.m3u8\?from=\d+&to=\d+$/);
  assert.equal(answer.start, before.at(-2)!.start);
  const text = await (await fetch(`${base}${answer.hls}`)).text();
  const lines = text.trim().split('\n');
  assert.equal(lines[0], '#EXTM3U');
  assert.ok(lines.includes('#EXT-X-PLAYLIST-TYPE:VOD'), text);
  assert.equal(lines.at(-1), '#EXT-X-ENDLIST');
  const extinf = lines.filter((l) => l.startsWith('#EXTINF:')).map((l) => Number(l.slice(8, -1)));
  assert.equal(extinf.length, answer.segments);
  const target = Number(lines.find((l) => l.startsWith('#EXT-X-TARGETDURATION:'))!.split(':')[1]);
  assert.ok(target >= Math.ceil(Math.max(...extinf)), `target ${target} for ${extinf.join(', ')}`);
  const dates = lines.filter((l) => l.startsWith('#EXT-X-PROGRAM-DATE-TIME:'));
  assert.equal(dates.length, extinf.length);
  assert.equal(dates[0], `#EXT-X-PROGRAM-DATE-TIME:${before.at(-2)!.start}`);
  assert.ok(lines.filter((l) => l === '#EXT-X-DISCONTINUITY').length >= 1, 'a discontinuity at the gap');
  const uris = lines.filter((l) => !l.startsWith('#'));
  assert.equal(uris[0], `rec/${ms(before.at(-2)!.start)}.ts`);
  // The gap's position on the player's timeline: the media before the discontinuity.
  const gapIndex = lines.indexOf('#EXT-X-DISCONTINUITY');
  const gapAt = lines.slice(0, gapIndex).filter((l) => l.startsWith('#EXTINF:')).reduce((n, l) => n + Number(l.slice(8, -1)), 0);

  const first = await download(answer.hls.replace(/vod\.m3u8.*$/, uris[0]!), 'first.ts');
  assert.equal(first.res.headers.get('content-type'), 'video/mp2t');
  assert.ok(await firstFrameIsKey(first.file), 'the first segment starts with a keyframe');

  browser = await launchBrowser();
  const page = await browser.newPage();
  const hlsJs = readFileSync(HLS_JS);
  await page.route(`${base}/__vod/**`, (route) => {
    const url = new URL(route.request().url());
    if (url.pathname.endsWith('hls.js')) return route.fulfill({ contentType: 'text/javascript', body: hlsJs });
    return route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><video id="v" muted width="640" height="360"></video><script src="/__vod/hls.js"></script><script>
        window.errors = [];
        const v = document.getElementById('v');
        const hls = new Hls();
        hls.on(Hls.Events.ERROR, (_e, d) => window.errors.push(d.details + (d.fatal ? ' (fatal)' : '')));
        hls.loadSource(${JSON.stringify(answer.hls)});
        hls.attachMedia(v);
        hls.on(Hls.Events.MANIFEST_PARSED, () => v.play());
      </script>`,
    });
  });
  await page.goto(`${base}/__vod/page.html`);
  await page.waitForFunction((past) => (document.getElementById('v') as HTMLVideoElement).currentTime > past, gapAt + 2, { timeout: 90_000 });
  const state = await page.evaluate(() => ({ t: (document.getElementById('v') as HTMLVideoElement).currentTime, errors: (window as unknown as { errors: string[] }).errors }));
  await screenshot(page, 'recording-playback-vod-past-gap');
  assert.ok(state.t > gapAt + 2, `played to ${state.t} s, gap at ${gapAt} s`);
  assert.ok(!state.errors.some((e) => e.includes('fatal')), state.errors.join(', '));
  await page.close();
});

test('media tokens and paths: a token of another channel 403, a segment the index does not list 404, traversal 4xx, a deleted segment 404 while the playlist still answers', async () => {
  const rec = await withGap();
  const from = ms(rec.segments[0]!.start);
  const to = ms(rec.segments.at(-1)!.end);
  const play = (await t.call('operator', { method: 'GET', url: `/api/channels/cam-pb/play/recording?from=${from}&to=${to}` })).json() as { hls: string };
  const token = play.hls.split('/')[2]!;
  const other = await t.call('engineer', { method: 'POST', url: '/api/channels', payload: { id: 'cam-other', name: 'other', kind: 'rtsp', source: { url: sim.url('ev') }, enabled: false } });
  assert.equal(other.statusCode, 201, other.body);
  assert.equal((await fetch(`${base}/media/${token}/cam-other/vod.m3u8?from=${from}&to=${to}`)).status, 403);
  assert.equal((await fetch(`${base}/media/${token}/cam-other/rec/${from}.ts`)).status, 403);
  assert.equal((await fetch(`${base}/media/not-a-token-at-all/cam-pb/rec/${from}.ts`)).status, 403);
  assert.equal((await fetch(`${base}/media/${token}/cam-pb/rec/${from + 1}.ts`)).status, 404, 'a name the index does not list');
  for (const path of [`rec/..%2F..%2F..%2Fetc%2Fpasswd`, `rec/%2Fetc%2Fpasswd`, `rec/..%2F${from}.ts`, `rec/${from}.ts%00.jpg`, `rec/..`]) {
    const res = await fetch(`${base}/media/${token}/cam-pb/${path}`);
    assert.ok(res.status >= 400 && res.status < 500, `${path}: ${res.status}`);
    assert.doesNotMatch(await res.text(), /root:/);
  }
  assert.ok((await fetch(`${base}/media/${token}/..%2F..%2Fetc/vod.m3u8?from=${from}&to=${to}`)).status >= 400);
  // Retention deletes a segment while someone watches: that file 404, the rest plays on.
  const victim = rec.segments[1]!;
  rmSync(join(t.dataDir, 'recordings', 'cam-pb', victim.start.slice(0, 10), `${ms(victim.start)}.ts`));
  assert.equal((await fetch(`${base}/media/${token}/cam-pb/rec/${ms(victim.start)}.ts`)).status, 404);
  assert.equal((await fetch(`${base}/media/${token}/cam-pb/rec/${ms(rec.segments[2]!.start)}.ts`)).status, 200);
  assert.equal((await fetch(`${base}${play.hls}`)).status, 200);
});

test('roles and bad input: an operator plays back but may not export; from ≥ to 400, no footage 409 no_footage, over maxSeconds 400, an unknown channel 404', async () => {
  const range = `from=${Date.now() - 60_000}&to=${Date.now()}`;
  assert.equal((await t.call('operator', { method: 'GET', url: `/api/channels/cam-pb/play/recording?${range}` })).statusCode, 200);
  assert.equal((await t.call(null, { method: 'GET', url: `/api/channels/cam-pb/play/recording?${range}` })).statusCode, 401);
  const body = { from: Date.now() - 20_000, to: Date.now() - 10_000 };
  const refused = await t.call('operator', { method: 'POST', url: '/api/channels/cam-pb/exports', payload: body });
  assert.equal(refused.statusCode, 403, refused.body);
  const backwards = await t.call('dispatcher', { method: 'POST', url: '/api/channels/cam-pb/exports', payload: { from: body.to, to: body.to } });
  assert.equal(backwards.statusCode, 400);
  assert.equal(backwards.json().field, 'from');
  const none = await t.call('dispatcher', { method: 'POST', url: '/api/channels/cam-pb/exports', payload: { from: '2020-01-01T00:00:00Z', to: '2020-01-01T00:05:00Z' } });
  assert.equal(none.statusCode, 409, none.body);
  assert.equal(none.json().messageCode, 'no_footage');
  const long = await t.call('dispatcher', { method: 'POST', url: '/api/channels/cam-pb/exports', payload: { from: '2025-01-01T00:00:00Z', to: '2025-01-01T01:00:00Z' } });
  assert.equal(long.statusCode, 400);
  assert.equal(long.json().field, 'to');
  assert.equal((await t.call('dispatcher', { method: 'POST', url: '/api/channels/nope/exports', payload: body })).statusCode, 404);
  assert.equal((await t.call('dispatcher', { method: 'POST', url: '/api/channels/cam-pb/exports', payload: { from: 'yesterday', to: body.to } })).statusCode, 400);
  assert.equal((await t.call('operator', { method: 'GET', url: `/api/channels/cam-pb/play/recording?from=${body.to}&to=${body.from}` })).statusCode, 400);
});

test('an export: a job with progress, then an MP4 of the asked length (from the keyframe at or before `from`, said as actualFrom) named by channel and range; on the audit log; at most 2 run at once', async () => {
  const rec = await withGap();
  const gap = rec.gaps[0]!;
  const after = rec.segments.filter((s) => ms(s.start) >= ms(gap.end));
  const from = ms(after[0]!.start) + 700;
  const to = ms(after.at(-1)!.end) - 300;
  const res = await t.call('dispatcher', { method: 'POST', url: '/api/channels/cam-pb/exports', payload: { from: new Date(from).toISOString(), to } });
  assert.equal(res.statusCode, 202, res.body);
  const job = res.json() as Job;
  assert.ok(['queued', 'running', 'done'].includes(job.state));
  const actualFrom = ms(job.actualFrom);
  assert.ok(actualFrom <= from && actualFrom >= ms(after[0]!.start), `actualFrom ${job.actualFrom} for ${new Date(from).toISOString()}`);
  const done = await waitFor(async () => {
    const r = await t.call('dispatcher', { method: 'GET', url: `/api/exports/${job.id}` });
    assert.equal(r.statusCode, 200, r.body);
    const j = r.json() as Job;
    assert.notEqual(j.state, 'failed');
    return j.state === 'done' ? j : undefined;
  }, 60_000, 'export done');
  assert.equal(done.progress, 1);
  assert.ok(done.bytes > 10_000);
  const { file, res: dl } = await download(done.download!, 'export.mp4', { authorization: `Bearer ${t.keys.dispatcher}` });
  const cd = dl.headers.get('content-disposition')!;
  assert.match(decodeURIComponent(cd), /东门 pb_\d{4}-\d\d-\d\dT\d{6}Z_\d{4}-\d\d-\d\dT\d{6}Z\.mp4/);
  assert.match(cd, /^attachment; filename="[A-Za-z0-9._-]+"/);
  const seconds = await probeSeconds(file);
  const asked = (to - from) / 1000;
  const rounding = (from - actualFrom) / 1000;
  assert.ok(Math.abs(seconds - (asked + rounding)) <= 1, `MP4 of ${seconds} s for ${asked} s asked + ${rounding} s to the keyframe`);
  assert.ok(await firstFrameIsKey(file));
  assert.equal((await t.call('operator', { method: 'GET', url: `/api/exports/${job.id}/download` })).statusCode, 403);
  // On the audit log: who, which channel, which range.
  const audit = await t.call('admin', { method: 'GET', url: `/api/audit?entity=recording_exports&entityId=${job.id}` });
  assert.equal(audit.statusCode, 200, audit.body);
  const row = (audit.json() as { items: Array<{ actor: { name: string; role: string }; after: { channelId: string; from: string; to: string } }> }).items[0]!;
  assert.equal(row.actor.role, 'dispatcher');
  assert.deepEqual({ channelId: row.after.channelId, from: row.after.from, to: row.after.to }, { channelId: 'cam-pb', from: new Date(from).toISOString(), to: new Date(to).toISOString() });
  // Three asked at once: two run, one waits its turn, all finish.
  const exporter = t.gw.playback!.exporter;
  const jobs = [1, 2, 3].map(() => exporter.submit({ channelId: 'cam-pb', channelName: 'pb', from, to, plan: exporter.get(job.id)!.plan }));
  assert.deepEqual(jobs.map((j) => j.state), ['running', 'running', 'queued']);
  const settled = await Promise.all(jobs.map((j) => j.done));
  assert.deepEqual(settled.map((j) => j.state), ['done', 'done', 'done']);
});

test('an events channel with an incident at t≈30 s gets a clip from ≈t−10 s to ≈t+10 s (keyframe first) with a thumbnail, attached to the incident and announced by incident.updated', async () => {
  const made = await t.call('engineer', { method: 'POST', url: '/api/channels', payload: { id: 'cam-ev', name: 'ev', kind: 'rtsp', source: { url: sim.url('ev') }, recording: { mode: 'events' } } });
  assert.equal(made.statusCode, 201, made.body);
  await waitFor(async () => ((await recordings('cam-ev')).segments.length > 0 ? true : undefined), 60_000, 'first events segment');
  await new Promise((r) => setTimeout(r, 30_000 - SEGMENT_SECONDS * 1000));
  const updates: Array<{ id: unknown; at: number }> = [];
  const listen = (e: { type: string; payload: Record<string, unknown> }) => {
    if (e.type === 'incident.updated') updates.push({ id: e.payload.id, at: Date.now() });
  };
  t.gw.incidents.service.bus.on('event', listen);
  const alarmAt = Date.now();
  const raised = await t.gw.incidents.service.raise({ source: { kind: 'detector', id: 'cam-ev' }, type: 'intrusion', severity: 'major', occurredAt: alarmAt, evidence: { frameTs: alarmAt } });
  const incidentId = raised.incident!.id;
  type Flow = { action: string; attachments: string[]; data: { clip: { url: string; thumbnailUrl: string; from: string; to: string; durationSeconds: number } } };
  const record = await waitFor(async () => {
    const r = await t.call('dispatcher', { method: 'GET', url: `/api/incidents/${incidentId}` });
    return (r.json() as { flow: Flow[] }).flow.find((f) => f.action === 'clip');
  }, 90_000, 'the clip on the incident');
  t.gw.incidents.service.bus.off('event', listen);
  const clip = record.data.clip;
  console.log(`alarm at 0: clip ${(ms(clip.from) - alarmAt) / 1000} s to ${(ms(clip.to) - alarmAt) / 1000} s, ${clip.durationSeconds} s`);
  assert.deepEqual(record.attachments, [clip.url, clip.thumbnailUrl]);
  assert.ok(Math.abs(ms(clip.from) - (alarmAt - ROLL * 1000)) <= 1500, `clip from ${(ms(clip.from) - alarmAt) / 1000} s`);
  assert.ok(Math.abs(ms(clip.to) - (alarmAt + ROLL * 1000)) <= 1000, `clip to ${(ms(clip.to) - alarmAt) / 1000} s`);
  // Nothing else updates this incident after the post-roll: the event then is the clip's.
  assert.ok(updates.some((u) => u.id === incidentId && u.at >= ms(clip.to)), `incident.updated announced the clip (${JSON.stringify(updates)})`);
  const { file } = await download(clip.url, 'clip.mp4', { authorization: `Bearer ${t.keys.operator}` });
  const seconds = await probeSeconds(file);
  assert.ok(Math.abs(seconds - 2 * ROLL) <= SEGMENT_SECONDS, `clip of ${seconds} s`);
  assert.ok(await firstFrameIsKey(file), 'the clip starts with a keyframe');
  const thumb = await download(clip.thumbnailUrl, 'thumb.jpg', { authorization: `Bearer ${t.keys.operator}` });
  assert.equal(thumb.res.headers.get('content-type'), 'image/jpeg');
  assert.deepEqual([...readFileSync(thumb.file).subarray(0, 2)], [0xff, 0xd8]);
  // The clip holds its footage as long as the incident does.
  const holds = await t.gw.recording!.index.holds('cam-ev', ms(clip.from), ms(clip.to));
  assert.ok(holds.some((h) => h.incidentId === incidentId && h.fromMs <= ms(clip.from) + 1000 && h.toMs >= ms(clip.to) - 1000 && h.releaseAt === null));
});
