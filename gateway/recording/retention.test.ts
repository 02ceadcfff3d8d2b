// Retention and the disk budget on real files, a real SQLite index and a real
// registry; the file system's figures are given at the edge (statfs), so a
// budget can be tested without filling a disk. storage_low goes through a
// recording raise function (the incident door's job is tested elsewhere).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import pino from 'pino';
import { RegistryService, SqliteRegistryStore, SYSTEM_ACTOR } from '../../device-registry/index.ts';
import type { RecordingConfig } from './config.ts';
import { RecordingPaths } from './paths.ts';
import { RecordingChannels } from './room.ts';
import type { DiskFigures } from './retention.ts';
import { openSqliteIndex } from './store/sqlite-index.ts';
import type { SegmentClass } from './store/recording-index.ts';

const dir = mkdtempSync(join(tmpdir(), 'gw-retention-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const MB = 1024 * 1024;

const config = (over: Partial<RecordingConfig> = {}): RecordingConfig => ({
  enabled: true, segmentSeconds: 10, defaults: { mode: 'off', rules: [] }, events: { preRollSeconds: 10, postRollSeconds: 10 },
  continuousRetentionDays: 7, eventRetentionDays: 30, evidenceKeepDaysAfterArchive: 180, disk: { maxBytes: null, keepFreeBytes: 0 }, retentionIntervalSeconds: 60, ...over,
});

async function setup(cfg: RecordingConfig, disk?: () => DiskFigures) {
  const base = join(dir, `case-${++n}`);
  mkdirSync(base, { recursive: true });
  const registry = new RegistryService(new SqliteRegistryStore(join(base, 'registry.db')));
  const index = openSqliteIndex(join(base, 'recordings.db'));
  const paths = new RecordingPaths(join(base, 'recordings'));
  const raised: Array<Record<string, unknown>> = [];
  const channels = new RecordingChannels({
    config: cfg, registry, index, paths, nodeId: 'n1', ffmpegPath: 'ffmpeg', log: pino({ level: 'silent' }),
    raise: async (c) => void raised.push(c as Record<string, unknown>), disk: disk ? async () => disk() : undefined,
  });
  /** A segment file of `bytes` and its row, `ageS` seconds old at its end. */
  const segment = async (channelId: string, ageS: number, bytes: number, cls: SegmentClass) => {
    const endMs = Date.now() - ageS * 1000;
    const startMs = endMs - 10_000;
    const rel = paths.segmentRel(channelId, startMs);
    mkdirSync(dirname(paths.absolute(rel)), { recursive: true });
    writeFileSync(paths.absolute(rel), Buffer.alloc(bytes));
    await index.addSegment({ channelId, startMs, endMs, bytes, path: rel, nodeId: 'n1', keyframeFirst: true, class: cls, source: 'gateway' });
    return { startMs, endMs, file: paths.absolute(rel) };
  };
  const close = async () => {
    await channels.stop();
    await index.close();
    await registry.store.close();
  };
  return { registry, index, paths, channels, raised, segment, close };
}

test('retention: continuous footage older than its days goes, events footage out of the ring goes unless an incident holds it', async () => {
  const s = await setup(config({ continuousRetentionDays: 1 }));
  try {
    await s.registry.create('channels', { id: 'cam-c', name: 'c', kind: 'rtsp', source: { url: 'rtsp://127.0.0.1/c' }, recording: { mode: 'continuous', retentionDays: 2 } }, SYSTEM_ACTOR);
    const old = await s.segment('cam-c', 3 * 86_400, 1000, 'continuous');
    const young = await s.segment('cam-c', 86_400 + 60, 1000, 'continuous');
    const heldOld = await s.segment('cam-c', 4 * 86_400, 1000, 'continuous');
    await s.index.putHold({ channelId: 'cam-c', fromMs: heldOld.startMs, toMs: heldOld.endMs, incidentId: 'inc-1', reason: 'intrusion' });
    // A channel gone from the registry: its footage ages out by the class default (1 day).
    const orphan = await s.segment('cam-gone', 86_400 + 60, 1000, 'continuous');
    const ev = await s.segment('cam-e', 120, 1000, 'events');
    const ring = await s.segment('cam-e', 5, 1000, 'events');
    const evHeld = await s.segment('cam-e', 200, 1000, 'events');
    await s.index.putHold({ channelId: 'cam-e', fromMs: evHeld.startMs + 1000, toMs: evHeld.startMs + 2000, incidentId: 'inc-2', reason: 'intrusion' });
    const report = await s.channels.sweep();
    assert.ok(report);
    assert.equal(existsSync(old.file), false, 'older than the channel\'s 2 days');
    assert.equal(existsSync(young.file), true, 'within the channel\'s 2 days (the class default is 1)');
    assert.equal(existsSync(heldOld.file), true, 'held');
    assert.equal(existsSync(orphan.file), false);
    assert.equal(existsSync(ev.file), false, 'out of the ring');
    assert.equal(existsSync(ring.file), true, 'in the ring');
    assert.equal(existsSync(evHeld.file), true, 'held events footage');
    const { segments } = await s.index.segments('cam-c', 0, Date.now());
    assert.deepEqual(segments.map((x) => x.startMs), [heldOld.startMs, young.startMs], 'rows follow the files');
    assert.deepEqual(s.raised, [], 'no budget problem');
  } finally {
    await s.close();
  }
});

test('disk budget: oldest continuous first, then oldest events, never held; held footage alone over the budget raises storage_low once', async () => {
  const s = await setup(config({ disk: { maxBytes: 10 * MB, keepFreeBytes: 0 } }), () => ({ totalBytes: 1000 * MB, freeBytes: 500 * MB }));
  try {
    const c1 = await s.segment('cam-a', 500, 3 * MB, 'continuous');
    const c2 = await s.segment('cam-a', 400, 3 * MB, 'continuous');
    // Events footage a closed incident covered: kept by retention (events days), but no longer protected from the budget.
    const e1 = await s.segment('cam-b', 450, 3 * MB, 'events');
    await s.index.putHold({ channelId: 'cam-b', fromMs: e1.startMs, toMs: e1.endMs, incidentId: 'inc-closed', reason: 'intrusion' });
    await s.index.releaseHolds('inc-closed', Date.now() - 1);
    const held = await s.segment('cam-b', 600, 3 * MB, 'events');
    await s.index.putHold({ channelId: 'cam-b', fromMs: held.startMs, toMs: held.endMs, incidentId: 'inc-3', reason: 'intrusion' });
    const c3 = await s.segment('cam-a', 300, 3 * MB, 'continuous');
    // 15 MB against 10: the two oldest continuous go (6 MB), not the events or the held.
    await s.channels.sweep();
    assert.deepEqual([c1, c2, c3, e1, held].map((x) => existsSync(x.file)), [false, false, true, true, true]);
    // Over again with newer continuous footage held: the unheld continuous (c3) first, then the oldest events (e1).
    const c4 = await s.segment('cam-a', 200, 3 * MB, 'continuous');
    const c5 = await s.segment('cam-a', 100, 3 * MB, 'continuous');
    for (const [i, x] of [c4, c5].entries()) await s.index.putHold({ channelId: 'cam-a', fromMs: x.startMs, toMs: x.endMs, incidentId: `inc-h${i}`, reason: 'intrusion' });
    await s.channels.sweep();
    assert.deepEqual([c3, c4, c5, e1, held].map((x) => existsSync(x.file)), [false, true, true, false, true]);
    assert.deepEqual(s.raised, []);

    // Held footage alone over the budget: nothing more is deleted, one storage_low with the figures.
    const h2 = await s.segment('cam-b', 50, 3 * MB, 'events');
    await s.index.putHold({ channelId: 'cam-b', fromMs: h2.startMs, toMs: h2.endMs, incidentId: 'inc-h9', reason: 'intrusion' });
    const report = await s.channels.sweep();
    assert.ok(report && report.overBytes > 0, JSON.stringify(report));
    await s.channels.sweep();
    assert.ok([c4, c5, held, h2].every((x) => existsSync(x.file)), 'held footage is never deleted');
    assert.equal(s.raised.length, 1, 'raised once');
    const [alarm] = s.raised as Array<{ type: string; evidence: { usedBytes: number; heldBytes: number; budgetBytes: number; titleMessage: { code: string } } }>;
    assert.equal(alarm!.type, 'storage_low');
    assert.equal(alarm!.evidence.usedBytes, 12 * MB);
    assert.equal(alarm!.evidence.heldBytes, 12 * MB);
    assert.equal(alarm!.evidence.budgetBytes, 10 * MB);
    assert.equal(alarm!.evidence.titleMessage.code, 'storage_low_title');
  } finally {
    await s.close();
  }
});

test('disk budget by free space: keepFreeBytes under the free space deletes the oldest until enough is free', async () => {
  let free = 20 * MB;
  const s = await setup(config({ disk: { maxBytes: null, keepFreeBytes: 25 * MB } }), () => ({ totalBytes: 100 * MB, freeBytes: free }));
  try {
    const a = await s.segment('cam-a', 300, 4 * MB, 'continuous');
    const b = await s.segment('cam-a', 200, 4 * MB, 'continuous');
    const c = await s.segment('cam-a', 100, 4 * MB, 'continuous');
    // Each deletion frees its bytes on this pretend disk.
    const realRm = s.index.deleteSegments.bind(s.index);
    s.index.deleteSegments = async (refs) => {
      free += 4 * MB * refs.length;
      return realRm(refs);
    };
    await s.channels.sweep();
    assert.deepEqual([a, b, c].map((x) => existsSync(x.file)), [false, false, true], '5 MB short: two 4 MB segments');
  } finally {
    await s.close();
  }
});

test('held footage over the budget pauses continuous recording on the largest channel (its new segments kept as events), said in its status; back within the budget it records again and storage_low clears', async () => {
  const s = await setup(config({ disk: { maxBytes: 10 * MB, keepFreeBytes: 0 } }), () => ({ totalBytes: 1000 * MB, freeBytes: 500 * MB }));
  try {
    for (const id of ['cam-big', 'cam-small']) {
      await s.registry.create('channels', { id, name: id, kind: 'rtsp', source: { url: 'rtsp://127.0.0.1/x' }, recording: { mode: 'continuous' } }, SYSTEM_ACTOR);
      assert.ok(s.channels.wants((await s.registry.getStored('channels', id))!), 'records');
    }
    const big = [await s.segment('cam-big', 300, 5 * MB, 'continuous'), await s.segment('cam-big', 200, 5 * MB, 'continuous')];
    const small = await s.segment('cam-small', 250, 2 * MB, 'continuous');
    for (const [i, x] of [...big, small].entries()) await s.index.putHold({ channelId: i < 2 ? 'cam-big' : 'cam-small', fromMs: x.startMs, toMs: x.endMs, incidentId: `inc-${i}`, reason: 'intrusion' });
    await s.channels.sweep();
    assert.equal(s.channels.status('cam-big')?.state, 'paused');
    assert.equal(s.channels.status('cam-big')?.reasonCode, 'storage_budget');
    assert.equal(s.channels.status('cam-small')?.state, 'recording', 'only the largest');
    assert.equal(s.channels.classOf('cam-big'), 'events', 'new footage only where incidents hold it');
    assert.equal(s.channels.classOf('cam-small'), 'continuous');
    assert.equal(s.raised.length, 1);
    assert.deepEqual((s.raised[0] as { evidence: { channels: string[] } }).evidence.channels, ['cam-big']);

    // The incidents close: their footage is no longer held, the budget deletes it, recording resumes, the alarm clears.
    for (let i = 0; i < 3; i++) await s.index.releaseHolds(`inc-${i}`, Date.now() - 1);
    await s.channels.sweep();
    await s.channels.sweep();
    assert.equal(s.channels.status('cam-big')?.state, 'recording');
    assert.equal(s.channels.classOf('cam-big'), 'continuous');
    assert.equal(s.raised.length, 2);
    assert.equal((s.raised[1] as { clear?: boolean }).clear, true);
  } finally {
    await s.close();
  }
});
