// Shared storage (recording.sharedStorage: every node mounts one recordings
// root): each node writes under nodes/<node>/, so start-up reconciliation and
// retention of one node never adopt, drop or delete what another node wrote,
// while any node can still read another node's segment by its index path.
// Real MPEG-TS files (ffmpeg), a real SQLite index shared by two "nodes".
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import pino from 'pino';
import type { RecordingConfig } from '../config.ts';
import { RecordingPaths } from '../paths.ts';
import { channelsOnDisk, reconcileChannel } from '../reconcile.ts';
import { Retention } from '../retention.ts';
import type { RecordingIndex } from '../store/recording-index.ts';
import { openSqliteIndex } from '../store/sqlite-index.ts';

const dir = mkdtempSync(join(tmpdir(), 'gw-shared-rec-'));
const root = join(dir, 'nas', 'recordings');
const log = pino({ level: 'silent' });
const CHANNEL = 'cam-1';
let sample: string;
let index: RecordingIndex;

before(() => {
  sample = join(dir, 'sample.ts');
  execFileSync('ffmpeg', ['-hide_banner', '-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10', '-t', '2', '-c:v', 'libx264', '-g', '10', '-f', 'mpegts', '-y', sample]);
  index = openSqliteIndex(join(dir, 'recordings.db'));
});
after(async () => {
  await index?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A segment file of a node at `startMs`, with its row when `indexed`. */
async function segment(paths: RecordingPaths, nodeId: string, startMs: number, indexed: boolean): Promise<string> {
  const rel = paths.segmentRel(CHANNEL, startMs);
  const file = paths.absolute(rel);
  mkdirSync(dirname(file), { recursive: true });
  copyFileSync(sample, file);
  if (indexed) {
    await index.addSegment({ channelId: CHANNEL, startMs, endMs: startMs + 2000, bytes: statSync(file).size, path: rel, nodeId, keyframeFirst: true, class: 'continuous', source: 'gateway' });
  }
  return file;
}

const config: RecordingConfig = {
  enabled: true, segmentSeconds: 2, defaults: { mode: 'continuous', rules: [] }, events: { preRollSeconds: 10, postRollSeconds: 10 },
  continuousRetentionDays: 7, eventRetentionDays: 30, evidenceKeepDaysAfterArchive: 180, disk: { maxBytes: 1, keepFreeBytes: 0 }, retentionIntervalSeconds: 60, sharedStorage: true,
};

test('each node\'s paths are under nodes/<node>/ of the shared root, and any node resolves another node\'s index path', () => {
  const a = new RecordingPaths(root, { sharedByNode: 'node-a' });
  const b = new RecordingPaths(root, { sharedByNode: 'node-b' });
  const start = Date.UTC(2026, 11, 7, 1, 0, 0);
  assert.equal(a.segmentRel(CHANNEL, start), `nodes/node-a/${CHANNEL}/2026-12-07/${start}.ts`);
  assert.equal(b.absolute(a.segmentRel(CHANNEL, start)), join(root, 'nodes', 'node-a', CHANNEL, '2026-12-07', `${start}.ts`));
  assert.equal(a.channelDir(CHANNEL), join(root, 'nodes', 'node-a', CHANNEL));
  // A node id that is no safe name cannot climb out of nodes/.
  assert.ok(new RecordingPaths(root, { sharedByNode: '../../etc' }).own.startsWith(join(root, 'nodes')));
  // Without shared storage the layout is the one of a node's own disk.
  assert.equal(new RecordingPaths(root).segmentRel(CHANNEL, start), `${CHANNEL}/2026-12-07/${start}.ts`);
});

test('start-up reconciliation of node-a on the shared root adopts and drops only node-a\'s; retention of node-a deletes only node-a\'s', async () => {
  const a = new RecordingPaths(root, { sharedByNode: 'node-a' });
  const b = new RecordingPaths(root, { sharedByNode: 'node-b' });
  a.prepare(CHANNEL);
  b.prepare(CHANNEL);
  const t0 = Date.now() - 60_000;
  const aIndexed = await segment(a, 'node-a', t0, true);
  const aOrphan = await segment(a, 'node-a', t0 + 2000, false); // left by a crash of node-a: adopted by node-a
  const aGone = a.segmentRel(CHANNEL, t0 + 4000); // node-a's row whose file is gone: dropped
  await index.addSegment({ channelId: CHANNEL, startMs: t0 + 4000, endMs: t0 + 6000, bytes: 1, path: aGone, nodeId: 'node-a', keyframeFirst: true, class: 'continuous', source: 'gateway' });
  const bIndexed = await segment(b, 'node-b', t0 + 10_000, true);
  // node-b is recording: a segment it just closed and has not indexed yet, and one it is writing.
  const bClosing = await segment(b, 'node-b', t0 + 12_000, false);
  const bOpen = join(b.incomingDir(CHANNEL), '1796600000000-3.ts');
  copyFileSync(sample, bOpen);
  // node-b's row whose file node-a cannot see (another mount, or not yet written): never node-a's to drop.
  await index.addSegment({ channelId: CHANNEL, startMs: t0 + 14_000, endMs: t0 + 16_000, bytes: 1, path: b.segmentRel(CHANNEL, t0 + 14_000), nodeId: 'node-b', keyframeFirst: true, class: 'continuous', source: 'gateway' });

  assert.deepEqual(await channelsOnDisk(a), [CHANNEL]);
  const report = await reconcileChannel(CHANNEL, { paths: a, index, nodeId: 'node-a', ffmpegPath: 'ffmpeg', classOf: () => 'continuous', log });
  assert.deepEqual(report, { dropped: 1, adopted: 1, removed: 0 });
  const rows = await index.segmentsOf(CHANNEL, 'node-a');
  assert.deepEqual(rows.map((r) => r.startMs), [t0, t0 + 2000], 'node-a: its indexed segment and the one it adopted');
  assert.ok(existsSync(aIndexed) && existsSync(aOrphan));
  const bRows = await index.segmentsOf(CHANNEL, 'node-b');
  assert.deepEqual(bRows.map((r) => r.startMs), [t0 + 10_000, t0 + 14_000], 'node-b\'s rows untouched');
  for (const f of [bIndexed, bClosing, bOpen]) assert.ok(existsSync(f), `node-b's ${f} untouched`);

  // Retention with a budget of 1 byte: node-a deletes every unheld segment of its own, nothing of node-b's.
  const retention = new Retention({ index, paths: a, nodeId: 'node-a', config, policy: async () => undefined, disk: async () => ({ totalBytes: 1e12, freeBytes: 1e12 }), log });
  const budget = await retention.sweep();
  assert.equal(budget.deletedSegments, 2);
  assert.deepEqual(await index.segmentsOf(CHANNEL, 'node-a'), []);
  assert.ok(!existsSync(aIndexed) && !existsSync(aOrphan));
  assert.deepEqual((await index.segmentsOf(CHANNEL, 'node-b')).map((r) => r.startMs), [t0 + 10_000, t0 + 14_000]);
  for (const f of [bIndexed, bClosing, bOpen]) assert.ok(existsSync(f), `node-b's ${f} kept`);
});
