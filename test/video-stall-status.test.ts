// The channel status says a picture stands still within seconds (issue 26:
// it said `online` 16 s after the last frame), without the supervisor
// restarting any sooner: a paused camera is `stalled` with its
// `lastFrameAgeMs` after ~3 s while `state` stays `online` and the same
// ffmpeg runs; frames again clear it; the watchdog still decides restarts.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCameraSimulator, type CameraSimulator } from './sim/camera-sim.ts';
import type { TestGateway } from './helpers/gateway.ts';
import { CLIP_DIR, startVideoGateway, statusOf, waitFor } from './helpers/video.ts';

type FreshStatus = Awaited<ReturnType<typeof statusOf>> & { stalled?: boolean; lastFrameAgeMs?: number };
const status = (id: string) => statusOf(t, id) as Promise<FreshStatus>;

let sim: CameraSimulator;
let t: TestGateway;
const WATCHDOG_SECONDS = 12;

before(async () => {
  sim = await startCameraSimulator({ clipDir: CLIP_DIR, streams: [{ path: 'cam', clip: 'h264-360p' }] });
  await sim.waitReady('cam', 60_000);
  // The socket timeout (3 s in the test gateway) would end ffmpeg before the watchdog: the production default is longer.
  t = await startVideoGateway(['--video.watchdogSeconds', String(WATCHDOG_SECONDS), '--video.ioTimeoutSeconds', '30']);
  const res = await t.call('engineer', { method: 'POST', url: '/api/channels', payload: { id: 'cam-pause', name: 'pause', kind: 'rtsp', mode: 'always-on', source: { url: sim.url('cam') } } });
  assert.equal(res.statusCode, 201, res.body);
});
after(async () => {
  await t?.stop();
  await sim?.stop();
});

test('a paused camera is stalled in the status within seconds, still online, with the same ffmpeg; frames clear it', async () => {
  const running = await waitFor(async () => {
    const s = await status('cam-pause');
    return s.state === 'online' && s.lastFrameAgeMs !== undefined ? s : undefined;
  }, 30_000, 'online with a frame age');
  assert.equal(running.stalled, false);
  assert.ok(running.lastFrameAgeMs! < 3000, JSON.stringify(running));

  sim.server.pause('cam');
  const pausedAt = Date.now();
  const stalled = await waitFor(async () => {
    const s = await status('cam-pause');
    return s.stalled ? s : undefined;
  }, 15_000, 'stalled');
  const after = Date.now() - pausedAt;
  console.log(`camera paused → status stalled after ${after} ms (lastFrameAgeMs ${stalled.lastFrameAgeMs})`);
  assert.ok(after < 5000 + 3000, `stalled after ${after} ms`);
  assert.equal(stalled.state, 'online', 'the supervisor has not judged it yet');
  assert.equal(stalled.pid, running.pid, 'the same ffmpeg runs');
  assert.equal(stalled.restarts, 0);
  assert.ok(stalled.lastFrameAgeMs! > 3000);

  // Well short of the watchdog: still the same run.
  await new Promise((r) => setTimeout(r, 3000));
  const later = await status('cam-pause');
  assert.equal(later.pid, running.pid);
  assert.equal(later.restarts, 0);

  sim.server.resume('cam');
  const fresh = await waitFor(async () => {
    const s = await status('cam-pause');
    return s.state === 'online' && s.stalled === false ? s : undefined;
  }, 15_000, 'frames again');
  assert.equal(fresh.pid, running.pid, 'resumed without a restart');
});

test('the watchdog still restarts a camera that stays paused, at its own time', async () => {
  const before = await status('cam-pause');
  sim.server.pause('cam');
  const pausedAt = Date.now();
  try {
    const restarted = await waitFor(async () => {
      const s = await status('cam-pause');
      return s.restarts > before.restarts || s.state !== 'online' ? s : undefined;
    }, 40_000, 'the watchdog acting');
    const after = Date.now() - pausedAt;
    console.log(`camera paused → watchdog acted after ${after} ms (${restarted.state}, ${restarted.reason ?? ''})`);
    assert.ok(after >= (WATCHDOG_SECONDS - 1) * 1000, `acted after ${after} ms, before its ${WATCHDOG_SECONDS} s`);
  } finally {
    sim.server.resume('cam');
  }
});
