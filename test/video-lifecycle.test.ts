// Channels follow the registry live (disable, enable, change, delete), RTMP
// pushes are accepted with the channel's key only, the frame tap feeds two
// subscribers from one decode at the configured rate, and on-demand channels
// stop when nobody watches. Registry and status say the same thing: state,
// reason and mode, from creation on.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { startCameraSimulator, type CameraSimulator } from './sim/camera-sim.ts';
import { ensureClip } from './sim/clips.ts';
import { publish, type Publisher } from './sim/publisher.ts';
import type { TestGateway } from './helpers/gateway.ts';
import { CLIP_DIR, startVideoGateway, statusOf, waitFor } from './helpers/video.ts';
import type { Frame } from '../gateway/video/index.ts';

let sim: CameraSimulator;
let t: TestGateway;
const publishers: Publisher[] = [];
const PUSH_KEY = 'push-key-0123456789abcdef';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
/** Our ingest ffmpegs (they report progress on fd 3) whose command line holds this text. */
const ingestsWith = (text: string) =>
  execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes('-progress pipe:3') && l.includes(text)).length;

async function addChannel(payload: Record<string, unknown>) {
  const res = await t.call('engineer', { method: 'POST', url: '/api/channels', payload: { kind: 'rtsp', mode: 'always-on', ...payload } });
  assert.equal(res.statusCode, 201, res.body);
}
/** The registry's status of a channel and the video status API's, once they agree (the registry is written just after). */
const bothStatuses = (id: string) => waitFor(async () => {
  const channel = (await t.call('operator', { method: 'GET', url: `/api/channels/${id}` })).json() as { mode: string; status: { state: string; reason?: string } };
  const video = await statusOf(t, id);
  return channel.status.state === video.state && channel.status.reason === video.reason ? { channel, video } : undefined;
}, 5000, `registry and status of ${id} agree`);

const online = (id: string) => waitFor(async () => {
  const s = await statusOf(t, id);
  return s.state === 'online' ? s : undefined;
}, 25_000, `${id} online`);

before(async () => {
  sim = await startCameraSimulator({ clipDir: CLIP_DIR, streams: [{ path: 'a', clip: 'h264-360p' }, { path: 'b', clip: 'h264-720p' }] });
  await sim.waitReady('a', 60_000);
  await sim.waitReady('b', 60_000);
  // Detection off: its room would refuse the tap channel's profile name, which exists in no config here (video taps for any profile).
  t = await startVideoGateway(['--detection.enabled', 'false']);
});
after(async () => {
  await Promise.all(publishers.map((p) => p.stop()));
  await t?.stop();
  await sim?.stop();
});

test('the frame tap: one decode, two subscribers, the configured rate and size; a slow one gets the latest frame', async () => {
  await addChannel({ id: 'tap', name: '检测', source: { url: sim.url('a') }, detectionProfile: 'people', video: { tapFps: 4, tapWidth: 320 } });
  await online('tap');
  const fast: Frame[] = [];
  const slow: Frame[] = [];
  const offFast = t.gw.video!.frames.subscribe('tap', (f) => void fast.push(f));
  const offSlow = t.gw.video!.frames.subscribe('tap', async (f) => {
    slow.push(f);
    await new Promise((r) => setTimeout(r, 1500));
  });
  await new Promise((r) => setTimeout(r, 6000));
  offFast();
  offSlow();
  assert.ok(fast.length >= 18 && fast.length <= 30, `about 4 fps for 6 s, got ${fast.length}`);
  assert.ok(slow.length >= 3 && slow.length <= 6, `the slow one got ${slow.length}`);
  assert.deepEqual([fast[0]!.width, fast[0]!.height, fast[0]!.data.length], [320, 180, 320 * 180 * 3]);
  assert.ok(fast.every((f, i) => i === 0 || f.ts >= fast[i - 1]!.ts), 'capture times increase');
  assert.ok(Math.abs(Date.now() - fast.at(-1)!.ts) < 2000);
  // the slow subscriber was handed fresh frames, not a backlog: its frames are ~1.5 s apart
  const gaps = slow.slice(1).map((f, i) => f.ts - slow[i]!.ts);
  assert.ok(gaps.every((g) => g > 1000), `gaps ${gaps.join(', ')}`);
  assert.equal(ingestsWith(sim.url('a')), 1, 'one ffmpeg (one decode) for the channel');
});

test('the registry drives the ingest live: disable, enable, change the source, delete', async () => {
  await addChannel({ id: 'live', name: '东门广场-01', source: { url: sim.url('a') } });
  const first = await online('live');
  assert.equal(first.input?.height, 360);

  await t.call('engineer', { method: 'PATCH', url: '/api/channels/live', payload: { enabled: false } });
  await waitFor(async () => (await statusOf(t, 'live')).reason === 'disabled' || undefined, 10_000, 'disabled');
  await waitFor(() => !alive(first.pid!) || undefined, 5000, 'ffmpeg gone');

  await t.call('engineer', { method: 'PATCH', url: '/api/channels/live', payload: { enabled: true } });
  const back = await online('live');
  assert.notEqual(back.pid, first.pid);

  await t.call('engineer', { method: 'PATCH', url: '/api/channels/live', payload: { source: { url: sim.url('b') } } });
  const moved = await waitFor(async () => {
    const s = await statusOf(t, 'live');
    return s.state === 'online' && s.input?.height === 720 ? s : undefined;
  }, 25_000, 'online from the new source');
  assert.ok(!alive(back.pid!));

  await t.call('engineer', { method: 'DELETE', url: '/api/channels/live' });
  await waitFor(() => !alive(moved.pid!) || undefined, 5000, 'ffmpeg gone after delete');
  assert.equal((await t.call('operator', { method: 'GET', url: '/api/channels/live/status' })).statusCode, 404);
});

test('RTMP push: the channel key is accepted and gives the same outputs; a wrong key is refused', async () => {
  const rejected: string[] = [];
  t.gw.video!.live!.on('rejected', (e) => rejected.push(e.reason));
  await t.call('engineer', { method: 'POST', url: '/api/channels', payload: { id: 'drone', name: '无人机-01', kind: 'rtmp', mode: 'always-on', source: { pushKey: PUSH_KEY } } });
  await waitFor(async () => (await statusOf(t, 'drone')).reason === 'no push' || undefined, 5000, 'waiting for a push');
  const waiting = await bothStatuses('drone');
  assert.deepEqual([waiting.video.mode, waiting.video.feed], ['always-on', 'push'], 'the mode it was created with, fed by a push');
  assert.deepEqual([waiting.channel.status.state, waiting.channel.status.reason], ['offline', 'no push']);
  const clip = await ensureClip('h264-360p', CLIP_DIR);
  const rtmp = (key: string) => `rtmp://127.0.0.1:${t.gw.video!.ports.rtmp}/live/${key}`;

  const wrong = publish(clip, rtmp('not-the-right-key-000000'), { format: 'flv' });
  publishers.push(wrong);
  await waitFor(() => rejected.includes('denied') || undefined, 10_000, 'the wrong key refused');
  await wrong.stop();

  publishers.push(publish(clip, rtmp(PUSH_KEY), { format: 'flv' }));
  const status = await online('drone');
  assert.equal(status.input?.codec, 'h264');
  assert.deepEqual([status.mode, status.feed], ['always-on', 'push'], 'still the same mode while pushed');
  assert.equal((await bothStatuses('drone')).channel.status.state, 'online');
  const snap = await t.call('operator', { method: 'GET', url: '/api/channels/drone/snapshot.jpg' });
  assert.equal(snap.statusCode, 200);
  assert.ok(!t.logs().includes(PUSH_KEY), 'the push key never reaches the log');
});

test('an on-demand channel stops when nobody has watched it for a while', async () => {
  await addChannel({ id: 'od', name: '按需', source: { url: sim.url('a') }, mode: 'on-demand' });
  await waitFor(async () => (await statusOf(t, 'od')).state === 'idle' || undefined, 5000, 'idle before anyone watches');
  const idle = await bothStatuses('od');
  assert.deepEqual([idle.channel.status.state, idle.channel.status.reason], ['idle', 'idle (on demand)'], 'the registry says idle too, with the same reason');
  assert.deepEqual([idle.video.mode, idle.video.feed], ['on-demand', 'pull']);
  await t.call('operator', { method: 'GET', url: '/api/channels/od/play' });
  const running = await online('od');
  const stoppedAt = await waitFor(async () => ((await statusOf(t, 'od')).state === 'idle' ? Date.now() : undefined), 20_000, 'idle again');
  assert.ok(stoppedAt > 0);
  await waitFor(() => !alive(running.pid!) || undefined, 5000, 'ffmpeg gone');
});
