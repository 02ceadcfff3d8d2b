// A full disk while recording (ENOSPC, for real: a small tmpfs mounted under
// the recordings directory, so this test needs root): recording stops with
// its reason in the channel status, live goes on, storage_low is raised once;
// with space again the channel records again.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { CLIP_DIR, countFrames, statusOf, waitFor } from './helpers/video.ts';
import { startCameraSimulator, type CameraSimulator } from './sim/camera-sim.ts';

const MB = 1024 * 1024;
const dataDir = mkdtempSync(join(tmpdir(), 'gw-rec-enospc-'));
const recordings = join(dataDir, 'recordings');
const filler = join(recordings, 'filler.bin');
let sim: CameraSimulator;
let t: TestGateway;
let mounted = false;

type RecordingStatus = { state: string; reasonCode?: string; reason?: string };

before(async () => {
  mkdirSync(recordings, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=40m', 'tmpfs', recordings]);
  mounted = true;
  // Leave about 3 MB for recording.
  const s = statfsSync(recordings);
  writeFileSync(filler, Buffer.alloc(s.bavail * s.bsize - 3 * MB));
  sim = await startCameraSimulator({ clipDir: CLIP_DIR, streams: [{ path: 'cam', clip: 'h264-720p' }] });
  await sim.waitReady('cam', 60_000);
  t = await startTestGateway({
    dataDir,
    argv: [
      '--video.enabled', 'true', '--video.watchdogSeconds', '8', '--video.ioTimeoutSeconds', '5', '--video.startStaggerMs', '0', '--log.level', 'info',
      '--recording.segmentSeconds', '2', '--recording.disk.keepFreeBytes', '0', '--recording.retentionIntervalSeconds', '1',
    ],
  });
});
after(async () => {
  await t?.stop({ keepData: true });
  await sim?.stop();
  if (mounted) execFileSync('umount', [recordings]);
  rmSync(dataDir, { recursive: true, force: true });
});

test('ENOSPC while recording: recording stops with disk_full in the status, live continues, storage_low once; space again → recording again', async () => {
  const res = await t.call('engineer', { method: 'POST', url: '/api/channels', payload: { id: 'cam-full', name: 'full', kind: 'rtsp', source: { url: sim.url('cam') }, recording: { mode: 'continuous' } } });
  assert.equal(res.statusCode, 201, res.body);
  const stopped = await waitFor(async () => {
    const s = (await statusOf(t, 'cam-full')) as Awaited<ReturnType<typeof statusOf>> & { recording?: RecordingStatus };
    return s.recording?.reasonCode === 'disk_full' ? s : undefined;
  }, 120_000, 'recording stopped for a full disk');
  assert.equal(stopped.recording?.state, 'stopped');
  assert.match(String(stopped.recording?.reason), /disk full/);
  assert.equal(stopped.state, 'online', 'live goes on');
  const pid = stopped.pid;
  // Live still plays: a new live segment decodes.
  const { hls } = (await t.call('operator', { method: 'GET', url: '/api/channels/cam-full/play' })).json() as { hls: string };
  const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  const playlist = await (await fetch(`${base}${hls}`)).text();
  assert.ok(await countFrames(`${base}${hls.replace('index.m3u8', playlist.match(/seg-\d+\.ts/g)!.at(-1)!)}`) > 5);
  const lows = async () => ((await t.call('operator', { method: 'GET', url: '/api/incidents?limit=100' })).json() as { items: Array<{ type: string; evidence: { why?: string } }> }).items.filter((i) => i.type === 'storage_low');
  const raised = await waitFor(async () => ((await lows()).length ? lows() : undefined), 10_000, 'storage_low');
  assert.equal(raised.length, 1);
  assert.equal(raised[0]!.evidence.why, 'disk full');
  await new Promise((r) => setTimeout(r, 4000));
  assert.equal((await lows()).length, 1, 'raised once');
  assert.equal((await statusOf(t, 'cam-full')).pid, pid, 'the same ffmpeg: live was not restarted for it');

  rmSync(filler);
  const indexed = async () => ((await t.call('operator', { method: 'GET', url: '/api/channels/cam-full/recordings' })).json() as { segments: Array<{ end: string }> }).segments;
  const freedAt = Date.now();
  await waitFor(async () => {
    const s = (await statusOf(t, 'cam-full')) as { recording?: RecordingStatus };
    return s.recording?.state === 'recording' ? true : undefined;
  }, 30_000, 'recording again');
  await waitFor(async () => ((await indexed()).some((s) => Date.parse(s.end) > freedAt) ? true : undefined), 60_000, 'new segments after space came back');
});
