// RtpReorderBuffer: order, 16-bit wrap, loss by count and by time,
// duplicates, late packets, restarts and SSRC changes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RtpReorderBuffer, seqDelta, type ReorderOptions } from './reorder.ts';
import { prng } from './test-random.ts';

interface P {
  seq: number;
  ssrc?: number;
}
const p = (seq: number, ssrc?: number): P => (ssrc === undefined ? { seq } : { seq, ssrc });
const seqs = (list: P[]) => list.map((x) => x.seq);
/** Releases from the first packet on, so each test sees the mechanics it is about. */
const make = (options: ReorderOptions = {}): RtpReorderBuffer<P> => new RtpReorderBuffer<P>({ startPackets: 1, ...options });

describe('seqDelta', () => {
  it('measures across the wrap', () => {
    assert.equal(seqDelta(0, 65535), 1);
    assert.equal(seqDelta(65535, 0), -1);
    assert.equal(seqDelta(100, 65500), 136);
    assert.equal(seqDelta(5, 5), 0);
  });
});

describe('RtpReorderBuffer', () => {
  it('passes an in-order stream straight through, across 65535 → 0', () => {
    const buf = make();
    const out = [65533, 65534, 65535, 0, 1, 2].flatMap((s) => buf.push(p(s), 0));
    assert.deepEqual(seqs(out), [65533, 65534, 65535, 0, 1, 2]);
    assert.equal(buf.stats.lost + buf.stats.reordered + buf.stats.late, 0);
  });

  it('restores order within the window across the wrap', () => {
    const buf = make();
    const arrival = [65534, 0, 65535, 2, 1, 3];
    const out = arrival.flatMap((s) => buf.push(p(s), 0));
    assert.deepEqual(seqs(out), [65534, 65535, 0, 1, 2, 3]);
    assert.equal(buf.stats.reordered, 2);
    assert.equal(buf.stats.lost, 0);
  });

  it('declares a gap lost when too many packets wait behind it', () => {
    const buf = make({ maxPackets: 3, maxWaitMs: 1e9 });
    assert.deepEqual(seqs([10, 12, 13, 14].flatMap((s) => buf.push(p(s), 0))), [10]);
    assert.deepEqual(seqs(buf.push(p(15), 0)), [12, 13, 14, 15]);
    assert.equal(buf.stats.lost, 1);
    assert.deepEqual(seqs(buf.push(p(11), 0)), []); // too late now
    assert.equal(buf.stats.late, 1);
  });

  it('declares a gap lost after maxWaitMs, on push or on poll', () => {
    const buf = make({ maxWaitMs: 100 });
    buf.push(p(1), 0);
    assert.deepEqual(seqs(buf.push(p(3), 10)), []);
    assert.equal(buf.nextDeadline(50), 60);
    assert.deepEqual(seqs(buf.poll(109)), []);
    assert.deepEqual(seqs(buf.poll(110)), [3]);
    assert.equal(buf.stats.lost, 1);
    assert.equal(buf.nextDeadline(110), undefined);
    buf.push(p(6), 200);
    assert.deepEqual(seqs(buf.push(p(7), 400)), [6, 7]); // the push itself expires the old gap
    assert.equal(buf.stats.lost, 3);
  });

  it('drops duplicates, whether still held or already released', () => {
    const buf = make();
    const out = [1, 3, 3, 2, 2, 1].flatMap((s) => buf.push(p(s), 0));
    assert.deepEqual(seqs(out), [1, 2, 3]);
    assert.equal(buf.stats.duplicate, 3);
    assert.equal(buf.stats.late, 0);
  });

  it('follows a sequence restart once a second packet confirms it, and ignores a lone stray', () => {
    const buf = make();
    [100, 101, 102].forEach((s) => buf.push(p(s), 0));
    assert.deepEqual(seqs(buf.push(p(40000), 0)), []); // stray: on probation
    assert.deepEqual(seqs(buf.push(p(103), 0)), [103]);
    assert.equal(buf.stats.discarded, 1);
    assert.deepEqual(seqs(buf.push(p(20000), 0)), []); // device restarted at 20000
    assert.deepEqual(seqs(buf.push(p(20001), 0)), [20000, 20001]);
    assert.deepEqual(seqs(buf.push(p(20002), 0)), [20002]);
    assert.equal(buf.stats.resyncs, 1);
  });

  it('follows a restart just behind the current position after a run of late packets', () => {
    const buf = make();
    [100, 101, 102].forEach((s) => buf.push(p(s), 0));
    const out = [50, 51, 52, 53, 54, 55, 56].flatMap((s) => buf.push(p(s), 0));
    assert.deepEqual(seqs(out), []);
    assert.deepEqual(seqs(buf.push(p(57), 0)), [50, 51, 52, 53, 54, 55, 56, 57]);
    assert.deepEqual(seqs(buf.push(p(58), 0)), [58]);
    assert.equal(buf.stats.resyncs, 1);
    assert.equal(buf.stats.late, 0);
  });

  it('starts over on an SSRC change, releasing what it held', () => {
    const buf = make();
    buf.push(p(1, 0xaa), 0);
    buf.push(p(3, 0xaa), 0);
    assert.deepEqual(seqs(buf.push(p(500, 0xbb), 0)), [3, 500]);
    assert.equal(buf.stats.resyncs, 1);
    assert.deepEqual(seqs(buf.push(p(501, 0xbb), 0)), [501]);
  });

  it('collects the first packets before releasing, so a first packet overtaken on the way is not late', () => {
    const buf = new RtpReorderBuffer<P>({ startPackets: 4, maxWaitMs: 100 });
    assert.deepEqual(seqs([12, 11, 13].flatMap((s) => buf.push(p(s), 0))), []);
    assert.deepEqual(seqs(buf.push(p(10), 0)), [10, 11, 12, 13]);
    assert.equal(buf.stats.late, 0);
    const slow = new RtpReorderBuffer<P>({ startPackets: 4, maxWaitMs: 100 });
    slow.push(p(500), 0);
    assert.equal(slow.nextDeadline(40), 60);
    assert.deepEqual(seqs(slow.poll(100)), [500]); // a slow stream waits at most maxWaitMs
  });

  it('flush releases everything held in order', () => {
    const buf = make();
    [1, 4, 3, 6].forEach((s) => buf.push(p(s), 0));
    assert.deepEqual(seqs(buf.flush()), [3, 4, 6]);
    assert.equal(buf.stats.lost, 2);
  });

  it('restores a stream shuffled within the window, with duplicates, across the wrap', () => {
    const rnd = prng(96);
    const sent = Array.from({ length: 5000 }, (_, i) => (65000 + i) & 0xffff);
    const arrival: number[] = [];
    for (let i = 0; i < sent.length; i += 16) arrival.push(...rnd.shuffle(sent.slice(i, i + 16)));
    for (let k = 0; k < 200; k++) {
      const at = rnd.int(arrival.length - 40);
      arrival.splice(at + rnd.int(20), 0, arrival[at]!); // a duplicate arriving shortly after the original
    }
    const buf = new RtpReorderBuffer<P>({ maxPackets: 32, startPackets: 16 }) // disorder up to 16 deep, from the first packet on;
    const out = [...arrival.flatMap((s) => buf.push(p(s), 0)), ...buf.flush()];
    assert.deepEqual(seqs(out), sent);
    assert.equal(buf.stats.lost, 0);
    assert.equal(buf.stats.duplicate, 200);
  });
});
