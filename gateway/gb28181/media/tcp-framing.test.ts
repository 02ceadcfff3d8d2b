// RFC 4571 framer: every split point, limits, and a fuzz run.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MediaError } from './errors.ts';
import { Rfc4571Framer, frameRfc4571 } from './tcp-framing.ts';
import { prng } from './test-random.ts';

const isBadLength = (err: unknown) => err instanceof MediaError && err.code === 'MEDIA_FRAME_BAD_LENGTH';

describe('Rfc4571Framer', () => {
  const packets = [Buffer.alloc(12, 1), Buffer.alloc(300, 2), Buffer.alloc(1400, 3), Buffer.alloc(13, 4)];
  const stream = Buffer.concat(packets.map(frameRfc4571));

  it('returns the same frames wherever the stream is split (every byte, two and three pieces)', () => {
    for (let a = 0; a <= stream.length; a++) {
      const b = Math.min(stream.length, a + ((a * 7) % 40));
      const framer = new Rfc4571Framer();
      const frames = [stream.subarray(0, a), stream.subarray(a, b), stream.subarray(b)].flatMap((c) => framer.push(c));
      assert.deepEqual(frames, packets, `split at ${a}/${b}`);
      assert.equal(framer.buffered, 0);
    }
  });

  it('returns frames fed one byte at a time', () => {
    const framer = new Rfc4571Framer();
    assert.deepEqual([...stream].flatMap((byte) => framer.push(Buffer.from([byte]))), packets);
  });

  it('fails on a length under the minimum or over the maximum, and stays failed', () => {
    const framer = new Rfc4571Framer({ maxFrameSize: 1500 });
    assert.deepEqual(framer.push(frameRfc4571(Buffer.alloc(20))), [Buffer.alloc(20)]);
    assert.throws(() => framer.push(Buffer.from([0x05, 0xdd])), isBadLength); // 1501
    assert.throws(() => framer.push(frameRfc4571(Buffer.alloc(20))), isBadLength);
    assert.throws(() => new Rfc4571Framer().push(Buffer.from([0x00, 0x00])), isBadLength);
    assert.throws(() => new Rfc4571Framer().push(Buffer.from([0x00, 0x0b])), isBadLength); // 11 < RTP header
  });

  it('keeps a held partial frame independent of the caller reusing its buffer', () => {
    const framer = new Rfc4571Framer();
    const chunk = Buffer.from(frameRfc4571(Buffer.alloc(20, 9)).subarray(0, 10));
    framer.push(chunk);
    chunk.fill(0);
    assert.deepEqual(framer.push(Buffer.alloc(12, 9)), [Buffer.alloc(20, 9)]);
  });

  it('frameRfc4571 refuses a packet over 65535 bytes', () => {
    assert.throws(() => frameRfc4571(Buffer.alloc(65536)), isBadLength);
  });

  it('fuzz: random streams throw only MediaError; valid prefixes come out intact (3,000 cases)', () => {
    const rnd = prng(28181);
    for (let n = 0; n < 3000; n++) {
      const framer = new Rfc4571Framer({ maxFrameSize: 1 + rnd.int(4000) });
      const good = Array.from({ length: rnd.int(5) }, () => rnd.bytes(12 + rnd.int(100)));
      const data = Buffer.concat([...good.map(frameRfc4571), rnd.bytes(rnd.int(200))]);
      const frames: Buffer[] = [];
      let failed = false;
      try {
        for (let at = 0; at < data.length; ) {
          const size = 1 + rnd.int(64);
          frames.push(...framer.push(data.subarray(at, at + size)));
          at += size;
        }
      } catch (err) {
        assert.ok(err instanceof MediaError, String(err));
        failed = true;
      }
      // Frames of the chunk that hit a bad length are dropped with it; the ones before are intact.
      const max = (framer as unknown as { max: number }).max;
      const fitting = good.findIndex((g) => g.length > max);
      const expected = fitting < 0 ? good : good.slice(0, fitting);
      assert.deepEqual(frames.slice(0, Math.min(frames.length, expected.length)), expected.slice(0, frames.length));
      if (!failed) assert.deepEqual(frames.slice(0, expected.length), expected);
    }
  });
});
