// Recording from the same ingest (issue 18, part 1), with real ffmpeg and the
// camera simulator: a continuous channel writes keyframe-first MPEG-TS
// segments into dated directories, indexed, with one camera connection and
// one ffmpeg while live HLS plays on; an events channel keeps only what an
// incident holds (pre-roll to post-roll), and the hold ends once the incident
// is closed plus the keep time; the recordings API's bad input.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { startCameraSimulator, type CameraSimulator } from './sim/camera-sim.ts';
import type { TestGateway } from './helpers/gateway.ts';
import { CLIP_DIR, countFrames, startVideoGateway, statusOf, waitFor } from './helpers/video.ts';

const run = promisify(execFile);
const SEGMENT_SECONDS = 2;
const PRE_ROLL = 6;
const POST_ROLL = 6;

type ApiSegment = { start: string; end: string; bytes: number; class: string; source: string; keyframeFirst: boolean };
type Recordings = { segments: ApiSegment[]; gaps: Array<{ start: string; end: string }>; holds: Array<{ from: string; to: string; incidentId: string; releaseAt: string | null }> };

let sim: CameraSimulator;
let t: TestGateway;

before(async () => {
  sim = await startCameraSimulator({ clipDir: CLIP_DIR, streams: [{ path: 'cont', clip: 'h264-360p' }, { path: 'ev', clip: 'h264-360p' }] });
  await sim.waitReady('cont', 60_000);
  await sim.waitReady('ev', 60_000);
  t = await startVideoGateway([
    '--recording.segmentSeconds', String(SEGMENT_SECONDS), '--recording.retentionIntervalSeconds', '1',
    '--recording.events.preRollSeconds', String(PRE_ROLL), '--recording.events.postRollSeconds', String(POST_ROLL),
    // A closed incident's hold ends ~1.7 s after closing; footage it covered is kept ~26 s from its start.
    '--recording.evidenceKeepDaysAfterArchive', '0.00002', '--recording.eventRetentionDays', '0.0003',
  ]);
});
after(async () => {
  await t?.stop();
  await sim?.stop();
});

const recordings = async (id: string, query = '') => {
  const res = await t.call('operator', { method: 'GET', url: `/api/channels/${id}/recordings${query}` });
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as Recordings;
};

async function mediaSeconds(file: string): Promise<number> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]);
  return Number(stdout.trim());
}

const root = () => join(t.dataDir, 'recordings');
const fileOf = (id: string, s: ApiSegment) => join(root(), id, s.start.slice(0, 10), `${Date.parse(s.start)}.ts`);

test('a continuous channel records keyframe-first segments of about segmentSeconds into its dated directory, indexed; one camera connection, one ffmpeg, live plays on', async () => {
  const res = await t.call('engineer', { method: 'POST', url: '/api/channels', payload: { id: 'cam-cont', name: 'cont', kind: 'rtsp', source: { url: sim.url('cont') }, recording: { mode: 'continuous' } } });
  assert.equal(res.statusCode, 201, res.body);
  // on-demand by default: a recording channel runs without a viewer.
  const got = await waitFor(async () => {
    const r = await recordings('cam-cont');
    return r.segments.length >= 4 ? r : undefined;
  }, 90_000, 'four recorded segments');
  const day = new Date().toISOString().slice(0, 10);
  for (const s of got.segments) {
    const seconds = (Date.parse(s.end) - Date.parse(s.start)) / 1000;
    assert.ok(seconds >= SEGMENT_SECONDS * 0.5 && seconds <= SEGMENT_SECONDS * 2 + 1, `segment of ${seconds} s`);
    assert.equal(s.class, 'continuous');
    assert.equal(s.source, 'gateway');
    const file = fileOf('cam-cont', s);
    assert.ok(existsSync(file), `${file} exists`);
    assert.ok(file.includes(`/cam-cont/${day}/`) || s.start.slice(0, 10) !== day);
    assert.ok(s.bytes > 1000);
  }
  // The index says the file's length; the first frame is a keyframe.
  const second = got.segments[1]!;
  const probed = await mediaSeconds(fileOf('cam-cont', second));
  assert.ok(Math.abs(probed - (Date.parse(second.end) - Date.parse(second.start)) / 1000) < 1.2, `file ${probed} s`);
  const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_frames', '-read_intervals', '%+#1', '-show_entries', 'frame=key_frame,pict_type', '-of', 'json', fileOf('cam-cont', second)]);
  const [first] = (JSON.parse(stdout) as { frames: Array<{ key_frame: number; pict_type: string }> }).frames;
  assert.equal(first?.key_frame, 1, `first frame ${JSON.stringify(first)}`);
  // Consecutive segments leave no gap while the camera streams.
  assert.deepEqual(got.gaps, []);

  const status = await statusOf(t, 'cam-cont') as Awaited<ReturnType<typeof statusOf>> & { recording?: { state: string; mode: string } };
  assert.equal(status.state, 'online');
  assert.equal(status.recording?.state, 'recording');
  assert.equal(status.recording?.mode, 'continuous');
  assert.equal(sim.server.stats().players.cont, 1, 'one RTSP session to the camera');
  const ffmpegs = execFileSync('ps', ['-eo', 'args']).toString().split('\n').filter((l) => l.includes('ffmpeg') && l.includes(`${join('hls', 'cam-cont')}/`));
  assert.equal(ffmpegs.length, 1, ffmpegs.join('\n'));
  assert.match(ffmpegs[0]!, /f=segment/);
  assert.doesNotMatch(ffmpegs[0]!, /libx264/, 'copied, not encoded again');
  // Live HLS still plays.
  const play = await t.call('operator', { method: 'GET', url: '/api/channels/cam-cont/play' });
  const hls = (play.json() as { hls: string }).hls;
  const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  const playlist = await (await fetch(`${base}${hls}`)).text();
  const newest = playlist.match(/seg-\d+\.ts/g)!.at(-1)!;
  assert.ok(await countFrames(`${base}${hls.replace('index.m3u8', newest)}`) > 5, 'the newest live segment decodes');
});

test('an events channel keeps footage from about preRoll before an incident to postRoll after it; the hold outlives retention and ends after the incident is closed plus the keep time', async () => {
  const res = await t.call('engineer', { method: 'POST', url: '/api/channels', payload: { id: 'cam-ev', name: 'ev', kind: 'rtsp', source: { url: sim.url('ev') }, recording: { mode: 'events' } } });
  assert.equal(res.statusCode, 201, res.body);
  // Let it record for a while: the ring keeps only the last seconds.
  const startedAt = Date.now();
  await waitFor(async () => ((await recordings('cam-ev')).segments.length > 0 ? true : undefined), 60_000, 'first events segment');
  await new Promise((r) => setTimeout(r, 20_000));
  const ring = (await recordings('cam-ev')).segments;
  const ringStart = Date.parse(ring[0]!.start);
  assert.ok(ringStart > startedAt + 5000, 'old footage left the ring');
  assert.ok(Date.now() - ringStart <= (PRE_ROLL + 3 * SEGMENT_SECONDS + 3) * 1000, `ring spans ${(Date.now() - ringStart) / 1000} s`);

  const alarmAt = Date.now();
  const raised = await t.gw.incidents.service.raise({ source: { kind: 'detector', id: 'cam-ev' }, type: 'intrusion', severity: 'major', occurredAt: alarmAt, evidence: { frameTs: alarmAt } });
  const incidentId = raised.incident!.id;
  // A repeat of the deduplicated incident 3 s later moves its last sighting: the same hold reaches further.
  await new Promise((r) => setTimeout(r, 3000));
  const repeatAt = Date.now();
  const repeat = await t.gw.incidents.service.raise({ source: { kind: 'detector', id: 'cam-ev' }, type: 'intrusion', severity: 'major', occurredAt: repeatAt });
  assert.equal(repeat.incident!.id, incidentId, 'deduplicated');
  // Post-roll passes, then a while longer: retention runs every second.
  await new Promise((r) => setTimeout(r, (POST_ROLL + 4 * SEGMENT_SECONDS + 4) * 1000));
  const kept = await recordings('cam-ev');
  assert.equal(kept.holds.length, 1);
  assert.equal(kept.holds[0]!.incidentId, incidentId);
  assert.ok(Math.abs(Date.parse(kept.holds[0]!.from) - (alarmAt - PRE_ROLL * 1000)) < 1000, `hold from ${kept.holds[0]!.from}`);
  assert.ok(Math.abs(Date.parse(kept.holds[0]!.to) - (repeatAt + POST_ROLL * 1000)) < 1000, `hold to ${kept.holds[0]!.to}`);
  const from = Date.parse(kept.segments[0]!.start);
  const to = Date.parse(kept.segments.at(-1)!.end);
  console.log(`alarm at 0, repeat at ${(repeatAt - alarmAt) / 1000} s: kept ${(from - alarmAt) / 1000} s to ${(to - alarmAt) / 1000} s in ${kept.segments.length} segments`);
  assert.ok(from <= alarmAt - (PRE_ROLL - SEGMENT_SECONDS - 1) * 1000 && from >= alarmAt - (PRE_ROLL + 2 * SEGMENT_SECONDS + 1) * 1000, `first kept at ${(from - alarmAt) / 1000} s`);
  // Later footage than the post-roll leaves with the ring (what is still in the ring at the end is allowed).
  const heldSegments = kept.segments.filter((s) => Date.parse(s.end) < Date.now() - (PRE_ROLL + 2 * SEGMENT_SECONDS) * 1000);
  const heldEnd = Date.parse(heldSegments.at(-1)!.end);
  assert.ok(heldEnd >= repeatAt + POST_ROLL * 1000 && heldEnd <= repeatAt + (POST_ROLL + 2 * SEGMENT_SECONDS + 1) * 1000, `held to ${(heldEnd - repeatAt) / 1000} s after the repeat`);
  let total = 0;
  for (const s of heldSegments) total += await mediaSeconds(fileOf('cam-ev', s));
  const span = (repeatAt - alarmAt) / 1000;
  assert.ok(total >= PRE_ROLL + span + POST_ROLL - 1 && total <= PRE_ROLL + span + POST_ROLL + 4 * SEGMENT_SECONDS + 1, `kept ${total} s of media`);
  // Footage before the pre-roll is gone from disk too.
  const files = readdirSync(join(root(), 'cam-ev'), { recursive: true }).map(String).filter((n) => n.endsWith('.ts') && !n.startsWith('.incoming'));
  assert.equal(files.length, kept.segments.length, `files ${files.join(', ')}`);

  // Closing the incident releases the hold after the keep time; covered footage then ages out with the events retention.
  const closed = await t.call('dispatcher', { method: 'POST', url: `/api/incidents/${incidentId}/actions/invalidate`, payload: { note: 'test over', version: raised.incident!.version } });
  assert.equal(closed.statusCode, 200, closed.body);
  await waitFor(async () => ((await recordings('cam-ev', `?from=${alarmAt - 60_000}&to=${repeatAt + POST_ROLL * 1000}`)).holds[0]?.releaseAt ? true : undefined), 10_000, 'hold released');
  await waitFor(async () => {
    const r = await recordings('cam-ev', `?from=${alarmAt - 60_000}&to=${repeatAt + POST_ROLL * 1000}`);
    return r.segments.length === 0 ? true : undefined;
  }, 60_000, 'the released footage deleted');
});

test('the recordings API: an empty range is empty, from after to and over 31 days are 400 with the field, an unknown channel 404, a viewer key or none refused', async () => {
  const made = await t.call('engineer', { method: 'POST', url: '/api/channels', payload: { id: 'cam-api', name: 'api', kind: 'rtsp', source: { url: sim.url('cont') } } });
  assert.equal(made.statusCode, 201, made.body);
  const empty = await recordings('cam-api', '?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z');
  assert.deepEqual({ segments: empty.segments, gaps: empty.gaps, holds: empty.holds }, { segments: [], gaps: [], holds: [] });
  const backwards = await t.call('operator', { method: 'GET', url: '/api/channels/cam-api/recordings?from=2025-01-02T00:00:00Z&to=2025-01-01T00:00:00Z' });
  assert.equal(backwards.statusCode, 400);
  assert.equal(backwards.json().field, 'from');
  assert.equal(backwards.json().messageCode, 'range_from_after_to');
  const long = await t.call('operator', { method: 'GET', url: '/api/channels/cam-api/recordings?from=2025-01-01T00:00:00Z&to=2025-03-01T00:00:00Z' });
  assert.equal(long.statusCode, 400);
  assert.equal(long.json().field, 'to');
  const junk = await t.call('operator', { method: 'GET', url: '/api/channels/cam-api/recordings?from=yesterday' });
  assert.equal(junk.statusCode, 400);
  assert.equal(junk.json().field, 'from');
  const huge = await t.call('operator', { method: 'GET', url: '/api/channels/cam-api/recordings?to=9007199254740993' });
  assert.equal(huge.statusCode, 400, huge.body);
  assert.equal(huge.json().field, 'to');
  const traversal = await t.call('operator', { method: 'GET', url: `/api/channels/${encodeURIComponent('../../etc')}/recordings` });
  assert.ok(traversal.statusCode === 400 || traversal.statusCode === 404, `traversal: ${traversal.statusCode}`);
  assert.equal((await t.call('operator', { method: 'GET', url: '/api/channels/nope/recordings' })).statusCode, 404);
  assert.equal((await t.call(null, { method: 'GET', url: '/api/channels/cam-api/recordings' })).statusCode, 401);
});

test('recording policy validation: an unknown mode and a negative retention are 400 naming the field; null means the default', async () => {
  const bad = await t.call('engineer', { method: 'POST', url: '/api/channels', payload: { name: 'x', kind: 'rtsp', source: { url: sim.url('cont') }, recording: { mode: 'sometimes' } } });
  assert.equal(bad.statusCode, 400, bad.body);
  assert.match(String(bad.json().field), /^recording/);
  const made = await t.call('engineer', { method: 'POST', url: '/api/channels', payload: { id: 'cam-val', name: 'val', kind: 'rtsp', source: { url: sim.url('cont') }, recording: { mode: 'events', preRollSeconds: 5 } } });
  assert.equal(made.statusCode, 201, made.body);
  const negative = await t.call('engineer', { method: 'PATCH', url: '/api/channels/cam-val', payload: { recording: { mode: 'continuous', retentionDays: -1 } } });
  assert.equal(negative.statusCode, 400, negative.body);
  assert.equal(negative.json().field, 'recording.retentionDays');
  const extra = await t.call('engineer', { method: 'PATCH', url: '/api/channels/cam-val', payload: { recording: { mode: 'continuous', path: '../../etc' } } });
  assert.equal(extra.statusCode, 400, extra.body);
  const reset = await t.call('engineer', { method: 'PATCH', url: '/api/channels/cam-val', payload: { recording: null } });
  assert.equal(reset.statusCode, 200, reset.body);
  assert.equal(reset.json().recording ?? null, null, 'removed: the configuration default applies');
});

test('the CSV import and export carry the recording policy (recording.mode, recording.retentionDays); a bad mode is reported at its column', async () => {
  const body = ['id,name,kind,source.url,recording.mode,recording.retentionDays', `cam-csv1,csv one,rtsp,${sim.url('cont')},events,14`, `cam-csv2,csv two,rtsp,${sim.url('cont')},sometimes,`, `cam-csv3,csv three,rtsp,${sim.url('cont')},,`].join('\n') + '\n';
  const res = await t.call('engineer', { method: 'POST', url: '/api/import?entity=channels&mode=valid', headers: { 'content-type': 'text/csv; charset=utf-8' }, payload: body });
  assert.equal(res.statusCode, 200, res.body);
  const report = res.json() as { written: number; problems: string[] };
  assert.equal(report.written, 2);
  assert.ok(report.problems.every((p) => p.startsWith('row 3: recording')), report.problems.join('; '));
  assert.match(report.problems[0]!, /^row 3: recording\.mode: must be one of off, events, continuous/);
  const one = (await t.call('operator', { method: 'GET', url: '/api/channels/cam-csv1' })).json() as { recording?: { mode: string; retentionDays?: number } };
  assert.deepEqual(one.recording, { mode: 'events', retentionDays: 14 });
  const three = (await t.call('operator', { method: 'GET', url: '/api/channels/cam-csv3' })).json() as { recording?: unknown };
  assert.equal(three.recording ?? null, null, 'blank: the configuration default');
  const exported = await t.call('engineer', { method: 'GET', url: '/api/export?entity=channels&format=csv' });
  const [header, ...rows] = exported.body.trim().split(/\r?\n/);
  const cols = header!.split(',');
  const row = rows.find((r) => r.startsWith('cam-csv1,'))!.split(',');
  assert.equal(row[cols.indexOf('recording.mode')], 'events');
  assert.equal(row[cols.indexOf('recording.retentionDays')], '14');
});
