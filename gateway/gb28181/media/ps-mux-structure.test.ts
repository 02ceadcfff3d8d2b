// The PS muxer and RTP packetizer on hand-built frames, without ffmpeg: what
// each pack holds (system header and stream map on keyframes only), PTS/DTS
// as our demuxer reads them back (33-bit wrap included), H.264 and H.265
// stream types, and the RTP packets (marker, sizes, sequence, RFC 4571).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { VideoAccessUnit } from './access-units.ts';
import { PsDemuxer, type AccessUnit } from './ps-demux.ts';
import { parseStreamMap } from './ps-headers.ts';
import { packetizeRtp, RtpPacketizer } from './ps-mux-rtp.ts';
import { mpegCrc32, PsMuxer } from './ps-mux.ts';
import { parseRtp } from './rtp.ts';
import { frameRfc4571, Rfc4571Framer } from './tcp-framing.ts';

const fill = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => 0x10 + ((i * 31 + seed) % 0xe0)));
const nal = (header: number[], size: number, seed = 0) => Buffer.concat([Buffer.from([0, 0, 0, 1, ...header]), fill(size, seed)]);
/** Synthetic frames: parameter sets + IDR, or one P slice. Structure only, not decodable. */
const h264 = (i: number, key: boolean, size = 300) =>
  key ? Buffer.concat([nal([0x67, 0x42], 8), nal([0x68, 0xce], 3), nal([0x65, 0x88], size, i)]) : nal([0x41, 0x9a], size, i);
const h265 = (i: number, key: boolean, size = 300) =>
  key ? Buffer.concat([nal([0x40, 0x01], 20), nal([0x42, 0x01], 30), nal([0x44, 0x01], 5), nal([0x26, 0x01, 0xaf], size, i)]) : nal([0x02, 0x01, 0xd0], size, i);

const START = (id: number) => Buffer.from([0, 0, 1, id]);
function count(buf: Buffer, id: number): number {
  let n = 0;
  for (let i = buf.indexOf(START(id)); i >= 0; i = buf.indexOf(START(id), i + 4)) n++;
  return n;
}

function demux(stream: Buffer, chunk = 1388): { video: VideoAccessUnit[]; d: PsDemuxer } {
  const d = new PsDemuxer();
  const out: AccessUnit[] = [];
  for (let at = 0; at < stream.length; at += chunk) out.push(...d.push(stream.subarray(at, at + chunk)));
  out.push(...d.flush());
  return { video: out.filter((u): u is VideoAccessUnit => u.kind === 'video'), d };
}

describe('PsMuxer structure', () => {
  it('a keyframe gets pack header, system header and stream map; other frames a pack header and PES only', () => {
    const mux = new PsMuxer({ video: 'h264' });
    const key = mux.videoFrame({ data: h264(0, true), pts: 90_000, keyframe: true });
    const delta = mux.videoFrame({ data: h264(1, false), pts: 93_600, keyframe: false });
    assert.equal(key.indexOf(START(0xba)), 0);
    assert.deepEqual([count(key, 0xba), count(key, 0xbb), count(key, 0xbc), count(key, 0xe0)], [1, 1, 1, 1]);
    assert.ok(key.indexOf(START(0xbb)) < key.indexOf(START(0xbc)) && key.indexOf(START(0xbc)) < key.indexOf(START(0xe0)));
    assert.equal(delta.indexOf(START(0xba)), 0);
    assert.deepEqual([count(delta, 0xba), count(delta, 0xbb), count(delta, 0xbc), count(delta, 0xe0)], [1, 0, 0, 1]);
  });

  it('the stream map names H.264 as 0x1B and H.265 as 0x24, with a valid CRC', () => {
    for (const [codec, type] of [['h264', 0x1b], ['h265', 0x24]] as const) {
      const ps = new PsMuxer({ video: codec }).videoFrame({ data: (codec === 'h264' ? h264 : h265)(0, true), pts: 0, keyframe: true });
      const at = ps.indexOf(START(0xbc));
      const psm = ps.subarray(at, at + 6 + ps.readUInt16BE(at + 4));
      assert.equal(parseStreamMap(psm)?.get(0xe0), type, codec);
      assert.equal(mpegCrc32(psm.subarray(0, psm.length - 4)), psm.readUInt32BE(psm.length - 4));
    }
  });

  it('round trip through our demuxer: every frame, PTS and DTS (across the 33-bit wrap), keyframe flag, codec', () => {
    for (const [codec, make] of [['h264', h264], ['h265', h265]] as const) {
      const mux = new PsMuxer({ video: codec, packStuffing: 3 });
      const base = 2 ** 33 - 5 * 3600;
      const frames = Array.from({ length: 30 }, (_, i) => ({ data: make(i, i % 10 === 0, 200 + i * 50), pts: base + (i + 1) * 3600, dts: base + i * 3600, keyframe: i % 10 === 0 }));
      const { video, d } = demux(Buffer.concat(frames.map((f) => mux.videoFrame(f))));
      assert.equal(video.length, 30, codec);
      assert.deepEqual(video.map((u) => u.codec), frames.map(() => codec));
      assert.deepEqual(video.map((u) => u.pts), frames.map((f) => f.pts % 2 ** 33));
      assert.deepEqual(video.map((u) => u.dts), frames.map((f) => f.dts % 2 ** 33));
      assert.deepEqual(video.map((u) => u.keyframe), frames.map((f) => f.keyframe));
      assert.ok(video.every((u, i) => u.data.equals(frames[i]!.data)));
      assert.deepEqual([d.stats.errors, d.stats.resyncs, d.stats.droppedBytes], [0, 0, 0]);
    }
  });

  it('a frame bigger than a PES packet spans several, each ≤ 65,535 bytes with the PTS repeated', () => {
    const big = h264(0, true, 300_000);
    const ps = new PsMuxer({ video: 'h264' }).videoFrame({ data: big, pts: 7200, keyframe: true });
    const pes: Array<{ length: number; hasPts: boolean }> = [];
    for (let i = ps.indexOf(START(0xe0)); i >= 0; i = ps.indexOf(START(0xe0), i + 4)) pes.push({ length: ps.readUInt16BE(i + 4), hasPts: (ps[i + 7]! & 0x80) !== 0 });
    assert.equal(pes.length, 5);
    assert.ok(pes.every((p) => p.length > 0 && p.length <= 0xffff && p.hasPts));
    const { video } = demux(ps);
    assert.deepEqual(video.map((u) => [u.pts, u.keyframe, u.data.equals(big)]), [[7200, true, true]]);
  });
});

describe('RTP packetizer', () => {
  const frame = new PsMuxer({ video: 'h264' }).videoFrame({ data: h264(0, true, 5000), pts: 3600, keyframe: true });

  it('payload type 96, one timestamp per frame, marker on the last packet only, ≤ 1400 bytes each', () => {
    const packets = packetizeRtp(frame, { ssrc: 123456789, seqStart: 65534, timestamp: 2 ** 32 + 3600 }).map(parseRtp);
    assert.equal(packets.length, Math.ceil(frame.length / 1388));
    assert.ok(packets.every((p) => p.payloadType === 96 && p.ssrc === 123456789 && p.timestamp === 3600));
    assert.deepEqual(packets.map((p) => p.marker), packets.map((_, i) => i === packets.length - 1));
    assert.deepEqual(packets.map((p) => p.seq), packets.map((_, i) => (65534 + i) & 0xffff)); // wraps
    assert.ok(packets.every((p) => p.payload.length <= 1388));
    assert.ok(Buffer.concat(packets.map((p) => p.payload)).equals(frame));
  });

  it('RtpPacketizer keeps the sequence going across frames, and a small frame is one packet with the marker', () => {
    const rtp = new RtpPacketizer({ ssrc: 1, mtu: 600 });
    const first = rtp.nextSeq;
    const a = rtp.packets(frame, 0).map(parseRtp);
    const b = rtp.packets(Buffer.alloc(100, 1), 3600).map(parseRtp);
    assert.ok(a.every((p) => p.payload.length <= 588));
    assert.deepEqual([...a, ...b].map((p) => p.seq), [...a, ...b].map((_, i) => (first + i) & 0xffff));
    assert.deepEqual(b.map((p) => [p.marker, p.timestamp]), [[true, 3600]]);
    assert.equal(rtp.nextSeq, (first + a.length + 1) & 0xffff);
    assert.throws(() => new RtpPacketizer({ ssrc: 1, mtu: 70_000 }), RangeError);
  });

  it('over TCP each packet gets its RFC 4571 length, and our framer cuts the stream back into the same packets', () => {
    const packets = new RtpPacketizer({ ssrc: 9 }).packets(frame, 0);
    const tcp = Buffer.concat(packets.map(frameRfc4571));
    assert.equal(tcp.length, packets.reduce((n, p) => n + 2 + p.length, 0));
    assert.equal(tcp.readUInt16BE(0), packets[0]!.length);
    const framer = new Rfc4571Framer();
    const back: Buffer[] = [];
    for (let at = 0; at < tcp.length; at += 333) back.push(...framer.push(tcp.subarray(at, at + 333)).map((f) => Buffer.from(f)));
    assert.deepEqual(back, packets);
  });
});
