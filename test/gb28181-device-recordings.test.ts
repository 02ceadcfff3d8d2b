// Recordings kept on GB28181 devices, through the real SIP server and the
// device simulator: RecordInfo listed (paged up to SumNum, empty ranges,
// malformed answers); played back (INVITE s=Playback) with seek, 4× speed,
// pause and resume (INFO MANSRTSP), ended by the end-of-file MediaStatus 121;
// a download needs the recording exporter (its jobs: gb28181-device-downloads.test.ts);
// a device that drops mid-playback.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { platformOf, registeredSimDevice, startGbGateway } from './helpers/gb28181.ts';
import type { TestGateway } from './helpers/gateway.ts';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from './helpers/video.ts';
import { ensureGbClip, GbSimHost, type GbDeviceSim, type SimRecording } from './sim/gbsim/index.ts';

const HOUR = 3600_000;
/** Whole seconds: device times carry no milliseconds. */
const DAY = Math.floor(Date.now() / 1000) * 1000 - 24 * HOUR;
const RECORDINGS: SimRecording[] = Array.from({ length: 7 }, (_, i) => ({
  startAt: DAY + i * HOUR, endAt: DAY + i * HOUR + 20 * 60_000, type: (['time', 'alarm', 'manual'] as const)[i % 3]!,
}));

describe('GB28181 device recordings: RecordInfo', () => {
  let t: TestGateway & { sipPort: number };
  let host: GbSimHost;
  before(async () => {
    t = await startGbGateway(['--gb28181.queryTimeoutSeconds', '5']);
    host = await GbSimHost.start({ platform: platformOf(t) });
  });
  after(async () => {
    await host.close();
    await t.stop();
  });

  const registered = (id: string, options: Partial<GbDeviceSim['options']> = {}) => registeredSimDevice(t, host, id, { recordings: RECORDINGS, ...options });

  const queriesTimedOut = async () => ((await t.call('operator', { method: 'GET', url: '/api/gb28181/status' })).json() as { queries: { timedOut: number } }).queries.timedOut;

  const list = (channel: string, from: number, to: number, extra = '') =>
    t.call('operator', { method: 'GET', url: `/api/channels/${channel}/device-recordings?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}${extra}` });

  test('a range holding 7 recordings: assembled from 3 MESSAGEs up to SumNum, in order, marked as kept on the device', async () => {
    const dev = await registered('34020000001320000701', { recordPageSize: 3 });
    const res = await list(dev.channelIds[0]!, DAY - HOUR, DAY + 10 * HOUR);
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.sumNum, 7);
    assert.equal(body.messages, 3);
    assert.equal(body.deviceId, dev.deviceId);
    assert.deepEqual(body.items.map((i: { start: string }) => Date.parse(i.start)), RECORDINGS.map((r) => r.startAt));
    assert.deepEqual(body.items.map((i: { end: string }) => Date.parse(i.end)), RECORDINGS.map((r) => r.endAt));
    assert.deepEqual(body.items.map((i: { type: string }) => i.type), RECORDINGS.map((r) => r.type));
    assert.ok(body.items.every((i: { keptOn: string }) => i.keptOn === 'device'));

    const alarms = await list(dev.channelIds[0]!, DAY - HOUR, DAY + 10 * HOUR, '&type=alarm');
    assert.deepEqual(alarms.json().items.map((i: { start: string }) => Date.parse(i.start)), RECORDINGS.filter((r) => r.type === 'alarm').map((r) => r.startAt));

    const part = await list(dev.channelIds[0]!, DAY + 90 * 60_000, DAY + 3 * HOUR + 60_000);
    assert.deepEqual(part.json().items.map((i: { start: string }) => Date.parse(i.start)), [RECORDINGS[2]!.startAt, RECORDINGS[3]!.startAt], 'only the overlapping ones');
  });

  test('a range without recordings: SumNum 0 with no list → an empty list, not an error or a wait', async () => {
    const dev = await registered('34020000001320000702');
    const timedOut = await queriesTimedOut();
    const res = await list(dev.channelIds[0]!, DAY - 10 * HOUR, DAY - 5 * HOUR);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json().items, []);
    assert.equal(res.json().sumNum, 0);
    assert.equal(res.json().messages, 1);
    assert.equal(await queriesTimedOut(), timedOut, 'answered by the empty Response, not ended by the timeout');
  });

  test('a malformed RecordInfo answer: 502 naming the problem at once (not the timeout), the gateway and the device carry on', async () => {
    const dev = await registered('34020000001320000703', { malformedRecordInfo: true });
    const timedOut = await queriesTimedOut();
    const res = await list(dev.channelIds[0]!, DAY - HOUR, DAY + HOUR);
    assert.equal(res.statusCode, 502, res.body);
    assert.equal(res.json().code, 'GW_ERR_DEVICE_REFUSED');
    assert.match(res.json().message, /RecordInfo answer from 34020000001320000703 is malformed: <SumNum>/);
    assert.equal(await queriesTimedOut(), timedOut, 'ended by the bad answer, not by the timeout');
    dev.options.malformedRecordInfo = false;
    assert.equal((await list(dev.channelIds[0]!, DAY - HOUR, DAY + HOUR)).json().sumNum, 1, 'the next query works');
  });

  test('a device that does not answer: 504; bad ranges 400; a non-GB28181 channel 400; an unknown one 404', async () => {
    const dev = await registered('34020000001320000704', { mute: { RecordInfo: 'no-response' } });
    const res = await list(dev.channelIds[0]!, DAY - HOUR, DAY + HOUR);
    assert.equal(res.statusCode, 504, res.body);
    assert.equal(res.json().code, 'GW_ERR_DEVICE_TIMEOUT');
    const backwards = await list(dev.channelIds[0]!, DAY + HOUR, DAY);
    assert.equal(backwards.statusCode, 400);
    assert.equal(backwards.json().field, 'to');
    assert.equal((await list(dev.channelIds[0]!, DAY - 40 * 24 * HOUR, DAY)).statusCode, 400);
    const rtsp = await t.call('engineer', { method: 'POST', url: '/api/channels', payload: { id: 'rec-rtsp-1', name: 'RTSP', kind: 'rtsp', source: { url: 'rtsp://127.0.0.1:1/x' } } });
    assert.equal(rtsp.statusCode, 201, rtsp.body);
    const notGb = await list('rec-rtsp-1', DAY - HOUR, DAY);
    assert.equal(notGb.statusCode, 400);
    assert.match(notGb.json().message, /GB28181 channel/);
    assert.equal((await list('no-such-channel', DAY - HOUR, DAY)).statusCode, 404);
  });
});

interface PlaybackView {
  session: string; state: 'playing' | 'ended'; endedWhy?: string; hls?: string; frames: number; positionSec?: number; mode: string; fileComplete?: boolean;
}

describe('GB28181 device recordings: playback and download', () => {
  let t: TestGateway & { sipPort: number };
  let host: GbSimHost;
  let clip: string;
  before(async () => {
    clip = await ensureGbClip();
    t = await startGbGateway(['--gb28181.media.rtpTimeoutSeconds', '3', '--gb28181.inviteTimeoutSeconds', '5']);
    host = await GbSimHost.start({ platform: platformOf(t) });
  });
  after(async () => {
    await host.close();
    await t.stop();
  });

  const registered = (id: string) => registeredSimDevice(t, host, id, { recordings: RECORDINGS, clip });

  const open = async (channel: string, from: number, to: number, path = 'device-playback', extra: Record<string, unknown> = {}) => {
    const res = await t.call('operator', { method: 'POST', url: `/api/channels/${channel}/${path}`, payload: { from: new Date(from).toISOString(), to: new Date(to).toISOString(), ...extra } });
    assert.equal(res.statusCode, 201, res.body);
    return res.json() as PlaybackView;
  };
  const view = async (channel: string, session: string) => (await t.call('operator', { method: 'GET', url: `/api/channels/${channel}/device-playback/${encodeURIComponent(session)}` })).json() as PlaybackView;
  const control = (channel: string, session: string, body: Record<string, unknown>) =>
    t.call('operator', { method: 'POST', url: `/api/channels/${channel}/device-playback/${encodeURIComponent(session)}/control`, payload: body });
  const positionAtLeast = (channel: string, session: string, sec: number, what: string) =>
    waitFor(async () => {
      const v = await view(channel, session);
      return (v.positionSec ?? -1) >= sec ? v : undefined;
    }, 30_000, what);

  test('play a device recording: INVITE s=Playback with u= and t=, SSRC starting with 1; seek to 5 min; 4× speed; PTS follow the recording', async () => {
    const dev = await registered('34020000001320000711');
    const channel = dev.channelIds[0]!;
    const rec = RECORDINGS[0]!;
    const pb = await open(channel, rec.startAt, rec.endAt);
    assert.match(pb.session, new RegExp(`^${channel}~pb~\\d+$`));
    assert.equal(pb.state, 'playing');
    const asked = dev.received.history.at(-1)!;
    assert.equal(asked.mode, 'Playback');
    assert.equal(asked.channelId, channel);
    assert.equal(asked.from, rec.startAt);
    assert.equal(asked.to, rec.endAt);
    assert.match(String(asked.ssrc).padStart(10, '0'), /^1\d{9}$/, 'a history SSRC starts with 1');
    await positionAtLeast(channel, pb.session, 1, 'the first second of the recording');

    assert.equal((await control(channel, pb.session, { seek: 300 })).statusCode, 200);
    const sought = await positionAtLeast(channel, pb.session, 300, 'the position after the seek');
    assert.ok(sought.positionSec! < 330, `a seek to 300 s lands there (${sought.positionSec})`);
    assert.deepEqual(dev.received.controls.at(-1), { action: 'seek', seconds: 300 });

    const speed = await control(channel, pb.session, { speed: 4 });
    assert.equal(speed.statusCode, 200, speed.body);
    assert.deepEqual(dev.received.controls.at(-1), { action: 'speed', scale: 4 });
    // At 4× the recording's time runs four times the wall clock: 40 s of PTS well before 40 s pass (10 s at 4×).
    const before4x = (await view(channel, pb.session)).positionSec!;
    const started = Date.now();
    await positionAtLeast(channel, pb.session, before4x + 40, '40 s of recording at 4×');
    assert.ok(Date.now() - started < 30_000, `40 s of recording took ${Date.now() - started} ms of wall time: not faster than real time`);
    assert.equal((await t.call('operator', { method: 'DELETE', url: `/api/channels/${channel}/device-playback/${encodeURIComponent(pb.session)}` })).statusCode, 200);
    await waitFor(() => dev.received.byes > 0 || undefined, 10_000, 'BYE at the device');
    assert.equal((await view(channel, pb.session)).endedWhy, 'stopped by the user');

    // The playback's HLS, fetched through its route: ffprobe decodes it, and it holds the 40 s of recording played at 4×.
    const hls = (await view(channel, pb.session)).hls!;
    assert.ok(hls, 'a playback gives an HLS URL');
    const dir = mkdtempSync(join(tmpdir(), 'gb-pb-hls-'));
    const playlist = await waitFor(async () => {
      const res = await t.call('operator', { method: 'GET', url: hls });
      return res.statusCode === 200 && res.body.includes('#EXT-X-ENDLIST') ? res.body : undefined;
    }, 20_000, 'the finished playlist');
    for (const seg of playlist.split('\n').filter((l) => l.endsWith('.ts'))) {
      const res = await t.call('operator', { method: 'GET', url: hls.replace('index.m3u8', seg) });
      assert.equal(res.statusCode, 200);
      writeFileSync(join(dir, seg), res.rawPayload);
    }
    writeFileSync(join(dir, 'index.m3u8'), playlist);
    const probe = async (file: string) => JSON.parse((await promisify(execFile)('ffprobe', ['-v', 'error', '-show_entries', 'format=start_time,duration:stream=codec_name', '-of', 'json', file], { timeout: 30_000 })).stdout) as {
      format: { start_time: string; duration: string }; streams: Array<{ codec_name: string }>;
    };
    const whole = await probe(join(dir, 'index.m3u8'));
    assert.equal(whole.streams[0]!.codec_name, 'h264');
    // Playing time, the seek's jump aside: the 40 s played at 4× are there (in about 10 s of wall time).
    assert.ok(Number(whole.format.duration) >= 40, `the HLS holds the 40 s played at 4× (${whole.format.duration} s)`);
    // (ffmpeg evens out the seek's PTS jump in the HLS; where the playback is in the recording is the session's positionSec, checked above.)
    assert.equal((await t.call('operator', { method: 'GET', url: hls.replace('index.m3u8', '..%2Fx.ts') })).statusCode, 400, 'only its own files');
  });

  test('pause holds the position; resume moves it on; a bad control is a 400', async () => {
    const dev = await registered('34020000001320000712');
    const channel = dev.channelIds[0]!;
    const pb = await open(channel, RECORDINGS[1]!.startAt, RECORDINGS[1]!.endAt);
    await positionAtLeast(channel, pb.session, 1, 'playing');
    assert.equal((await control(channel, pb.session, { pause: true })).statusCode, 200);
    assert.deepEqual(dev.received.controls.at(-1), { action: 'pause' });
    // Frames in flight arrive; then it stays put.
    await new Promise((r) => setTimeout(r, 800));
    const held = (await view(channel, pb.session)).positionSec!;
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await view(channel, pb.session)).positionSec, held, 'paused: no new frames');
    assert.equal((await control(channel, pb.session, { resume: true })).statusCode, 200);
    assert.deepEqual(dev.received.controls.at(-1), { action: 'resume' });
    await positionAtLeast(channel, pb.session, held + 1, 'moving again after resume');
    assert.equal((await control(channel, pb.session, { speed: 3 })).statusCode, 400, 'speeds are 0.25, 0.5, 1, 2, 4');
    assert.equal((await control(channel, pb.session, {})).statusCode, 400);
    assert.equal((await control(channel, `${channel}~pb~999`, { pause: true })).statusCode, 404);
    await t.call('operator', { method: 'DELETE', url: `/api/channels/${channel}/device-playback/${encodeURIComponent(pb.session)}` });
  });

  test('the end of the recording: the device sends MediaStatus 121, the gateway ends the session with a BYE', async () => {
    const dev = await registered('34020000001320000713');
    const channel = dev.channelIds[0]!;
    const rec = RECORDINGS[2]!;
    const pb = await open(channel, rec.endAt - 3000, rec.endAt);
    const ended = await waitFor(async () => {
      const v = await view(channel, pb.session);
      return v.state === 'ended' ? v : undefined;
    }, 20_000, 'the playback to end');
    assert.equal(ended.endedWhy, 'end of file (MediaStatus 121)');
    assert.deepEqual(dev.received.endOfFile, [channel]);
    await waitFor(() => dev.received.byes > 0 || undefined, 10_000, 'BYE at the device');
    assert.ok(ended.frames >= 50, `about 3 s of frames came (${ended.frames})`);
    const again = await control(channel, pb.session, { pause: true });
    assert.equal(again.statusCode, 409, 'an ended playback takes no control');
  });

  test('download on a gateway without recording: 503 naming why (downloads are export jobs: test/gb28181-device-downloads.test.ts), the device is not asked', async () => {
    const dev = await registered('34020000001320000714');
    const channel = dev.channelIds[0]!;
    const rec = RECORDINGS[3]!;
    const res = await t.call('dispatcher', { method: 'POST', url: `/api/channels/${channel}/device-downloads`, payload: { from: new Date(rec.startAt).toISOString(), to: new Date(rec.startAt + 8000).toISOString(), downloadSpeed: 4 } });
    assert.equal(res.statusCode, 503, res.body);
    assert.match((res.json() as { message: string }).message, /recording/);
    assert.equal(dev.received.history.length, 0);
  });

  test('a device that drops mid-playback: the session ends with the reason', async () => {
    const dev = await registered('34020000001320000715');
    const channel = dev.channelIds[0]!;
    const pb = await open(channel, RECORDINGS[4]!.startAt, RECORDINGS[4]!.endAt);
    await positionAtLeast(channel, pb.session, 1, 'playing');
    dev.close(); // stops its streams and its keepalives, sends nothing more
    const ended = await waitFor(async () => {
      const v = await view(channel, pb.session);
      return v.state === 'ended' ? v : undefined;
    }, 20_000, 'the playback to end');
    assert.match(ended.endedWhy ?? '', /no RTP for \d+ s|device offline/);
  });
});
