// Pulled RTSP channels with real ffmpeg against the camera simulator: HLS
// appears and decodes, a dead camera goes offline with a reason and comes
// back, a hung ffmpeg is restarted by the watchdog, and failing channels do
// not disturb a healthy one. The status tells the truth: the line that states
// the cause, timeout for a camera that sends nothing, a source that cannot be
// copied is transcoded (auto) or waits for a person (never).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ChannelVideoStatus } from '../gateway/video/index.ts';
import { apiStatus } from '../gateway/video/http/video-routes.ts';
import { startCameraSimulator, type CameraSimulator } from './sim/camera-sim.ts';
import type { TestGateway } from './helpers/gateway.ts';
import { CLIP_DIR, countFrames, ffprobe, startSilentServer, startVideoGateway, statusOf, waitFor } from './helpers/video.ts';

let sim: CameraSimulator;
let t: TestGateway;
const STREAMS = [
  { path: 'good', clip: 'h264-720p' as const },
  { path: 'flaky', clip: 'h264-360p' as const },
  { path: 'audio', clip: 'audio-only' as const },
  { path: 'hevc', clip: 'h265-720p' as const },
  { path: 'gop4', clip: 'h264-720p-gop4' as const },
  { path: 'ends', clip: 'h264-360p' as const },
  { path: 'hevc-b', clip: 'h265-360p-bframes' as const },
  { path: 'avc-b', clip: 'h264-360p-bframes' as const },
];
/** Test backoff (startVideoGateway): the longest pause between runs. */
const MAX_BACKOFF_MS = 1500;

async function addChannel(id: string, url: string, extra: Record<string, unknown> = {}) {
  const res = await t.call('engineer', { method: 'POST', url: '/api/channels', payload: { id, name: `测试-${id}`, kind: 'rtsp', source: { url }, mode: 'always-on', ...extra } });
  assert.equal(res.statusCode, 201, res.body);
}

type Seen = ChannelVideoStatus & { seenAt: number };
/** Every status change of a channel from now on, with when it happened (polling could miss a state that lasts 300 ms). */
function recordStatuses(id: string): { seen: Seen[]; stop: () => void } {
  const seen: Seen[] = [];
  const listener = (s: ChannelVideoStatus) => void (s.channelId === id && seen.push({ ...s, seenAt: Date.now() }));
  t.gw.video!.manager.on('channel.status', listener);
  return { seen, stop: () => t.gw.video!.manager.off('channel.status', listener) };
}

before(async () => {
  sim = await startCameraSimulator({ clipDir: CLIP_DIR, streams: STREAMS });
  for (const s of STREAMS) await sim.waitReady(s.path, 60_000);
  t = await startVideoGateway();
});
// Bounded: a close that never ends fails here (and --test-force-exit ends the file) instead of holding the suite.
after(async () => {
  await t?.stop();
  await sim?.stop();
}, { timeout: 120_000 });

test('an RTSP channel comes online; its HLS playlist lists 1 s segments that decode as H.264 720p', async () => {
  await addChannel('good', sim.url('good'));
  const status = await waitFor(async () => ((await statusOf(t, 'good')).state === 'online' ? statusOf(t, 'good') : undefined), 20_000, 'online');
  assert.deepEqual(status.input, { codec: 'h264', width: 1280, height: 720, fps: 25 });
  assert.equal(status.transcoding, false);
  const dir = t.gw.video!.manager.hlsDir('good');
  const playlist = await waitFor(async () => {
    const text = await readFile(join(dir, 'index.m3u8'), 'utf8');
    return (text.match(/#EXTINF/g) ?? []).length >= 3 ? text : undefined;
  }, 20_000, '3 segments');
  assert.match(playlist, /#EXT-X-TARGETDURATION:1\b/);
  const segment = playlist.trim().split('\n').at(-1)!;
  const [stream] = await ffprobe(join(dir, segment));
  assert.equal(stream?.codec_name, 'h264');
  assert.equal(stream?.width, 1280);
  const frames = await countFrames(join(dir, segment));
  assert.ok(frames >= 20 && frames <= 30, `a 1 s segment holds about 25 frames, not ${frames}`);
  assert.equal(((await t.gw.service.get('channels', 'good')).status as { state: string }).state, 'online', 'the registry shows it online');
});

test('failing channels get a reason a person can act on, and never disturb the healthy one', async () => {
  await addChannel('refused', 'rtsp://127.0.0.1:1/nothing');
  await addChannel('missing', sim.url('no-such-path'));
  await addChannel('audio', sim.url('audio'));
  const reasons: Record<string, string> = { refused: 'unreachable', missing: 'not found', audio: 'no video stream' };
  for (const [id, reason] of Object.entries(reasons)) {
    await waitFor(async () => (await statusOf(t, id)).reason === reason || undefined, 20_000, `${id}: ${reason}`);
  }
  const good = await statusOf(t, 'good');
  assert.equal(good.state, 'online');
  assert.equal(good.restarts, 0);
});

test('a camera that wants other credentials: auth failed; the right ones: online', async () => {
  const secured = await startCameraSimulator({ clipDir: CLIP_DIR, streams: [{ path: 'locked', clip: 'h264-360p' }], credentials: { username: 'admin', password: 'Cam#2026' } });
  try {
    await secured.waitReady('locked', 30_000);
    const bare = secured.url('locked');
    await addChannel('no-creds', bare);
    await addChannel('wrong-creds', bare.replace('rtsp://', 'rtsp://admin:wrong@'));
    await addChannel('right-creds', bare, { source: { url: bare, username: 'admin', password: 'Cam#2026' } });
    for (const id of ['no-creds', 'wrong-creds']) {
      await waitFor(async () => (await statusOf(t, id)).reason === 'auth failed' || undefined, 20_000, `${id}: auth failed`);
    }
    await waitFor(async () => (await statusOf(t, 'right-creds')).state === 'online' || undefined, 20_000, 'right-creds online');
    assert.ok(!t.logs().includes('Cam#2026') && !t.logs().includes('Cam%232026'), 'the camera password never reaches the log');
  } finally {
    for (const id of ['no-creds', 'wrong-creds', 'right-creds']) await t.call('engineer', { method: 'DELETE', url: `/api/channels/${id}` });
    await secured.stop();
  }
});

test('an H.265 source is transcoded to H.264 for browsers', async () => {
  await addChannel('hevc', sim.url('hevc'));
  const status = await waitFor(async () => {
    const s = await statusOf(t, 'hevc');
    return s.state === 'online' && s.transcoding ? s : undefined;
  }, 40_000, 'hevc online, transcoding');
  assert.equal(status.input?.codec, 'hevc');
  assert.equal(status.restarts, 0, 'deciding to transcode is not a restart');
  const dir = t.gw.video!.manager.hlsDir('hevc');
  const segment = await waitFor(async () => (await readFile(join(dir, 'index.m3u8'), 'utf8')).match(/seg-\d+\.ts/g)?.at(-1), 20_000, 'a segment');
  assert.equal((await ffprobe(join(dir, segment)))[0]?.codec_name, 'h264');
  await t.call('engineer', { method: 'DELETE', url: '/api/channels/hevc' }); // give the CPU back
});

test('a 4 s source GOP gives 4 s segments, and the status says so', async () => {
  await addChannel('gop4', sim.url('gop4'));
  const status = await waitFor(async () => {
    const s = await statusOf(t, 'gop4');
    return /segments are [34]\.\d s/.test(s.note ?? '') ? s : undefined;
  }, 40_000, 'a note about the 4 s GOP');
  assert.match(status.note!, /keyframe interval/);
  await t.call('engineer', { method: 'DELETE', url: '/api/channels/gop4' });
});

test('a stalled source is restarted by the watchdog; a SIGSTOPped ffmpeg too', async () => {
  await addChannel('flaky', sim.url('flaky'));
  await waitFor(async () => (await statusOf(t, 'flaky')).state === 'online' || undefined, 20_000, 'flaky online');
  const record = recordStatuses('flaky');
  sim.server.pause('flaky');
  await waitFor(async () => (await statusOf(t, 'flaky')).reason === 'timeout' || undefined, 12_000, 'timeout after the stall');
  // Reconnecting to the frozen camera (it answers RTSP, sends no media) is a timeout too, not an exit.
  await waitFor(() => record.seen.filter((s) => s.state === 'offline').length >= 2 || undefined, 20_000, 'a second run against the frozen camera ended');
  record.stop();
  const ends = record.seen.filter((s) => s.state === 'offline');
  assert.deepEqual(ends.map((s) => s.reason), ends.map(() => 'timeout'), ends.map((s) => s.lastError).join(' | '));
  sim.server.resume('flaky');
  await waitFor(async () => (await statusOf(t, 'flaky')).state === 'online' || undefined, 20_000, 'online again');

  const before = await statusOf(t, 'flaky');
  process.kill(before.pid!, 'SIGSTOP');
  const after = await waitFor(async () => {
    const s = await statusOf(t, 'flaky');
    return s.state === 'online' && s.pid !== before.pid ? s : undefined;
  }, 25_000, 'a new ffmpeg, online');
  assert.ok(after.restarts > before.restarts);
});

test('a camera that dies goes offline with a reason within the watchdog time, and comes back with its HLS', async () => {
  const port = sim.port;
  const dir = t.gw.video!.manager.hlsDir('good');
  const sequence = async () => Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(await readFile(join(dir, 'index.m3u8'), 'utf8'))?.[1]);
  const seqBefore = await sequence();
  await sim.stop();
  const died = Date.now();
  const offline = await waitFor(async () => {
    const s = await statusOf(t, 'good');
    return s.state === 'offline' ? s : undefined;
  }, 10_000, 'offline');
  assert.ok(Date.now() - died < 8000, 'offline within the watchdog time (4 s) plus a poll');
  assert.ok(['end of stream', 'unreachable', 'timeout', 'not found'].includes(offline.reason!), `${offline.reason}: ${offline.lastError}`);
  sim = await startCameraSimulator({ clipDir: CLIP_DIR, streams: STREAMS, port });
  await sim.waitReady('good', 30_000);
  await waitFor(async () => (await statusOf(t, 'good')).state === 'online' || undefined, 20_000, 'online again');
  await waitFor(async () => ((await sequence()) > seqBefore ? true : undefined), 15_000, 'HLS continues with a higher sequence');
});

test('a camera that accepts the connection and never answers: timeout, not an exit', async () => {
  const silent = await startSilentServer();
  try {
    await addChannel('mute', `rtsp://127.0.0.1:${silent.port}/live`);
    const s = await waitFor(async () => {
      const st = await statusOf(t, 'mute');
      return st.state === 'offline' ? st : undefined;
    }, 20_000, 'mute offline');
    assert.equal(s.reason, 'timeout', s.lastError);
  } finally {
    await t.call('engineer', { method: 'DELETE', url: '/api/channels/mute' });
    await silent.stop();
  }
});

test('end of stream: lastError states the cause, never the FLV muxer closing its file', async () => {
  await addChannel('ends', sim.url('ends'));
  await waitFor(async () => (await statusOf(t, 'ends')).state === 'online' || undefined, 20_000, 'ends online');
  const record = recordStatuses('ends');
  process.kill(sim.publisher('ends')!.pid()!, 'SIGKILL'); // the encoder dies: the server ends its readers' sessions
  const ended = await waitFor(() => record.seen.find((s) => s.state === 'offline'), 15_000, 'offline after the end');
  record.stop();
  assert.equal(ended.reason, 'end of stream', ended.lastError);
  assert.ok(ended.lastError, 'a line a person can read');
  assert.doesNotMatch(ended.lastError!, /\[(flv|hls|tee|mpegts) @|Failed to update header/);
  await t.call('engineer', { method: 'DELETE', url: '/api/channels/ends' });
});

test('H.265 with B-frames and transcode=never: codec unsupported, the cause line, and it waits the longest pause saying so', async () => {
  const record = recordStatuses('hevc-b');
  await addChannel('hevc-b', sim.url('hevc-b'), { video: { transcode: 'never' } });
  const first = await waitFor(() => record.seen.find((s) => s.state === 'offline'), 20_000, 'hevc-b offline');
  record.stop();
  assert.equal(first.reason, 'codec unsupported', first.lastError);
  assert.match(first.lastError!, /first pts and dts value must be set|Packet is missing PTS/);
  assert.doesNotMatch(first.lastError!, /Conversion failed/);
  assert.match(first.note ?? '', /transcode/);
  // The first failure already waits the maximum (no jitter, no 300 ms first step): a person must act.
  assert.ok(first.retryAt! - first.seenAt >= MAX_BACKOFF_MS - 50, `retry in ${first.retryAt! - first.seenAt} ms`);
  const { seenAt: _, ...status } = first;
  assert.equal(apiStatus(status).retryAt, new Date(first.retryAt!).toISOString(), 'the API gives it as an ISO time');
  assert.equal((await statusOf(t, 'hevc-b')).reason, 'codec unsupported');
  const registry = (await t.call('operator', { method: 'GET', url: '/api/channels/hevc-b' })).json().status as { state: string; reason: string };
  assert.deepEqual([registry.state, registry.reason], ['offline', 'codec unsupported'], 'the registry says the same');
  await t.call('engineer', { method: 'DELETE', url: '/api/channels/hevc-b' });
});

test('an H.264 source that cannot be copied as is (B-frames) is transcoded with transcode=auto, and that is no restart', async () => {
  await addChannel('avc-b', sim.url('avc-b'));
  // Online while transcoding: on a busy machine the first (copy) run can report online just before its copy fails.
  const s = await waitFor(async () => {
    const st = await statusOf(t, 'avc-b');
    return st.state === 'online' && st.transcoding ? st : undefined;
  }, 40_000, 'avc-b online, transcoding');
  assert.equal(s.transcoding, true);
  assert.equal(s.restarts, 0);
  const dir = t.gw.video!.manager.hlsDir('avc-b');
  const segment = await waitFor(async () => (await readFile(join(dir, 'index.m3u8'), 'utf8')).match(/seg-\d+\.ts/g)?.at(-1), 20_000, 'a segment');
  assert.equal((await ffprobe(join(dir, segment)))[0]?.codec_name, 'h264');
  await t.call('engineer', { method: 'DELETE', url: '/api/channels/avc-b' });
});
