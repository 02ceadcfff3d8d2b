// The PS muxer (the simulator's camera side, the cascade's upward streams), checked end to end: ffmpeg's H.264 split into
// access units, muxed to PS (ffprobe must read it), cut into RTP, shuffled,
// duplicated and framed over TCP, then received with the gateway's own
// library (RFC 4571 framer → RTP parser → reorder buffer → PS demuxer).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { VideoAccessUnit } from './access-units.ts';
import { PsDemuxer, type AccessUnit } from './ps-demux.ts';
import { RtpReorderBuffer } from './reorder.ts';
import { parseRtp, type RtpPacket } from './rtp.ts';
import { Rfc4571Framer, frameRfc4571 } from './tcp-framing.ts';
import { FFMPEG, clip, hasEncoder, packetPts, probeVideo } from './test-clips.ts';
import { prng } from './test-random.ts';
import { AnnexBAccessUnitSplitter, type SplitAccessUnit } from './ps-mux-input.ts';
import { packetizeRtp } from './ps-mux-rtp.ts';
import { PsMuxer, mpegCrc32, type MuxVideoFrame } from './ps-mux.ts';

const work = mkdtempSync(join(tmpdir(), 'ps-mux-test-'));
after(() => rmSync(work, { recursive: true, force: true }));
const PTS0 = 2 ** 32 - 10 * 3600; // crosses 2^32 in the clip: 33-bit timestamps and a 32-bit RTP wrap

function split(annexB: Buffer, codec: 'h264' | 'h265' = 'h264', chunk = (i: number) => 1 + ((i * 7919) % 5000)): SplitAccessUnit[] {
  const splitter = new AnnexBAccessUnitSplitter(codec);
  const units: SplitAccessUnit[] = [];
  for (let at = 0, i = 0; at < annexB.length; i++) {
    const size = chunk(i);
    units.push(...splitter.push(annexB.subarray(at, at + size)));
    at += size;
  }
  return [...units, ...splitter.end()];
}
const frames = (units: SplitAccessUnit[]): MuxVideoFrame[] => units.map((u, i) => ({ ...u, pts: PTS0 + i * 3600 }));
const videoOf = (units: AccessUnit[]) => units.filter((u): u is VideoAccessUnit => u.kind === 'video');

describe('AnnexBAccessUnitSplitter', () => {
  it('splits ffmpeg -f h264 pipe:1 as it arrives into the frames ffprobe counts', async () => {
    const ff = spawn(FFMPEG, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-t', '2', '-g', '25', '-bf', '0', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-f', 'h264', 'pipe:1']);
    const splitter = new AnnexBAccessUnitSplitter();
    const units: SplitAccessUnit[] = [];
    const chunks: Buffer[] = [];
    for await (const chunk of ff.stdout) {
      chunks.push(chunk as Buffer);
      units.push(...splitter.push(chunk as Buffer));
    }
    units.push(...splitter.end());
    const file = join(work, 'pipe.h264');
    writeFileSync(file, Buffer.concat(chunks));
    const probe = probeVideo(file);
    assert.equal(units.length, probe.frames);
    assert.deepEqual(units.flatMap((u, i) => (u.keyframe ? [i] : [])), probe.keyframes);
    assert.ok(Buffer.concat(units.map((u) => u.data)).equals(Buffer.concat(chunks)));
  });

  it('gives the same units for any chunking, down to single bytes', () => {
    const source = readFileSync(clip('h264.h264'));
    const reference = split(source, 'h264', () => source.length);
    assert.equal(reference.length, 50);
    assert.deepEqual(split(source, 'h264', () => 1), reference);
    assert.deepEqual(split(source), reference);
  });
});

describe('PsMuxer', () => {
  it('writes a program stream ffprobe reads back frame for frame (H.264)', () => {
    const units = split(readFileSync(clip('h264.h264')));
    const mux = new PsMuxer({ video: 'h264', packStuffing: 2 });
    const file = join(work, 'mux.mpg');
    writeFileSync(file, Buffer.concat(frames(units).map((f) => mux.videoFrame(f))));
    const probe = probeVideo(file);
    assert.deepEqual([probe.codec, probe.frames, probe.width, probe.height], ['h264', 50, 320, 240]);
    assert.deepEqual(probe.keyframes, [0, 25]);
    assert.deepEqual(packetPts(file), units.map((_, i) => (PTS0 + i * 3600) % 2 ** 33));
  });

  it('splits a frame over 65,000 bytes into several PES packets and the demuxer joins them', () => {
    const big = Buffer.concat([Buffer.from([0, 0, 0, 1, 0x65, 0x88]), Buffer.alloc(200_000, 0x5a)]);
    const ps = new PsMuxer({ video: 'h264' }).videoFrame({ data: big, pts: 90_000, keyframe: true });
    const lengths: number[] = [];
    for (let i = ps.indexOf(Buffer.from([0, 0, 1, 0xe0])); i >= 0; i = ps.indexOf(Buffer.from([0, 0, 1, 0xe0]), i + 4)) lengths.push(ps.readUInt16BE(i + 4));
    assert.equal(lengths.length, 4);
    assert.ok(lengths.every((n) => n <= 65535));
    const d = new PsDemuxer();
    const out = videoOf([...d.push(ps), ...d.flush()]);
    assert.deepEqual(out.map((u) => [u.pts, u.keyframe, u.data.equals(big)]), [[90_000, true, true]]);
  });

  it('CRC-32/MPEG-2 check value', () => {
    assert.equal(mpegCrc32(Buffer.from('123456789')), 0x0376e6e7);
  });
});

/**
 * Muxes, packetizes, disorders (and optionally loses) packets, sends them over
 * RFC 4571 TCP, and receives them as the README of the media library says.
 */
function roundTrip(units: SplitAccessUnit[], codec: 'h264' | 'h265', seed: number, lossRate = 0) {
  const rnd = prng(seed);
  const mux = new PsMuxer({ video: codec, packStuffing: seed % 8 });
  let seq = 65_000; // wraps at 65535 during the clip
  const frameOf = new Map<Buffer, number>();
  const packets = frames(units).flatMap((f, i) => {
    const rtp = packetizeRtp(mux.videoFrame(f), { ssrc: 100000001, pt: 96, seqStart: seq, timestamp: f.pts });
    seq += rtp.length;
    rtp.forEach((p) => frameOf.set(p, i));
    return rtp;
  });
  const damaged = new Set<number>();
  const kept = packets.filter((p, i) => {
    const lose = i > 0 && rnd.next() < lossRate;
    if (lose) damaged.add(frameOf.get(p)!);
    return !lose;
  });
  // UDP-like disorder: shuffled within blocks of 8, 3 % duplicated.
  const sent: Buffer[] = [];
  for (let i = 0; i < kept.length; i += 8) sent.push(...rnd.shuffle(kept.slice(i, i + 8)));
  for (let k = Math.floor(sent.length * 0.03); k > 0; k--) {
    const at = rnd.int(sent.length - 10);
    sent.splice(at + 1 + rnd.int(8), 0, sent[at]!);
  }
  const tcp = Buffer.concat(sent.map(frameRfc4571));

  const framer = new Rfc4571Framer();
  const reorder = new RtpReorderBuffer<RtpPacket>({ maxPackets: 16 });
  const demuxer = new PsDemuxer();
  const out: AccessUnit[] = [];
  let markerFlushes = 0;
  let prev: number | undefined;
  const deliver = (p: RtpPacket) => {
    if (prev !== undefined && p.seq !== ((prev + 1) & 0xffff)) demuxer.discontinuity();
    prev = p.seq;
    out.push(...demuxer.push(p.payload));
    if (p.marker) {
      const flushed = demuxer.flush();
      if (flushed.length) markerFlushes++;
      out.push(...flushed);
    }
  };
  for (let at = 0; at < tcp.length; ) {
    const size = 1 + rnd.int(3000);
    for (const frame of framer.push(tcp.subarray(at, at + size))) reorder.push(parseRtp(frame), 0).forEach(deliver);
    at += size;
  }
  reorder.flush().forEach(deliver);
  return { video: videoOf(out), reorder, demuxer, markerFlushes, packets: packets.length, damaged };
}

describe('camera → gateway over RTP/TCP', () => {
  it('H.264: every frame back intact, in order, with its PTS, emitted at its RTP marker', () => {
    const source = readFileSync(clip('h264.h264'));
    const units = split(source);
    const { video, reorder, demuxer, markerFlushes, packets } = roundTrip(units, 'h264', 7);
    assert.equal(video.length, 50);
    assert.equal(markerFlushes, 50); // no frame waited for the next one
    assert.deepEqual(video.map((u) => u.pts), units.map((_, i) => (PTS0 + i * 3600) % 2 ** 33));
    assert.deepEqual(video.map((u) => u.keyframe), units.map((u) => u.keyframe));
    assert.ok(Buffer.concat(video.map((u) => u.data)).equals(source));
    assert.deepEqual([reorder.stats.lost, reorder.stats.released], [0, packets]);
    assert.ok(reorder.stats.reordered > 10 && reorder.stats.duplicate > 0);
    assert.deepEqual([demuxer.stats.errors, demuxer.stats.resyncs, demuxer.stats.droppedBytes], [0, 0, 0]);
    const file = join(work, 'rtp.h264');
    writeFileSync(file, Buffer.concat(video.map((u) => u.data)));
    const probe = probeVideo(file, 'h264');
    assert.deepEqual([probe.frames, probe.width, probe.height, probe.keyframes], [50, 320, 240, [0, 25]]);
  });

  it('H.265: the same', { skip: hasEncoder('libx265') ? false : 'no libx265 in this ffmpeg' }, () => {
    const source = readFileSync(clip('h265.h265'));
    const units = split(source, 'h265');
    assert.equal(units.length, 50);
    const { video } = roundTrip(units, 'h265', 8);
    assert.deepEqual(video.map((u) => [u.codec, u.pts]), units.map((_, i) => ['h265', (PTS0 + i * 3600) % 2 ** 33]));
    assert.ok(Buffer.concat(video.map((u) => u.data)).equals(source));
    const file = join(work, 'rtp.h265');
    writeFileSync(file, Buffer.concat(video.map((u) => u.data)));
    assert.deepEqual(probeVideo(file, 'hevc').frames, 50);
  });

  it('3 % packet loss: every frame that comes out is intact, and every intact frame comes out', () => {
    const units = split(readFileSync(clip('h264.h264')));
    const { video, reorder, damaged } = roundTrip(units, 'h264', 11, 0.03);
    assert.ok(reorder.stats.lost > 0 && damaged.size > 0);
    const intact = units.flatMap((u, i) => (damaged.has(i) ? [] : [{ pts: (PTS0 + i * 3600) % 2 ** 33, data: u.data }]));
    assert.deepEqual(video.map((u) => ({ pts: u.pts, data: u.data })), intact);
  });

  it('AAC and G.711 audio beside the video, from the stream map', () => {
    const adts = readFileSync(clip('aac.adts'));
    const aac: Buffer[] = [];
    for (let at = 0; at + 7 <= adts.length; ) {
      const length = ((adts[at + 3]! & 3) << 11) | (adts[at + 4]! << 3) | (adts[at + 5]! >> 5);
      aac.push(adts.subarray(at, at + length));
      at += length;
    }
    const alaw = readFileSync(clip('alaw.raw'));
    const g711 = Array.from({ length: alaw.length / 160 }, (_, i) => alaw.subarray(i * 160, i * 160 + 160)); // 20 ms blocks
    const video = frames(split(readFileSync(clip('h264.h264'))));

    for (const [codec, blocks, ticks] of [['aac', aac, 1920], ['g711a', g711, 1800]] as const) {
      const mux = new PsMuxer({ video: 'h264', audio: codec });
      const timeline = [
        ...video.map((f) => ({ pts: f.pts, ps: () => mux.videoFrame(f) })),
        ...blocks.map((data, i) => ({ pts: PTS0 + i * ticks, ps: () => mux.audioFrame({ data, pts: PTS0 + i * ticks }) })),
      ].sort((a, b) => a.pts - b.pts);
      const d = new PsDemuxer();
      const stream = Buffer.concat(timeline.map((t) => t.ps()));
      const out: AccessUnit[] = [];
      for (let at = 0; at < stream.length; at += 1388) out.push(...d.push(stream.subarray(at, at + 1388)));
      out.push(...d.flush());
      const audio = out.filter((u) => u.kind === 'audio');
      assert.equal(videoOf(out).length, 50, codec);
      assert.deepEqual(audio.map((u) => u.codec), blocks.map(() => codec));
      assert.deepEqual(audio.map((u) => u.data), blocks);
      assert.deepEqual(audio.map((u) => u.pts), blocks.map((_, i) => (PTS0 + i * ticks) % 2 ** 33));
    }
  });
});
