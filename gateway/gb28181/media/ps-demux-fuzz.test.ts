// Fuzz: real program streams (ffmpeg -f vob and -f mpeg) with random
// corruption, truncation, insertion and replay in their first 60 %, pushed
// in random pieces. Nothing may escape PsDemuxer, and once the damage is
// behind it, it must emit the same frames as from the clean stream.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { PsDemuxer, type AccessUnit } from './ps-demux.ts';
import { clip } from './test-clips.ts';
import { prng, type Random } from './test-random.ts';

const CASES = 2000;
const TAIL_FRAMES = 12; // the last ~0.5 s, well after the damaged part

function demux(stream: Buffer, rnd?: Random): { units: AccessUnit[]; demuxer: PsDemuxer } {
  const demuxer = new PsDemuxer();
  const units: AccessUnit[] = [];
  for (let at = 0; at < stream.length; ) {
    const size = rnd ? 1 + rnd.int(rnd.int(2) ? 64 : 4000) : 1400;
    units.push(...demuxer.push(stream.subarray(at, at + size)));
    at += size;
  }
  units.push(...demuxer.flush());
  return { units, demuxer };
}

function damage(src: Buffer, rnd: Random): Buffer {
  let buf = Buffer.from(src);
  const limit = () => Math.floor(buf.length * 0.6);
  for (let m = 1 + rnd.int(3); m > 0; m--) {
    const at = rnd.int(limit());
    const len = 1 + rnd.int(3000);
    switch (rnd.int(6)) {
      case 0: // bit rot
        for (let k = 1 + rnd.int(16); k > 0; k--) {
          const i = at + rnd.int(200);
          buf[i] = buf[i]! ^ (1 << rnd.int(8));
        }
        break;
      case 1: // lost bytes (a lost RTP packet, a truncated read)
        buf = Buffer.concat([buf.subarray(0, at), buf.subarray(Math.min(at + len, limit()))]);
        break;
      case 2: // garbage inserted
        buf = Buffer.concat([buf.subarray(0, at), rnd.bytes(len), buf.subarray(at)]);
        break;
      case 3: // a fake start code with a random header
        buf = Buffer.concat([buf.subarray(0, at), Buffer.from([0, 0, 1, [0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xe0, 0xc0, 0xe2][rnd.int(8)]!]), rnd.bytes(rnd.int(24)), buf.subarray(at)]);
        break;
      case 4: // zeroed range
        buf.fill(0, at, Math.min(at + len, limit()));
        break;
      default: // replayed range (duplicated RTP packets)
        buf = Buffer.concat([buf.subarray(0, at + len), buf.subarray(at, at + len), buf.subarray(at + len)]);
    }
  }
  return buf;
}

const signature = (u: AccessUnit) => `${u.kind}/${u.pts}/${u.kind === 'video' ? u.keyframe : ''}/${u.data.toString('base64')}`;

describe('PsDemuxer fuzz', () => {
  for (const name of ['h264.vob', 'h264.mpg'] as const) {
    it(`${name}: ${CASES / 2} damaged copies; no exception, recovery after the damage`, () => {
      const clean = readFileSync(clip(name));
      const expectedTail = demux(clean).units.slice(-TAIL_FRAMES).map(signature);
      const rnd = prng(name === 'h264.vob' ? 1 : 2);
      let errors = 0;
      for (let n = 0; n < CASES / 2; n++) {
        const broken = damage(clean, rnd);
        let result: ReturnType<typeof demux>;
        try {
          result = demux(broken, rnd);
        } catch (err) {
          assert.fail(`case ${n}: ${(err as Error).stack}`);
        }
        const tail = result.units.slice(-TAIL_FRAMES).map(signature);
        assert.deepEqual(tail, expectedTail, `case ${n}: frames after the damage differ`);
        const s = result.demuxer.stats;
        assert.ok(Object.values(s).every((v) => Number.isInteger(v) && v >= 0), JSON.stringify(s));
        errors += s.errors;
      }
      assert.ok(errors > CASES / 4, `damage should be noticed (${errors} errors)`);
    });
  }

  it('random bytes alone: nothing escapes, nothing is emitted that is not a unit', () => {
    const rnd = prng(3);
    for (let n = 0; n < 300; n++) {
      const d = new PsDemuxer();
      const junk = rnd.bytes(1 + rnd.int(5000));
      // Sprinkle start codes so the header parsers are exercised, not only the scanner.
      for (let k = rnd.int(20); k > 0; k--) junk.set([0, 0, 1, [0xba, 0xbc, 0xe0, 0xc0, 0xbd][rnd.int(5)]!], rnd.int(Math.max(1, junk.length - 4)));
      const units = [...d.push(Buffer.concat([Buffer.from([0, 0, 1, 0xba, 0x44, 0, 4, 0, 4, 1, 0, 0, 3, 0xf8]), junk])), ...d.flush()];
      assert.ok(units.every((u) => u.kind === 'video' || u.kind === 'audio'));
    }
  });
});
