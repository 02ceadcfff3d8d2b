// FLV → Annex-B access units: tags cut anywhere, AVC and HEVC (legacy codec
// id 12 and enhanced `hvc1`), parameter sets before keyframes that lack them
// (and not doubled where the frame has its own), composition time, and
// frames that cannot be trusted dropped rather than passed on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prng } from '../media/test-random.ts';
import { FlvError, FlvTagReader } from './flv-tags.ts';
import { FlvVideoUnpacker, type EsFrame } from './flv-video.ts';
import { annexB, flvHeader, flvTag, frameTag, HPPS, HSPS, PPS, sequenceHeader, slice, SPS, VPS, type FlvStyle } from './test-flv.ts';

function unpack(stream: Buffer, chunk: number): { frames: EsFrame[]; unpacker: FlvVideoUnpacker } {
  const reader = new FlvTagReader();
  const unpacker = new FlvVideoUnpacker();
  const frames: EsFrame[] = [];
  for (let at = 0; at < stream.length; at += chunk) {
    for (const tag of reader.push(stream.subarray(at, at + chunk))) {
      if (tag.type !== 9) continue;
      const f = unpacker.push(tag.data, tag.timestamp);
      if (f) frames.push(f);
    }
  }
  return { frames, unpacker };
}

describe('FLV video → Annex B', () => {
  for (const style of ['avc', 'hevc-legacy', 'hevc-enhanced'] as FlvStyle[]) {
    it(`${style}: every frame, parameter sets on keyframes, times, for any chunking`, () => {
      const codec = style === 'avc' ? 'h264' : 'h265';
      const sets = codec === 'h264' ? [SPS, PPS] : [VPS, HSPS, HPPS];
      const script = flvTag(18, 0, Buffer.from([2, 0, 10, ...Buffer.from('onMetaData')]));
      const audio = flvTag(8, 0, Buffer.from([0xaf, 1, 1, 2, 3]));
      const tags = [flvHeader(), script, flvTag(9, 0, sequenceHeader(style)), audio];
      const expected: Array<Partial<EsFrame>> = [];
      for (let i = 0; i < 30; i++) {
        const key = i % 10 === 0;
        const ts = 2 ** 24 - 400 + i * 40; // crosses into the timestamp's extension byte
        tags.push(flvTag(9, ts, frameTag(style, key, [slice(codec, key, i)], style === 'hevc-enhanced' ? 80 : 40)));
        expected.push({ codec, keyframe: key, dtsMs: ts, ptsMs: ts + (style === 'hevc-enhanced' ? 80 : 40), data: annexB([...(key ? sets : []), slice(codec, key, i)]) });
      }
      const stream = Buffer.concat(tags);
      for (const chunk of [1, 7, 1000, stream.length]) {
        const { frames, unpacker } = unpack(stream, chunk);
        assert.deepEqual(frames, expected, `chunk ${chunk}`);
        assert.equal(unpacker.dropped, 0);
      }
    });
  }

  it('a keyframe carrying its own parameter sets gets none added', () => {
    const u = new FlvVideoUnpacker();
    u.push(sequenceHeader('avc'), 0);
    const inBand = [SPS, PPS, slice('h264', true, 0)];
    assert.deepEqual(u.push(frameTag('avc', true, inBand), 0)?.data, annexB(inBand));
  });

  it('frames before any sequence header are read with 4-byte lengths; frames whose lengths run past the tag are dropped and counted', () => {
    const u = new FlvVideoUnpacker();
    const inBand = [SPS, PPS, slice('h264', true, 0)];
    assert.deepEqual(u.push(frameTag('avc', true, inBand), 0), { codec: 'h264', data: annexB(inBand), keyframe: true, dtsMs: 0, ptsMs: 0 });
    u.push(sequenceHeader('avc'), 0);
    assert.equal(u.push(frameTag('hevc-legacy', true, [slice('h265', true, 0)]), 0), undefined); // another codec, unconfigured
    const bad = frameTag('avc', false, [slice('h264', false, 1)]);
    bad.writeUInt32BE(5000, 5); // the NAL length
    assert.equal(u.push(bad, 40), undefined);
    assert.equal(u.dropped, 2);
    assert.equal(u.push(sequenceHeader('hevc-legacy').subarray(0, 10), 0), undefined); // truncated record
    assert.equal(u.codec, 'h264');
  });

  it('a stream that is not FLV, or an absurd tag size, fails cleanly', () => {
    assert.throws(() => new FlvTagReader().push(Buffer.from('HTTP/1.1 200 OK\r\n\r\n')), FlvError);
    const huge = Buffer.concat([flvHeader(), Buffer.from([9, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0])]);
    const r = new FlvTagReader();
    assert.throws(() => r.push(Buffer.concat([huge, Buffer.alloc(1)])), FlvError);
  });
});

describe('FLV reading fuzzed', () => {
  it('damaged streams: only FlvError from the tag reader, never a throw from the unpacker, every frame it gives well formed', () => {
    const rnd = prng(2206);
    const tags = [flvHeader(), flvTag(9, 0, sequenceHeader('avc'))];
    for (let i = 0; i < 40; i++) tags.push(flvTag(9, i * 40, frameTag('avc', i % 10 === 0, [slice('h264', i % 10 === 0, i, 50 + rnd.int(3000))])));
    const clean = Buffer.concat(tags);
    for (let round = 0; round < 300; round++) {
      const damaged = Buffer.from(clean);
      for (let k = 1 + rnd.int(8); k > 0; k--) damaged[13 + rnd.int(damaged.length - 13)] = rnd.int(256);
      const stream = round % 10 === 0 ? Buffer.concat([flvHeader(), rnd.bytes(5000)]) : damaged;
      const reader = new FlvTagReader();
      const unpacker = new FlvVideoUnpacker();
      try {
        for (let at = 0, size = 0; at < stream.length; at += size) {
          size = 1 + rnd.int(4000);
          for (const tag of reader.push(stream.subarray(at, at + size))) {
            const f = unpacker.push(tag.data, tag.timestamp);
            if (f) assert.ok(f.data.readUInt32BE(0) === 1 && f.data.length > 4, `round ${round}`);
          }
        }
      } catch (err) {
        assert.ok(err instanceof FlvError, `round ${round}: ${String(err)}`);
      }
    }
  });
});
