// PsDemuxer against real program streams written by ffmpeg 5.1: `-f mpeg`
// (an MPEG-1 system stream: MPEG-1 pack and PES headers, no stream map) and
// `-f vob` (MPEG-2 PS), H.264 and H.265, with MP2 audio. ffprobe is the
// reference for frame counts, keyframes and per-packet PTS; the demuxed
// Annex-B must equal ffmpeg's own elementary stream byte for byte.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { VideoAccessUnit } from './access-units.ts';
import { PsDemuxer, type AccessUnit } from './ps-demux.ts';
import { clip, hasEncoder, packetPts, probeVideo } from './test-clips.ts';

const work = mkdtempSync(join(tmpdir(), 'ps-demux-test-'));
after(() => rmSync(work, { recursive: true, force: true }));

function demux(ps: Buffer, chunk = 1400, demuxer = new PsDemuxer()): AccessUnit[] {
  const units: AccessUnit[] = [];
  for (let at = 0; at < ps.length; at += chunk) units.push(...demuxer.push(ps.subarray(at, at + chunk)));
  return [...units, ...demuxer.flush()];
}
const videoOf = (units: AccessUnit[]) => units.filter((u): u is VideoAccessUnit => u.kind === 'video');

const cases = [
  { name: 'H.264, -f mpeg (MPEG-1 system stream)', ps: 'h264.mpg', source: 'h264.h264', codec: 'h264', raw: 'h264' },
  { name: 'H.264, -f vob (MPEG-2 program stream)', ps: 'h264.vob', source: 'h264.h264', codec: 'h264', raw: 'h264' },
  { name: 'H.265, -f mpeg', ps: 'h265.mpg', source: 'h265.h265', codec: 'h265', raw: 'hevc' },
] as const;

describe('PsDemuxer on ffmpeg program streams', () => {
  for (const c of cases) {
    it(c.name, { skip: c.codec === 'h265' && !hasEncoder('libx265') ? 'no libx265 in this ffmpeg' : false }, () => {
      const demuxer = new PsDemuxer();
      const video = videoOf(demux(readFileSync(clip(c.ps)), 1400, demuxer));
      const source = probeVideo(clip(c.source));

      assert.equal(video.length, source.frames); // 50
      assert.deepEqual(video.flatMap((u, i) => (u.keyframe ? [i] : [])), source.keyframes); // [0, 25]
      assert.ok(video.every((u) => u.codec === c.codec));
      // PTS as ffmpeg's demuxer reads them: a PES packet's PTS goes to the first frame starting in it,
      // so a frame starting second in a 2 KiB packet has none (N/A in ffprobe, undefined here).
      assert.deepEqual(video.map((u) => u.pts), packetPts(clip(c.ps)));
      const first = video[0]!.pts!;
      video.forEach((u, i) => u.pts !== undefined && assert.equal(u.pts, first + i * 3600));

      const annexB = Buffer.concat(video.map((u) => u.data));
      assert.ok(annexB.equals(readFileSync(clip(c.source))), 'demuxed elementary stream differs from the source');
      const out = join(work, `${c.ps}.${c.raw}`);
      writeFileSync(out, annexB);
      const decoded = probeVideo(out, c.raw);
      assert.deepEqual([decoded.frames, decoded.width, decoded.height], [source.frames, 320, 240]);

      const s = demuxer.stats;
      assert.deepEqual([s.videoFrames, s.errors, s.resyncs, s.droppedBytes], [50, 0, 0, 0]);
      assert.equal(demuxer.format, 'ps');
    });
  }

  it('MP2 audio beside H.264 comes out byte for byte (codec unknown: no stream map)', () => {
    const units = demux(readFileSync(clip('h264-mp2.mpg')));
    const audio = units.filter((u) => u.kind === 'audio');
    assert.equal(videoOf(units).length, 50);
    assert.ok(audio.length > 10);
    assert.ok(audio.every((u) => u.codec === 'unknown'));
    assert.ok(Buffer.concat(audio.map((u) => u.data)).equals(readFileSync(clip('h264-mp2.mp2'))));
    const pts = audio.flatMap((u) => (u.pts === undefined ? [] : [u.pts]));
    assert.ok(pts.every((p, i) => i === 0 || p > pts[i - 1]!));
  });

  it('gives the same units wherever the stream is split (every offset of a small stream)', () => {
    const ps = readFileSync(clip('tiny.vob'));
    const expected = demux(ps, ps.length);
    assert.equal(videoOf(expected).length, 6);
    for (let k = 0; k <= ps.length; k++) {
      const d = new PsDemuxer();
      const got = [...d.push(ps.subarray(0, k)), ...d.push(ps.subarray(k)), ...d.flush()];
      assert.deepEqual(got, expected, `split at ${k}`);
    }
    const d = new PsDemuxer();
    assert.deepEqual([...[...ps].flatMap((b) => d.push(Buffer.from([b]))), ...d.flush()], expected);
  });
});

describe('PsDemuxer stream recognition', () => {
  const recognise = (data: Buffer) => {
    const seen: string[] = [];
    const d = new PsDemuxer({ onFormat: (format, reason) => seen.push(`${format}: ${reason}`) });
    const units = demux(data, 1400, d);
    return { d, units, seen };
  };

  it('reports MPEG-TS and drops it', () => {
    const ts = readFileSync(clip('h264.ts'));
    const { d, units, seen } = recognise(ts);
    assert.equal(d.format, 'mpegts');
    assert.deepEqual(seen, ['mpegts: MPEG-TS (0x47 sync byte every 188 bytes), not MPEG-PS']);
    assert.deepEqual([units.length, d.stats.droppedBytes], [0, ts.length]);
  });

  it('reports raw Annex-B H.264', () => {
    const { d, units, seen } = recognise(readFileSync(clip('h264.h264')));
    assert.equal(d.format, 'annexb');
    assert.deepEqual(seen, ['annexb: raw H.264 Annex-B elementary stream, not MPEG-PS']);
    assert.equal(units.length, 0);
  });

  it('finds the program stream after leading garbage (joined mid-stream)', () => {
    const ps = readFileSync(clip('h264.vob'));
    const start = ps.indexOf(Buffer.from([0, 0, 1, 0xba]), 20000);
    const { d, units } = recognise(Buffer.concat([Buffer.from('garbage'), ps.subarray(start - 1000)]));
    assert.equal(d.format, 'ps');
    assert.ok(videoOf(units).length >= 25 && videoOf(units)[0]!.keyframe === videoOf(units)[0]!.data.includes(Buffer.from([0, 0, 1, 0x65])));
    assert.deepEqual([d.stats.errors, d.stats.resyncs], [0, 0]);
  });

  it('calls random bytes unrecognised, and keeps its buffer bounded', () => {
    const { d, units, seen } = recognise(Buffer.from(Array.from({ length: 1_200_000 }, (_, i) => (i * 7919 + (i >> 9)) & 0xfe)));
    assert.equal(d.format, 'unrecognized');
    assert.equal(seen.length, 1);
    assert.equal(units.length, 0);
    assert.ok(d.stats.droppedBytes > 1_100_000);
  });
});
