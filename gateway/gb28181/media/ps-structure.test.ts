// PsDemuxer on hand-built program streams: the header forms and quirks that
// ffmpeg does not write but cameras do (stuffing, bare pack headers, stream
// maps, unbounded PES, frames over several PES packets, G.711/AAC), and how
// it reacts to broken input.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { VideoAccessUnit } from './access-units.ts';
import { PsDemuxer, type AccessUnit } from './ps-demux.ts';

const fill = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => 0x10 + ((i * 31 + seed) % 0xe0)));
const nal = (header: number[], size: number, seed = 0) => Buffer.concat([Buffer.from([0, 0, 0, 1, ...header]), fill(size, seed)]);

/** Synthetic H.264 frames: SPS+PPS+IDR, or one P slice. Not decodable; structure only. */
const h264 = (i: number, key: boolean, size = 300) =>
  key ? Buffer.concat([nal([0x67, 0x42], 8), nal([0x68, 0xce], 3), nal([0x65, 0x88], size, i)]) : nal([0x41, 0x9a], size, i);
const h265 = (i: number, key: boolean, size = 300) =>
  key ? Buffer.concat([nal([0x40, 0x01], 20), nal([0x42, 0x01], 30), nal([0x44, 0x01], 5), nal([0x26, 0x01, 0xaf], size, i)]) : nal([0x02, 0x01, 0xd0], size, i);

function ts(prefix: number, v: number): Buffer {
  const low = v % 2 ** 30;
  return Buffer.from([(prefix << 4) | ((Math.floor(v / 2 ** 30) & 7) << 1) | 1, (low >>> 22) & 0xff, ((low >>> 14) & 0xfe) | 1, (low >>> 7) & 0xff, ((low << 1) & 0xfe) | 1]);
}
function pack(stuffing = 0): Buffer {
  return Buffer.concat([Buffer.from([0, 0, 1, 0xba, 0x44, 0, 4, 0, 4, 1, 0, 0, 3, 0xf8 | stuffing]), Buffer.alloc(stuffing, 0xff)]);
}
function pes(id: number, payload: Buffer, o: { pts?: number; dts?: number; unbounded?: boolean } = {}): Buffer {
  const stamps = o.pts === undefined ? [] : o.dts === undefined ? [ts(2, o.pts)] : [ts(3, o.pts), ts(1, o.dts)];
  const header = Buffer.concat([Buffer.from([0x80, stamps.length === 2 ? 0xc0 : stamps.length ? 0x80 : 0, stamps.length * 5]), ...stamps]);
  const length = o.unbounded ? 0 : header.length + payload.length;
  return Buffer.concat([Buffer.from([0, 0, 1, id, length >> 8, length & 0xff]), header, payload]);
}
function psm(entries: Array<[type: number, id: number]>): Buffer {
  const body = Buffer.concat([Buffer.from([0xe0, 0xff, 0, 0, 0, entries.length * 4]), ...entries.map(([t, id]) => Buffer.from([t, id, 0, 0])), Buffer.alloc(4)]);
  return Buffer.concat([Buffer.from([0, 0, 1, 0xbc, body.length >> 8, body.length & 0xff]), body]);
}
const skipped = (id: number, n: number) => Buffer.concat([Buffer.from([0, 0, 1, id, n >> 8, n & 0xff]), Buffer.alloc(n, 0xff)]);
const systemHeader = () => Buffer.from([0, 0, 1, 0xbb, 0, 12, 0x80, 0, 1, 4, 0xe1, 0xff, 0xe0, 0xe0, 0xe8, 0xc0, 0xc0, 0x20]);

function run(stream: Buffer, options?: ConstructorParameters<typeof PsDemuxer>[0]) {
  const d = new PsDemuxer(options);
  const units: AccessUnit[] = [];
  for (let at = 0; at < stream.length; at += 997) units.push(...d.push(stream.subarray(at, at + 997)));
  units.push(...d.flush());
  return { d, units, video: units.filter((u): u is VideoAccessUnit => u.kind === 'video'), audio: units.filter((u) => u.kind === 'audio') };
}

describe('PsDemuxer: camera-style streams', () => {
  it('stuffing, system header, stream map, padding/private streams, a frame over several PES packets', () => {
    const frames = [h264(0, true, 150_000), h264(1, false), h264(2, false, 70_000), h264(3, true)];
    const stream = Buffer.concat(
      frames.flatMap((f, i) => {
        const pts = 10_000 + i * 3600;
        const parts = [pack(i % 8), ...(i % 3 === 0 ? [systemHeader(), psm([[0x1b, 0xe0]])] : [])];
        for (let at = 0; at < f.length; at += 60_000) parts.push(pes(0xe0, f.subarray(at, at + 60_000), { pts, dts: pts - 3600 }));
        parts.push(skipped(0xbe, 20), skipped(0xbd, 40)); // padding; Hikvision-style private data
        return parts;
      }),
    );
    const { d, video } = run(stream);
    assert.deepEqual(video.map((u) => u.data), frames);
    assert.deepEqual(video.map((u) => [u.pts, u.dts, u.keyframe]), frames.map((_, i) => [10_000 + i * 3600, 10_000 + (i - 1) * 3600, i % 3 === 0]));
    assert.deepEqual([d.stats.packs, d.stats.errors, d.stats.resyncs, d.stats.droppedBytes], [4, 0, 0, 0]);
  });

  it('bare pack header before the next start code (Hikvision H.265), H.265 from the stream map', () => {
    const frames = [h265(0, true), h265(1, false), h265(2, false)];
    const stream = Buffer.concat(frames.flatMap((f, i) => [Buffer.from([0, 0, 1, 0xba]), psm([[0x24, 0xe0]]), pes(0xe0, f, { pts: i * 3000 })]));
    const { d, video } = run(stream);
    assert.deepEqual(video.map((u) => [u.codec, u.keyframe, u.pts]), [['h265', true, 0], ['h265', false, 3000], ['h265', false, 6000]]);
    assert.deepEqual(video.map((u) => u.data), frames);
    assert.equal(d.stats.errors, 0);
  });

  it('trusts the NAL units over a stream map that calls H.265 data H.264', () => {
    const frames = [h265(0, true), h265(1, false)];
    const { video } = run(Buffer.concat(frames.flatMap((f) => [pack(), psm([[0x1b, 0xe0]]), pes(0xe0, f)])));
    assert.deepEqual(video.map((u) => [u.codec, u.keyframe]), [['h265', true], ['h265', false]]);
  });

  it('PES_packet_length 0: the video payload runs to the next start code', () => {
    const frames = [h264(0, true, 80_000), h264(1, false), h264(2, false)];
    const { d, video } = run(Buffer.concat(frames.flatMap((f, i) => [pack(), pes(0xe0, f, { pts: i * 3600, unbounded: true })])));
    assert.deepEqual(video.map((u) => u.data), frames);
    assert.deepEqual(video.map((u) => u.pts), [0, 3600, 7200]);
    assert.equal(d.stats.errors, 0);
  });

  it('MPEG-1 PES headers: stuffing bytes, STD buffer size, PTS+DTS, and no timestamps', () => {
    const f = [h264(0, true), h264(1, false)];
    const mpeg1 = (payload: Buffer, stamp: Buffer) => {
      const body = Buffer.concat([Buffer.from([0xff, 0xff, 0x60, 0x2e]), stamp, payload]);
      return Buffer.concat([Buffer.from([0, 0, 1, 0xe0, body.length >> 8, body.length & 0xff]), body]);
    };
    const pack1 = Buffer.from([0, 0, 1, 0xba, 0x21, 0, 1, 0, 1, 0x80, 0, 1]);
    const stream = Buffer.concat([pack1, mpeg1(f[0]!, Buffer.concat([ts(3, 2 ** 32 + 5), ts(1, 2 ** 32)])), pack1, mpeg1(f[1]!, Buffer.from([0x0f]))]);
    const { video } = run(stream);
    assert.deepEqual(video.map((u) => [u.pts, u.dts]), [[2 ** 32 + 5, 2 ** 32], [undefined, undefined]]);
    assert.deepEqual(video.map((u) => u.data), f);
  });

  it('G.711 A-law/µ-law per PES packet, AAC per ADTS frame even across PES packets', () => {
    const adts = (n: number) => {
      const len = 7 + n;
      return Buffer.concat([Buffer.from([0xff, 0xf1, 0x4c, 0x80, (len >> 3) & 0xff, ((len & 7) << 5) | 0x1f, 0xfc]), fill(n, n)]);
    };
    const aac = [adts(100), adts(120), adts(90)];
    const aacBytes = Buffer.concat(aac);
    const stream = Buffer.concat([
      pack(), psm([[0x1b, 0xe0], [0x90, 0xc0], [0x91, 0xc1], [0x0f, 0xc2]]),
      pes(0xc0, Buffer.alloc(160, 0xd5), { pts: 100 }), pes(0xc1, Buffer.alloc(160, 0xff), { pts: 200 }),
      pes(0xc2, aacBytes.subarray(0, 150), { pts: 900 }), pes(0xc2, aacBytes.subarray(150), { pts: 4740 }), // frame 3 is the first to start in it
    ]);
    const { audio } = run(stream);
    assert.deepEqual(audio.map((u) => [u.codec, u.pts, u.data.length]), [
      ['g711a', 100, 160], ['g711u', 200, 160],
      ['aac', 900, 107], ['aac', 900 + 1920, 127], ['aac', 4740, 97], // 48 kHz: 1024 samples = 1920 ticks
    ]);
    assert.deepEqual(audio.slice(2).map((u) => u.data), aac);
  });

  it('emits a frame as soon as flush() is called (RTP marker), otherwise when the next one starts', () => {
    const d = new PsDemuxer();
    const first = Buffer.concat([pack(), pes(0xe0, h264(0, true), { pts: 0 })]);
    assert.deepEqual(d.push(first), []); // the frame might continue: held
    assert.equal(d.flush().length, 1);
    assert.equal(d.push(Buffer.concat([pack(), pes(0xe0, h264(1, false), { pts: 3600 })])).length, 0);
    const third = d.push(Buffer.concat([pack(), pes(0xe0, h264(2, false), { pts: 7200 })]));
    assert.deepEqual(third.map((u) => u.pts), [3600]);
  });
});

describe('PsDemuxer: broken input', () => {
  const frames = Array.from({ length: 6 }, (_, i) => h264(i, i === 0 || i === 3));
  const packets = frames.map((f, i) => Buffer.concat([pack(2), pes(0xe0, f, { pts: i * 3600 })]));

  it('counts a broken PES header, resyncs at the next pack, and goes on', () => {
    const broken = Buffer.from(packets[2]!);
    broken[16 + 6] = 0x40; // neither MPEG-2 ('10') nor MPEG-1 syntax
    const { d, video } = run(Buffer.concat([packets[0]!, packets[1]!, broken, ...packets.slice(3)]));
    assert.deepEqual(video.map((u) => u.pts), [0, 3600 * 3, 3600 * 4, 3600 * 5]); // frame 1 was in progress when sync was lost
    assert.deepEqual([d.stats.errors, d.stats.resyncs], [1, 1]);
    assert.ok(d.stats.droppedBytes > frames[2]!.length);
  });

  it('cuts a PES packet short at a pack header inside its payload (lost RTP packets)', () => {
    const cut = packets[1]!.subarray(0, 200);
    const { d, video } = run(Buffer.concat([packets[0]!, cut, ...packets.slice(2)]));
    assert.deepEqual(video.map((u) => u.pts), [0, 3600, 7200, 3600 * 3, 3600 * 4, 3600 * 5]);
    assert.equal(video[1]!.data.length, 200 - 16 - 14); // what arrived of frame 1
    assert.deepEqual(video.slice(2).map((u) => u.data), frames.slice(2));
    assert.equal(d.stats.errors, 1);
  });

  it('discontinuity() drops the frame in progress and waits for the next frame start', () => {
    const d = new PsDemuxer();
    const out = [...d.push(packets[0]!), ...d.push(packets[1]!.subarray(0, 100))];
    d.discontinuity();
    out.push(...d.push(packets[1]!.subarray(300)), ...packets.slice(2).flatMap((p) => d.push(p)), ...d.flush());
    assert.deepEqual(out.map((u) => u.pts), [0, 7200, 3600 * 3, 3600 * 4, 3600 * 5]);
  });

  it('drops a frame larger than maxFrameBytes and counts it', () => {
    const big = h264(9, false, 300_000);
    const stream = Buffer.concat([packets[0]!, pack(), pes(0xe0, big.subarray(0, 60_000), { pts: 1 }), ...[1, 2, 3, 4].map((k) => pes(0xe0, big.subarray(k * 60_000, (k + 1) * 60_000))), ...packets.slice(2)]);
    const { d, video } = run(stream, { maxFrameBytes: 100_000 });
    assert.deepEqual(video.map((u) => u.pts), [0, 7200, 3600 * 3, 3600 * 4, 3600 * 5]);
    assert.equal(d.stats.oversized, 1);
  });
});
