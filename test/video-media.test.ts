// How video leaves the gateway: play URLs with media tokens, HLS and HTTP-FLV
// over a real HTTP port (read by ffprobe), snapshots, and the refusals:
// no token, a token for another channel, path traversal. Old media is never
// passed off as live: an offline channel's playlist ends and its snapshot is
// refused with the reason.
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { startCameraSimulator, type CameraSimulator } from './sim/camera-sim.ts';
import type { TestGateway } from './helpers/gateway.ts';
import { CLIP_DIR, ffprobe, startVideoGateway, statusOf, waitFor } from './helpers/video.ts';

let sim: CameraSimulator;
let t: TestGateway;
let base: string;

before(async () => {
  sim = await startCameraSimulator({ clipDir: CLIP_DIR, streams: [{ path: 'cam', clip: 'h264-720p' }, { path: 'other', clip: 'h264-360p' }] });
  await sim.waitReady('cam', 60_000);
  await sim.waitReady('other', 60_000);
  // A long pause between runs, so an offline channel stays offline (with its last segments on disk) long enough to look at.
  t = await startVideoGateway(['--video.backoff.initialMs', '8000', '--video.backoff.maxMs', '8000']);
  base = await t.app.listen({ host: '127.0.0.1', port: 0 });
  for (const [id, path, mode] of [['cam-1', 'cam', 'always-on'], ['cam-2', 'other', 'on-demand']] as const) {
    const res = await t.call('engineer', { method: 'POST', url: '/api/channels', payload: { id, name: id, kind: 'rtsp', source: { url: sim.url(path) }, mode } });
    assert.equal(res.statusCode, 201, res.body);
  }
  await waitFor(async () => (await statusOf(t, 'cam-1')).state === 'online' || undefined, 20_000, 'cam-1 online');
});
after(async () => {
  await t?.stop();
  await sim?.stop();
});

const play = async (id: string) => (await t.call('operator', { method: 'GET', url: `/api/channels/${id}/play` })).json() as { hls: string; flv: string };

test('HLS over HTTP with a media token: playlist no-cache, segments video/mp2t, ffprobe reads it', async () => {
  const { hls } = await play('cam-1');
  const res = await fetch(`${base}${hls}`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/vnd.apple.mpegurl');
  assert.equal(res.headers.get('cache-control'), 'no-cache');
  const segment = (await res.text()).match(/seg-\d+\.ts/g)!.at(-1)!;
  const seg = await fetch(`${base}${hls.replace('index.m3u8', segment)}`);
  assert.equal(seg.status, 200);
  assert.equal(seg.headers.get('content-type'), 'video/mp2t');
  const [stream] = await ffprobe(`${base}${hls}`);
  assert.equal(stream?.codec_name, 'h264');
  assert.equal(stream?.height, 720);
});

test('low-latency HTTP-FLV through the gateway is playable by ffprobe', async () => {
  const { flv } = await play('cam-1');
  const streams = await ffprobe(`${base}${flv}`, ['-read_intervals', '%+2']);
  const video = streams.find((s) => s.codec_type === 'video');
  assert.equal(video?.codec_name, 'h264');
  assert.equal(video?.width, 1280);
  assert.ok(!streams.some((s) => s.codec_type === 'audio'), 'video only, and the header says so');
});

test('snapshot: a JPEG of the source size, or of the asked width; fast the second time', async () => {
  const full = await t.call('operator', { method: 'GET', url: '/api/channels/cam-1/snapshot.jpg' });
  assert.equal(full.statusCode, 200);
  assert.equal(full.headers['content-type'], 'image/jpeg');
  const meta = await sharp(full.rawPayload).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 1280, 720]);
  const age = Number(full.headers['x-frame-age']);
  assert.ok(age >= 0 && age < 10, `the frame's age is told: ${full.headers['x-frame-age']}`);
  const small = await t.call('operator', { method: 'GET', url: '/api/channels/cam-1/snapshot.jpg?width=320' });
  const smallMeta = await sharp(small.rawPayload).metadata();
  assert.deepEqual([smallMeta.width, smallMeta.height], [320, 180]);
  const started = Date.now();
  const again = await t.call('operator', { method: 'GET', url: '/api/channels/cam-1/snapshot.jpg?width=320' });
  assert.equal(again.statusCode, 200);
  assert.ok(Date.now() - started < 500, 'a cached snapshot of the same segment answers at once');
});

test('an on-demand channel starts when someone plays it', async () => {
  assert.notEqual((await statusOf(t, 'cam-2')).state, 'online');
  const { hls } = await play('cam-2');
  const res = await fetch(`${base}${hls}`); // waits for the first playlist
  assert.equal(res.status, 200);
  // ffmpeg reports progress every half second or so: the status may trail the first playlist briefly
  await waitFor(async () => (await statusOf(t, 'cam-2')).state === 'online' || undefined, 5000, 'cam-2 online');
});

test('refused: no token, a bad token, a token for another channel, a revoked key, traversal, no key', async () => {
  const { hls } = await play('cam-1');
  const token = hls.split('/')[2]!;
  const cases: Array<[string, number]> = [
    [`/media/not-a-real-token-at-all/cam-1/index.m3u8`, 403],
    [`/media/${token.slice(0, -2)}xx/cam-1/index.m3u8`, 403],
    [`/media/${token}/cam-2/index.m3u8`, 403],
    [`/media/${token}/cam-1/..%2F..%2Fregistry.db`, 400],
    [`/media/${token}/cam-1/%2e%2e/%2e%2e/registry.db`, 404],
    [`/media/${token}/cam-1/../../registry.db`, 404],
    [`/media/${token}/cam-1/seg-1.ts%00.m3u8`, 400],
    [`/media/${token}/..%2Fcam-2/index.m3u8`, 400],
  ];
  for (const [url, status] of cases) {
    const res = await t.app.inject({ method: 'GET', url });
    assert.equal(res.statusCode, status, `${url}: ${res.body}`);
    assert.ok(!res.body.includes('SQLite'), 'no file content leaks');
  }
  assert.equal((await t.app.inject({ method: 'GET', url: '/api/channels/cam-1/snapshot.jpg' })).statusCode, 401);
  assert.equal((await t.app.inject({ method: 'GET', url: '/api/channels/cam-1/play' })).statusCode, 401);

  const temp = (await t.call('admin', { method: 'POST', url: '/api/keys', payload: { name: 'wall', role: 'operator' } })).json();
  const own = (await t.app.inject({ method: 'GET', url: '/api/channels/cam-1/play', headers: { authorization: `Bearer ${temp.secret}` } })).json();
  assert.equal((await t.app.inject({ method: 'GET', url: own.hls })).statusCode, 200);
  await t.call('admin', { method: 'DELETE', url: `/api/keys/${temp.id}` });
  await new Promise((r) => setTimeout(r, 10_500)); // the key check is cached for 10 s
  assert.equal((await t.app.inject({ method: 'GET', url: own.hls })).statusCode, 401, 'a revoked key ends its tokens');
});

test('channel status lists every channel with ISO times', async () => {
  const res = await t.call('dispatcher', { method: 'GET', url: '/api/channels/status' });
  const items = res.json().items as Array<{ channelId: string; state: string; onlineSince?: string; uptimeSeconds: number }>;
  const cam = items.find((i) => i.channelId === 'cam-1')!;
  assert.equal(cam.state, 'online');
  assert.ok(!Number.isNaN(Date.parse(cam.onlineSince!)));
  assert.ok(cam.uptimeSeconds >= 1);
  assert.equal((await t.call('operator', { method: 'GET', url: '/api/channels/nope/status' })).statusCode, 404);
});

test('offline: the playlist ends and the snapshot says why; once the camera is back, a live playlist again', async () => {
  const { hls } = await play('cam-1');
  assert.doesNotMatch(await (await fetch(`${base}${hls}`)).text(), /#EXT-X-ENDLIST/);
  sim.server.pause('cam'); // the camera freezes: the watchdog ends the run, the next waits 8 s
  try {
    await waitFor(async () => (await statusOf(t, 'cam-1')).state === 'offline' || undefined, 15_000, 'cam-1 offline');
    const ended = await fetch(`${base}${hls}`);
    assert.equal(ended.status, 200);
    const text = await ended.text();
    assert.match(text, /seg-\d+\.ts/, 'the last run\'s segments are still listed');
    assert.match(text, /#EXT-X-ENDLIST\s*$/, 'but the playlist ends: players stop instead of showing old video as live');
    const snap = await t.call('operator', { method: 'GET', url: '/api/channels/cam-1/snapshot.jpg' });
    assert.equal(snap.statusCode, 503);
    const body = snap.json() as { code: string; message: string };
    assert.equal(body.code, 'GW_ERR_UNAVAILABLE');
    assert.match(body.message, /offline: timeout/);
  } finally {
    sim.server.resume('cam');
  }
  await waitFor(async () => (await statusOf(t, 'cam-1')).state === 'online' || undefined, 30_000, 'cam-1 online again');
  const live = await waitFor(async () => {
    const res = await fetch(`${base}${hls}`);
    return res.status === 200 ? res.text() : undefined;
  }, 15_000, 'a playlist of the new run');
  assert.doesNotMatch(live, /#EXT-X-ENDLIST/, 'the restarted stream is live');
  const snap = await t.call('operator', { method: 'GET', url: '/api/channels/cam-1/snapshot.jpg' });
  assert.equal(snap.statusCode, 200);
});

test('a disabled channel leaves no media behind to be served', async () => {
  await t.call('engineer', { method: 'PATCH', url: '/api/channels/cam-1', payload: { enabled: false } });
  await waitFor(async () => (await statusOf(t, 'cam-1')).reason === 'disabled' || undefined, 10_000, 'disabled');
  assert.deepEqual(await readdir(t.gw.video!.manager.hlsDir('cam-1')).catch(() => []), [], 'its segments are gone with its ingest');
  const snap = await t.call('operator', { method: 'GET', url: '/api/channels/cam-1/snapshot.jpg' });
  assert.equal(snap.statusCode, 503);
  assert.match((snap.json() as { message: string }).message, /disabled/);
});
