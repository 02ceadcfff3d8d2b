// What every recording index does, on SQLite and PostgreSQL (recording-index.test.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { freshStoreFor, type Opened } from '../../../test/helpers/store-contract.ts';
import type { RecordingIndex, Segment, SegmentClass } from './recording-index.ts';

const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);
const seg = (channelId: string, startS: number, lenS: number, cls: SegmentClass = 'continuous', nodeId = 'n1'): Segment => ({
  channelId, startMs: T0 + startS * 1000, endMs: T0 + (startS + lenS) * 1000, bytes: lenS * 1000, nodeId, keyframeFirst: true, class: cls, source: 'gateway',
  path: `${channelId}/2026-01-05/${T0 + startS * 1000}.ts`,
});
const starts = (list: Segment[]) => list.map((s) => (s.startMs - T0) / 1000);

export function recordingIndexContract(name: string, open: () => Promise<Opened<RecordingIndex>>): void {
  const fresh = freshStoreFor(open);
  describe(`recording index contract: ${name}`, () => {
    test('segments of a range come back oldest first, with the gaps between them; an empty range is empty', fresh(async (index) => {
      for (const s of [seg('cam-a', 20, 10), seg('cam-a', 0, 10), seg('cam-a', 10, 10), seg('cam-a', 60, 10), seg('cam-b', 0, 10)]) await index.addSegment(s);
      const got = await index.segments('cam-a', T0 + 5000, T0 + 65_000);
      assert.deepEqual(starts(got.segments), [0, 10, 20, 60]);
      assert.deepEqual(got.gaps, [{ startMs: T0 + 30_000, endMs: T0 + 60_000 }]);
      assert.deepEqual(got.segments[0], seg('cam-a', 0, 10), 'every field round-trips');
      assert.deepEqual(await index.segments('cam-a', T0 + 100_000, T0 + 200_000), { segments: [], gaps: [] });
      assert.equal(await index.lastEnd('cam-a'), T0 + 70_000);
      assert.equal(await index.lastEnd('cam-none'), undefined);
      assert.deepEqual((await index.channels('n1')).sort(), ['cam-a', 'cam-b']);
    }));

    test('the same channel and start replaces the row; delete removes by reference', fresh(async (index) => {
      await index.addSegment(seg('cam-a', 0, 5));
      await index.addSegment({ ...seg('cam-a', 0, 10), bytes: 1234 });
      const [only] = (await index.segmentsOf('cam-a', 'n1'));
      assert.equal(only?.bytes, 1234);
      assert.equal(await index.deleteSegments([{ channelId: 'cam-a', startMs: T0 }]), 1);
      assert.deepEqual(await index.segmentsOf('cam-a', 'n1'), []);
    }));

    test('deletable: oldest first, this node only, never what an active hold covers; a released hold stops protecting', fresh(async (index) => {
      for (let i = 0; i < 6; i++) await index.addSegment(seg('cam-a', i * 10, 10));
      await index.addSegment(seg('cam-a', 100, 10, 'continuous', 'n2'));
      await index.putHold({ channelId: 'cam-a', fromMs: T0 + 15_000, toMs: T0 + 22_000, incidentId: 'inc-1', reason: 'intrusion' });
      const now = T0 + 1_000_000;
      const q = { class: 'continuous' as const, nodeId: 'n1', endBefore: now, now, limit: 100 };
      assert.deepEqual(starts(await index.deletable(q)), [0, 30, 40, 50], 'the held 10–20 and 20–30 stay');
      assert.deepEqual(starts(await index.deletable({ ...q, limit: 2 })), [0, 30]);
      assert.deepEqual(starts(await index.deletable({ ...q, endBefore: T0 + 35_000 })), [0]);
      assert.equal(await index.isHeld('cam-a', T0 + 10_000, T0 + 16_000, now), true);
      assert.equal(await index.isHeld('cam-a', T0 + 30_000, T0 + 40_000, now), false);
      const totals = await index.totals('n1', now);
      assert.deepEqual(totals, { continuous: { segments: 6, bytes: 60_000 }, events: { segments: 0, bytes: 0 }, heldBytes: 20_000 });
      assert.equal(await index.releaseHolds('inc-1', now + 10), 1);
      assert.equal((await index.deletable(q)).length, 4, 'held until the release time');
      assert.equal((await index.deletable({ ...q, now: now + 11 })).length, 6, 'then deletable');
      assert.equal((await index.totals('n1', now + 11)).heldBytes, 0);
    }));

    test('events: footage a released hold covered is kept from keepCoveredFrom on; purged holds protect nothing', fresh(async (index) => {
      for (let i = 0; i < 4; i++) await index.addSegment(seg('cam-e', i * 10, 10, 'events'));
      await index.putHold({ channelId: 'cam-e', fromMs: T0 + 12_000, toMs: T0 + 18_000, incidentId: 'inc-2', reason: 'intrusion' });
      await index.releaseHolds('inc-2', T0);
      const now = T0 + 1_000_000;
      const q = { class: 'events' as const, nodeId: 'n1', endBefore: now, now, limit: 100 };
      assert.deepEqual(starts(await index.deletable({ ...q, keepCoveredFrom: T0 })), [0, 20, 30]);
      assert.deepEqual(starts(await index.deletable({ ...q, keepCoveredFrom: T0 + 50_000 })), [0, 10, 20, 30], 'older than the events retention');
      assert.equal(await index.purgeHolds(T0 + 1), 1);
      assert.deepEqual(await index.holds('cam-e', T0, now), []);
    }));

    test('a hold is widened by repeats of its incident, and listed by range', fresh(async (index) => {
      await index.putHold({ channelId: 'cam-a', fromMs: T0 + 10_000, toMs: T0 + 30_000, incidentId: 'inc-3', reason: 'intrusion' });
      await index.putHold({ channelId: 'cam-a', fromMs: T0 + 20_000, toMs: T0 + 50_000, incidentId: 'inc-3', reason: 'intrusion' });
      await index.putHold({ channelId: 'cam-a', fromMs: T0 + 5000, toMs: T0 + 15_000, incidentId: 'inc-3', reason: 'intrusion' });
      const holds = await index.holds('cam-a', T0, T0 + 100_000);
      assert.deepEqual(holds, [{ channelId: 'cam-a', fromMs: T0 + 5000, toMs: T0 + 50_000, incidentId: 'inc-3', reason: 'intrusion', releaseAt: null }]);
      assert.deepEqual(await index.holds('cam-a', T0 + 60_000, T0 + 100_000), []);
    }));
  });
}
