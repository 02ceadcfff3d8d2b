// The export plan and jobs on real MPEG-TS files and real ffmpeg: entered at
// the keyframe at or before `from`, left at `to`, gaps left out; two jobs at
// once; files gone after keepHours; a segment deleted meanwhile fails the job
// alone; jobs kept in a SQLite store outlive their exporter (a restart).
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { findFfmpeg } from '../../video/ffmpeg/locate.ts';
import { RecordingPaths } from '../paths.ts';
import type { Segment } from '../store/recording-index.ts';
import { SqlExportJobs } from '../store/export-jobs.ts';
import { openSqliteIndex } from '../store/sqlite-index.ts';
import { Exporter, ExportFailure } from './exporter.ts';
import { planExport } from './plan.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'gw-export-'));
const paths = new RecordingPaths(join(dir, 'recordings'));
const ffmpeg = findFfmpeg().path;
const T0 = Date.parse('2026-03-01T08:00:00Z');
const log = pino({ level: 'silent' });
let segments: Segment[];

before(() => {
  // Three 2 s segments with a keyframe every second, then one more after a 4 s gap.
  const day = join(paths.root, 'cam', '2026-03-01');
  mkdirSync(day, { recursive: true });
  execFileSync(ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-t', '6', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-keyint_min', '25', '-sc_threshold', '0',
    '-f', 'segment', '-segment_time', '2', '-reset_timestamps', '1', '-segment_format', 'mpegts', join(day, 'part%d.ts')]);
  execFileSync(ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-t', '2', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-f', 'mpegts', join(day, 'part3.ts')]);
  const at = [0, 2, 4, 10];
  segments = at.map((s, i) => ({
    channelId: 'cam', startMs: T0 + s * 1000, endMs: T0 + (s + 2) * 1000, bytes: 1, path: `cam/2026-03-01/part${i}.ts`, nodeId: 'local', keyframeFirst: true, class: 'continuous', source: 'gateway',
  }));
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function seconds(file: string): Promise<number> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]);
  return Number(stdout.trim());
}
const exporter = (keepHours = 1) => new Exporter({ dir: join(dir, `exports-${Math.random().toString(36).slice(2)}`), ffmpegPath: ffmpeg, concurrent: 2, keepHours, log });

test('a range inside segments starts at the keyframe at or before `from` (actualFrom) and ends at `to`', async () => {
  const plan = (await planExport(segments, T0 + 3300, T0 + 5500, { paths, ffprobe: 'ffprobe' }))!;
  assert.equal(plan.actualFrom, T0 + 3000, 'the keyframe 1 s into the second segment');
  assert.equal(plan.actualTo, T0 + 5500);
  assert.equal(plan.entries.length, 2);
  assert.ok(plan.entries[0]!.inpoint !== undefined && plan.entries[1]!.outpoint !== undefined);
  const ex = exporter();
  const job = await ex.submit({ channelId: 'cam', channelName: 'cam', from: T0 + 3300, to: T0 + 5500, plan }).done;
  assert.equal(job.state, 'done', job.reason);
  assert.equal(job.progress, 1);
  const d = await seconds(job.file);
  assert.ok(Math.abs(d - 2.5) <= 0.3, `MP4 of ${d} s for 2.5 s`);
  await ex.stop();
});

test('gaps are left out and counted; no footage is no plan', async () => {
  const plan = (await planExport(segments, T0, T0 + 12_000, { paths, ffprobe: 'ffprobe' }))!;
  assert.equal(plan.gaps, 1);
  assert.equal(plan.seconds, 8);
  const ex = exporter();
  const job = await ex.submit({ channelId: 'cam', channelName: 'cam', from: T0, to: T0 + 12_000, plan }).done;
  assert.equal(job.state, 'done', job.reason);
  const d = await seconds(job.file);
  assert.ok(Math.abs(d - 8) <= 0.3, `MP4 of ${d} s for 8 s of footage`);
  assert.equal(await planExport(segments, T0 + 6500, T0 + 9500, { paths, ffprobe: 'ffprobe' }), undefined);
  await ex.stop();
});

test('two jobs run at once, the third queues; files go keepHours after they are done; a segment deleted meanwhile fails its job alone', async () => {
  const plan = (await planExport(segments, T0, T0 + 6000, { paths, ffprobe: 'ffprobe' }))!;
  const ex = exporter(1);
  const jobs = [1, 2, 3].map(() => ex.submit({ channelId: 'cam', channelName: 'cam', from: T0, to: T0 + 6000, plan }));
  assert.deepEqual(jobs.map((j) => j.state), ['running', 'running', 'queued']);
  const done = await Promise.all(jobs.map((j) => j.done));
  assert.deepEqual(done.map((j) => j.state), ['done', 'done', 'done']);
  await ex.sweep(Date.now() + 30 * 60_000);
  assert.ok(done.every((j) => existsSync(j.file) && ex.get(j.id)), 'kept within keepHours');
  await ex.sweep(Date.now() + 61 * 60_000);
  assert.ok(done.every((j) => !existsSync(j.file) && !ex.get(j.id)), 'gone after keepHours');

  const gone = { ...plan, entries: [...plan.entries, { file: paths.absolute('cam/2026-03-01/deleted.ts') }] };
  const failed = await ex.submit({ channelId: 'cam', channelName: 'cam', from: T0, to: T0 + 6000, plan: gone }).done;
  assert.equal(failed.state, 'failed');
  assert.doesNotMatch(failed.reason!, /\//, 'no path in the reason');
  const next = await ex.submit({ channelId: 'cam', channelName: 'cam', from: T0, to: T0 + 6000, plan }).done;
  assert.equal(next.state, 'done');
  assert.deepEqual(readdirSync(join(next.file, '..')).filter((n) => n.endsWith('.txt')), [], 'no concat list left behind');
  await ex.stop();
});

test('a person\'s jobs outlive the exporter: done ones stay until they expire, a queued or running one runs again, stray files go', async () => {
  const plan = (await planExport(segments, T0, T0 + 6000, { paths, ffprobe: 'ffprobe' }))!;
  const index = openSqliteIndex(join(dir, 'restart.db'));
  const store = new SqlExportJobs(index.db);
  const folder = join(dir, 'exports-restart');
  const open = () => new Exporter({ dir: folder, ffmpegPath: ffmpeg, concurrent: 1, keepHours: 1, store, nodeId: 'n1', log });
  const first = open();
  const owner = { id: 'key-1', name: 'dispatcher' };
  const input = { channelId: 'cam', channelName: 'cam', from: T0, to: T0 + 6000, plan };
  const done = await (await first.submitFor(owner, input)).done;
  assert.equal(done.state, 'done');
  const queued = await first.submitFor(owner, input);
  const behind = await first.submitFor(owner, input);
  await first.stop(); // the first of the two was running: killed; the second never started
  assert.equal((await store.get(queued.id))?.state, 'running');
  assert.equal((await store.get(behind.id))?.state, 'queued');
  assert.equal(existsSync(queued.file), false, 'no half-written MP4 under the job\'s name');
  await store.insert({ ...done, id: '00000000-0000-4000-8000-000000000001', nodeId: 'n2' }); // another node's: not this one's to run or sweep
  writeFileSync(join(folder, 'stray.mp4'), 'x');
  writeFileSync(join(folder, `${behind.id}.0badc0de.part`), 'x'); // what an ffmpeg orphaned by a kill -9 wrote

  const second = open();
  await second.resume();
  assert.equal(existsSync(join(folder, 'stray.mp4')), false, 'a file of no job is swept');
  assert.equal(existsSync(join(folder, `${behind.id}.0badc0de.part`)), false, 'a temporary file no run writes is swept');
  assert.ok(existsSync(done.file), 'a done job\'s file is kept');
  assert.deepEqual((await second.find(done.id)), { ...(await store.get(done.id))! });
  const again = await Promise.all([second.get(queued.id)!.done, second.get(behind.id)!.done]);
  assert.deepEqual(again.map((j) => j.state), ['done', 'done']);
  assert.ok(again.every((j) => existsSync(j.file)));
  await second.stop();
  assert.deepEqual((await store.get(behind.id))?.state, 'done', 'saved before stop returned');
  assert.equal(second.get('00000000-0000-4000-8000-000000000001'), undefined);

  await second.sweep((await store.get(done.id))!.expiresAt! + 1);
  assert.equal(await store.get(done.id), undefined, 'expired: row gone');
  assert.equal(existsSync(done.file), false, 'expired: file gone');
  assert.ok(await store.get('00000000-0000-4000-8000-000000000001'), 'another node\'s job is its own to expire');
  await index.close();
});

test('a plan with a source is written by that kind\'s runner: progress, done, the MP4 under the job\'s name; a runner\'s ExportFailure is the reason', async () => {
  const seen: number[] = [];
  const ex = new Exporter({
    dir: join(dir, 'exports-source'), ffmpegPath: ffmpeg, concurrent: 1, keepHours: 1, log,
    sources: {
      fake: async (job, out) => {
        if (job.channelId === 'broken') throw new ExportFailure('the device went away');
        out.progress(0.5);
        seen.push(job.progress);
        writeFileSync(out.file, 'mp4 bytes');
      },
    },
  });
  const plan = { entries: [], actualFrom: T0, actualTo: T0 + 1000, seconds: 1, gaps: 0, source: { kind: 'fake' } };
  const job = await ex.submit({ channelId: 'cam', channelName: 'cam', from: T0, to: T0 + 1000, plan }).done;
  assert.equal(job.state, 'done', job.reason);
  assert.deepEqual(seen, [0.5], 'progress was reported while it ran');
  assert.equal(job.bytes, 9);
  assert.ok(existsSync(job.file));
  const failed = await ex.submit({ channelId: 'broken', channelName: 'broken', from: T0, to: T0 + 1000, plan }).done;
  assert.equal(failed.state, 'failed');
  assert.equal(failed.reason, 'the device went away');
  const unknown = await ex.submit({ channelId: 'cam', channelName: 'cam', from: T0, to: T0 + 1000, plan: { ...plan, source: { kind: 'nobody' } } }).done;
  assert.equal(unknown.state, 'failed');
  assert.match(unknown.reason ?? '', /kind 'nobody'/);
  await ex.stop();
});

test('cancel: a running job\'s runner is aborted and the job fails with the reason, its file removed; a queued one fails at once; a done one is not cancelled', async () => {
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  const ex = new Exporter({
    dir: join(dir, 'exports-cancel'), ffmpegPath: ffmpeg, concurrent: 1, keepHours: 1, log,
    sources: {
      slow: (_job, out) => new Promise<void>((_resolve, reject) => {
        writeFileSync(out.file, 'partial');
        started();
        out.signal.addEventListener('abort', () => reject(new Error('aborted')));
      }),
    },
  });
  const plan = { entries: [], actualFrom: T0, actualTo: T0 + 1000, seconds: 1, gaps: 0, source: { kind: 'slow' } };
  const first = ex.submit({ channelId: 'cam', channelName: 'cam', from: T0, to: T0 + 1000, plan });
  const second = ex.submit({ channelId: 'cam', channelName: 'cam', from: T0, to: T0 + 1000, plan });
  await running;
  assert.equal(second.state, 'queued', 'one at a time: the second waits');
  assert.ok(ex.cancel(second.id, 'cancelled by tester'));
  assert.equal((await second.done).reason, 'cancelled by tester');
  assert.ok(ex.cancel(first.id, 'cancelled by tester'));
  const ended = await first.done;
  assert.equal(ended.state, 'failed');
  assert.equal(ended.reason, 'cancelled by tester');
  assert.deepEqual(readdirSync(join(dir, 'exports-cancel')), [], 'the partial file is gone');
  assert.equal(ex.cancel(first.id, 'again'), false);
  await ex.stop();
});
