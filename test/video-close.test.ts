// Stopping video wins every race with a run starting: an ingest stopped while
// it clears its HLS directory before spawning ffmpeg (the first start, a
// restart, the copy → transcode switch) spawns nothing and its stop() ends.
// Before the fix such an ffmpeg was spawned after stop() had looked for a run
// to kill; stop() then waited for its end forever, and gw.close() with it
// (node-media-server still listening, the transcoding ffmpeg still pushing).
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { findFfmpeg } from '../gateway/video/ffmpeg/locate.ts';
import { IngestSupervisor, type IngestStatus } from '../gateway/video/ingest/supervisor.ts';
import type { TestGateway } from './helpers/gateway.ts';
import { CLIP_DIR, startSilentServer, startVideoGateway, statusOf, waitFor } from './helpers/video.ts';
import { startCameraSimulator, type CameraSimulator } from './sim/camera-sim.ts';

/** Far above any real stop (a run killed needs at most its 3 s SIGTERM grace); only a stop that never ends reaches it. */
const STOP_BOUND_MS = 20_000;
const dir = mkdtempSync(join(tmpdir(), 'gw-video-close-'));
/** Processes a failing case leaves behind, killed at the end so they do not outlive the file. */
const leftovers = new Set<number>();
let sim: CameraSimulator | undefined;

before(async () => {
  sim = await startCameraSimulator({ clipDir: CLIP_DIR, streams: [{ path: 'avc-b', clip: 'h264-360p-bframes' }] });
  await sim.waitReady('avc-b', 60_000);
});
after(async () => {
  await sim?.stop();
  for (const pid of leftovers) killQuietly(pid);
  rmSync(dir, { recursive: true, force: true });
});

/** Pids of live processes whose command line holds `fragment` (Linux /proc: each argument ends with NUL). */
function processesWith(fragment: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(fragment)) found.push(Number(name));
    } catch {
      // the process ended while we looked: it is not left over
    }
  }
  return found;
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Resolves with what `work` resolves with, or fails saying what never ended. */
async function endsWithin<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, fail) => (timer = setTimeout(() => fail(new Error(`${what} did not end within ${STOP_BOUND_MS} ms`)), STOP_BOUND_MS)));
  try {
    return await Promise.race([work, bound]);
  } finally {
    clearTimeout(timer);
  }
}

test('an ingest stopped at once, or a few ms after it starts, spawns no ffmpeg after stop() and its stop() ends', async () => {
  // A camera that accepts the connection and never answers: an ffmpeg spawned against it runs until it is killed.
  const silent = await startSilentServer();
  const ffmpeg = findFfmpeg();
  const log = pino({ level: 'silent' });
  try {
    for (let i = 0; i < 20; i++) {
      // Its own path: /close-1 and not /close-1x is found below by the NUL that ends the argument.
      const url = `rtsp://127.0.0.1:${silent.port}/close-${i}`;
      const sup = new IngestSupervisor(
        { channelId: `close-${i}`, input: { kind: 'rtsp', url }, transcode: 'auto', gopSeconds: 1 },
        { ffmpegPath: ffmpeg.path, ffmpegMajor: ffmpeg.major, hlsDir: join(dir, `hls-${i}`), segmentSeconds: 1, listSize: 3, watchdogMs: 60_000, ioTimeoutSeconds: 60, backoff: { initialMs: 300, maxMs: 1500 } },
        log,
      );
      sup.start();
      // 0 ms: stop() comes while the run clears its HLS directory; later: across that clearing and the spawn after it.
      if (i > 0) await new Promise((r) => setTimeout(r, i % 10));
      try {
        await endsWithin(sup.stop(), `stop() ${i % 10} ms after start()`);
      } finally {
        for (const pid of processesWith(`${url}\0`)) leftovers.add(pid);
      }
      // A run killed by stop() has ended (and been reaped) by the time stop() resolves: nothing for this path is left.
      assert.deepEqual(processesWith(`${url}\0`), [], `an ffmpeg outlived stop() (case ${i})`);
      assert.equal(sup.status.state, 'offline');
      assert.equal(sup.status.reason, 'stopped');
    }
  } finally {
    await silent.stop();
  }
});

test('an HLS directory that cannot be made ends no supervision: the run says why, and stop() ends', async () => {
  const ffmpeg = findFfmpeg();
  const blocker = join(dir, 'a-file');
  writeFileSync(blocker, '');
  const sup = new IngestSupervisor(
    { channelId: 'no-dir', input: { kind: 'rtsp', url: sim!.url('avc-b') }, transcode: 'auto', gopSeconds: 1 },
    // Under a file: mkdir fails (ENOTDIR), which used to reject the supervision loop unhandled.
    { ffmpegPath: ffmpeg.path, ffmpegMajor: ffmpeg.major, hlsDir: join(blocker, 'hls'), segmentSeconds: 1, listSize: 3, watchdogMs: 60_000, ioTimeoutSeconds: 10, backoff: { initialMs: 300, maxMs: 1500 } },
    pino({ level: 'silent' }),
  );
  const offline = new Promise<IngestStatus>((resolve) => sup.on('status', (s) => s.state === 'offline' && resolve(s)));
  sup.start();
  try {
    const s = await endsWithin(offline, 'the first run against an HLS directory that cannot be made');
    assert.ok(s.lastError, 'the status says why');
  } finally {
    await endsWithin(sup.stop(), 'stop() of the supervisor whose HLS directory cannot be made');
  }
  assert.equal(sup.status.reason, 'stopped');
});

// The case seen in the suite: a gateway closed while an H.264 source with B-frames switches from copying to transcoding.
test('a gateway closed during the copy → transcode switch of a channel closes, and leaves no ffmpeg behind', { timeout: 300_000 }, async () => {
  // Closed this many ms after the switch is logged: 0 lands in the clearing of the HLS directory before the
  // transcoding run (it hung there before the fix). 'online': once transcoding, with its ffmpeg seen running first,
  // which shows the look for leftovers below finds a channel's ffmpeg.
  for (const when of [0, 0, 1, 2, 5, 20, 'online'] as const) {
    const t: TestGateway = await startVideoGateway();
    // The channel id is in its ffmpeg's command line (its HLS and RTMP outputs): that is how a leftover is found.
    const mark = `switch-${when}-${Date.now()}`;
    try {
      const res = await t.call('engineer', { method: 'POST', url: '/api/channels', payload: { id: mark, name: mark, kind: 'rtsp', source: { url: sim!.url('avc-b') }, mode: 'always-on' } });
      assert.equal(res.statusCode, 201, res.body);
      await waitForSwitch(t, mark);
      if (when === 'online') {
        await waitFor(async () => {
          const s = await statusOf(t, mark);
          return s.state === 'online' && s.transcoding ? s : undefined;
        }, 40_000, `${mark} online, transcoding`);
        assert.ok(processesWith(mark).length > 0, 'the transcoding ffmpeg is found by its channel id');
      } else if (when > 0) await new Promise((r) => setTimeout(r, when));
    } finally {
      await endsWithin(t.stop(), `gw.close() (${when} after the switch)`).finally(() => {
        for (const pid of processesWith(mark)) leftovers.add(pid);
      });
    }
    assert.deepEqual(processesWith(mark), [], `an ffmpeg outlived gw.close() (${when} after the switch)`);
  }
});

/** Polls the log every turn of the event loop (a 200 ms poll would miss the few ms between the switch and the next spawn). */
async function waitForSwitch(t: TestGateway, channelId: string): Promise<void> {
  const deadline = Date.now() + 40_000;
  while (!t.logs().includes('the source cannot be copied as is: transcoding')) {
    if (Date.now() > deadline) {
      const s = await statusOf(t, channelId);
      throw new Error(`no switch to transcoding within 40 s (state ${s.state}, transcoding ${s.transcoding}, ${s.lastError ?? ''})`);
    }
    await new Promise((r) => setImmediate(r));
  }
}
