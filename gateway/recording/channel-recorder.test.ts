// The channel recorder on real ffmpeg output: closed segments listed by the
// segment muxer are moved and indexed; a clock that stepped back never makes a
// segment start before the previous end; what a run left unlisted is adopted
// up to its last packet, and an unreadable file is removed.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import pino from 'pino';
import { ChannelRecorder } from './channel-recorder.ts';
import { RecordingPaths } from './paths.ts';
import { openSqliteIndex } from './store/sqlite-index.ts';

const dir = mkdtempSync(join(tmpdir(), 'gw-recorder-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** What one ffmpeg run leaves: `<run>-<n>.ts` segments of ~2 s and the list of the closed ones. */
function ffmpegRun(incoming: string, runId: string, seconds: number): void {
  execFileSync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc=size=320x240:rate=25:duration=${seconds}`, '-c:v', 'libx264', '-g', '25', '-preset', 'ultrafast',
    '-f', 'segment', '-segment_time', '2', '-segment_format', 'mpegts', '-segment_list', join(incoming, `${runId}.csv`), '-segment_list_type', 'csv', join(incoming, `${runId}-%d.ts`),
  ]);
}

test('closed segments are indexed after the previous end even when the clock stepped back; an unlisted segment is adopted, an unreadable one removed', async () => {
  const paths = new RecordingPaths(join(dir, 'recordings'));
  const index = openSqliteIndex(join(dir, 'recordings.db'));
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
  const recorder = new ChannelRecorder('cam-1', { paths, index, nodeId: 'n1', ffmpegPath: 'ffmpeg', classOf: () => 'continuous', onSegment: () => undefined, log });
  // Footage indexed while the clock was a minute ahead.
  const ahead = Date.now() + 60_000;
  await index.addSegment({ channelId: 'cam-1', startMs: ahead - 2000, endMs: ahead, bytes: 1, path: paths.segmentRel('cam-1', ahead - 2000), nodeId: 'n1', keyframeFirst: true, class: 'continuous', source: 'gateway' });
  const incoming = paths.incomingDir('cam-1');
  ffmpegRun(incoming, '1000', 6);
  // The run's last segment as kill -9 leaves it: half written and not listed.
  const csv = readFileSync(join(incoming, '1000.csv'), 'utf8').trim().split('\n');
  const last = csv.pop()!.split(',')[0]!;
  writeFileSync(join(incoming, '1000.csv'), `${csv.join('\n')}\n`);
  const whole = readFileSync(join(incoming, last));
  writeFileSync(join(incoming, last), whole.subarray(0, Math.floor(whole.length / 2 / 188) * 188));
  writeFileSync(join(incoming, '1000-99.ts'), 'not video');

  await recorder.start();
  await recorder.drain(true);
  await recorder.stop();

  const { segments, gaps } = await index.segments('cam-1', 0, ahead + 3_600_000);
  assert.equal(segments.length, 1 + csv.length + 1, 'the listed ones and the adopted one');
  assert.equal(segments[1]!.startMs, ahead, 'clamped to the previous end');
  assert.deepEqual(gaps, [], 'one after the other');
  for (const s of segments.slice(1)) assert.ok(existsSync(paths.absolute(s.path)), s.path);
  const adopted = segments.at(-1)!;
  assert.ok(adopted.endMs - adopted.startMs > 200 && adopted.endMs - adopted.startMs < 2100, `adopted ${adopted.endMs - adopted.startMs} ms`);
  assert.deepEqual(readdirSync(incoming), [], 'nothing left: the list, the adopted and the unreadable file are gone');
  assert.ok(lines.some((l) => l.includes('clock stepped back')), 'the clamp is logged');
  await index.close();
});

test('after a restart, a run\'s list is placed by when it was written, not when it is read; what was indexed before is passed over quietly', async () => {
  const paths = new RecordingPaths(join(dir, 'recordings-restart'));
  const index = openSqliteIndex(join(dir, 'recordings-restart.db'));
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
  const incoming = paths.incomingDir('cam-2');
  const recorder = new ChannelRecorder('cam-2', { paths, index, nodeId: 'n1', ffmpegPath: 'ffmpeg', classOf: () => 'continuous', onSegment: () => undefined, log });
  ffmpegRun(incoming, '2000', 6);
  const listed = readFileSync(join(incoming, '2000.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
  // The process that ran it indexed all but the last listed segment (moved away here), and was killed
  // 90 s ago, right after the list's last line: the list was last written then.
  const killedAt = Date.now() - 90_000;
  const lastEndS = Number(listed.at(-1)![2]);
  const anchor = killedAt - lastEndS * 1000;
  for (const [name, startS, endS] of listed.slice(0, -1)) {
    const startMs = Math.round(anchor + Number(startS) * 1000);
    const rel = paths.segmentRel('cam-2', startMs);
    renameSync(join(incoming, name!), join(paths.channelDir('cam-2'), `moved-${name}`));
    await index.addSegment({ channelId: 'cam-2', startMs, endMs: Math.round(anchor + Number(endS) * 1000), bytes: 1, path: rel, nodeId: 'n1', keyframeFirst: true, class: 'continuous', source: 'gateway' });
  }
  utimesSync(join(incoming, '2000.csv'), killedAt / 1000, killedAt / 1000);

  await recorder.start();
  await recorder.drain(true);
  await recorder.stop();

  const { segments, gaps } = await index.segments('cam-2', 0, Date.now() + 60_000);
  assert.equal(segments.length, listed.length, 'the one left in .incoming joined the others');
  const last = segments.at(-1)!;
  assert.ok(Math.abs(last.endMs - killedAt) <= 50, `the last segment ends when the list was written (${last.endMs - killedAt} ms off), not at the restart`);
  assert.deepEqual(gaps, [], 'no hole and no jump');
  assert.ok(!lines.some((l) => /could not move|clock stepped back/.test(l)), `nothing to report: ${lines.join('')}`);
  await index.close();
});
