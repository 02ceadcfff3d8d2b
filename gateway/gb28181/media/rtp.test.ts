// RTP parse/build vectors (RFC 3550 §5.1, §5.3.1) and a fuzz run: parseRtp
// throws only MediaError, and what it returns stays inside the input.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MediaError } from './errors.ts';
import { buildRtp, parseRtp } from './rtp.ts';
import { prng } from './test-random.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('parseRtp', () => {
  it('reads a plain header', () => {
    const p = parseRtp(hex('80 e0 ff ff 00 01 5f 90 12 34 56 78 aa bb cc'));
    assert.deepEqual(
      { ...p, payload: p.payload.toString('hex') },
      { marker: true, payloadType: 96, seq: 65535, timestamp: 90000, ssrc: 0x12345678, csrc: [], padding: 0, payload: 'aabbcc' },
    );
  });

  it('skips the CSRC list, the header extension and the padding', () => {
    // V=2 P=1 X=1 CC=2; extension profile 0xBEDE, 1 word; 3 padding bytes.
    const buf = hex('b2 60 00 07 00 00 00 64 00 00 00 2a  00 00 00 01 00 00 00 02  be de 00 01 11 22 33 44  de ad  00 00 03');
    const p = parseRtp(buf);
    assert.equal(p.marker, false);
    assert.equal(p.payloadType, 96);
    assert.equal(p.seq, 7);
    assert.deepEqual(p.csrc, [1, 2]);
    assert.equal(p.extension?.profile, 0xbede);
    assert.equal(p.extension?.data.toString('hex'), '11223344');
    assert.equal(p.padding, 3);
    assert.equal(p.payload.toString('hex'), 'dead');
  });

  it('accepts an empty payload', () => {
    assert.equal(parseRtp(hex('80 60 00 01 00 00 00 00 00 00 00 01')).payload.length, 0);
  });

  const rejects: Array<[string, string, string]> = [
    ['short', '80 60 00 01 00 00 00 00 00 00 00', 'MEDIA_RTP_TOO_SHORT'],
    ['version 1', '40 60 00 01 00 00 00 00 00 00 00 01', 'MEDIA_RTP_BAD_VERSION'],
    ['version 0 (e.g. an RFC 4571 length read as RTP)', '05 dc 80 60 00 01 00 00 00 00 00 00', 'MEDIA_RTP_BAD_VERSION'],
    ['CSRC list past the end', '83 60 00 01 00 00 00 00 00 00 00 01 00 00 00 01', 'MEDIA_RTP_TOO_SHORT'],
    ['extension header past the end', '90 60 00 01 00 00 00 00 00 00 00 01 be de', 'MEDIA_RTP_BAD_EXTENSION'],
    ['extension data past the end', '90 60 00 01 00 00 00 00 00 00 00 01 be de 00 02 00 00 00 00', 'MEDIA_RTP_BAD_EXTENSION'],
    ['padding count 0', 'a0 60 00 01 00 00 00 00 00 00 00 01 aa 00', 'MEDIA_RTP_BAD_PADDING'],
    ['padding longer than the payload', 'a0 60 00 01 00 00 00 00 00 00 00 01 aa 03', 'MEDIA_RTP_BAD_PADDING'],
  ];
  for (const [name, bytes, code] of rejects) {
    it(`rejects ${name} with ${code}`, () => {
      assert.throws(() => parseRtp(hex(bytes)), (err: unknown) => err instanceof MediaError && err.code === code);
    });
  }
});

describe('buildRtp', () => {
  it('round-trips every field', () => {
    const fields = {
      payloadType: 96, seq: 65535, timestamp: 0xffffffff, ssrc: 0xdeadbeef, marker: true,
      csrc: [7, 8, 9], extension: { profile: 0x1000, data: hex('01020304 05060708') }, padding: 4, payload: Buffer.from('ps data'),
    };
    const p = parseRtp(buildRtp(fields));
    assert.deepEqual({ ...p, payload: p.payload.toString(), extension: { ...p.extension!, data: p.extension!.data.toString('hex') } }, {
      ...fields, payload: 'ps data', extension: { profile: 0x1000, data: '0102030405060708' },
    });
  });

  it('rejects out-of-range fields', () => {
    const base = { payloadType: 96, seq: 0, timestamp: 0, ssrc: 0, payload: Buffer.alloc(0) };
    for (const bad of [{ payloadType: 128 }, { seq: 65536 }, { timestamp: -1 }, { ssrc: 1.5 }, { csrc: new Array(16).fill(0) }, { padding: 256 }, { extension: { profile: 0, data: Buffer.alloc(3) } }]) {
      assert.throws(() => buildRtp({ ...base, ...bad }), (err: unknown) => err instanceof MediaError && err.code === 'MEDIA_RTP_BAD_FIELD');
    }
  });
});

describe('parseRtp fuzz', () => {
  it('throws nothing but MediaError and stays inside the buffer (20,000 cases)', () => {
    const rnd = prng(4571);
    const valid = buildRtp({ payloadType: 96, seq: 1, timestamp: 2, ssrc: 3, csrc: [4], extension: { profile: 5, data: Buffer.alloc(8, 6) }, padding: 2, payload: Buffer.alloc(40, 7) });
    let ok = 0;
    for (let n = 0; n < 20000; n++) {
      let buf: Buffer;
      if (n % 2) {
        buf = Buffer.from(valid.subarray(0, rnd.int(valid.length + 1)));
        for (let k = rnd.int(4); k > 0; k--) if (buf.length) buf[rnd.int(buf.length)] = rnd.int(256);
      } else {
        buf = rnd.bytes(rnd.int(64));
        if (buf.length) buf[0] = (buf[0]! & 0x3f) | 0x80; // mostly version 2, to get past the first check
      }
      try {
        const p = parseRtp(buf);
        ok++;
        assert.ok(p.payload.byteOffset >= buf.byteOffset + 12 && p.payload.byteOffset + p.payload.length <= buf.byteOffset + buf.length);
      } catch (err) {
        assert.ok(err instanceof MediaError, String(err));
      }
    }
    assert.ok(ok > 1000, `only ${ok} parsed`);
  });
});
