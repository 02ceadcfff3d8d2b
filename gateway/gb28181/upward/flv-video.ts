// FLV video tags → Annex-B access units, no re-encode: AVC (codec id 7) and
// HEVC as FLV carries it, the legacy way (codec id 12, as Chinese servers
// do) or enhanced RTMP (FourCC `hvc1` / `avc1`). The decoder configuration
// record gives the parameter sets, put before every keyframe that does not
// carry its own, so an upper platform can start decoding at any keyframe.
import type { VideoCodec } from '../media/index.ts';

export interface EsFrame {
  codec: VideoCodec;
  /** Annex-B access unit (4-byte start codes). */
  data: Buffer;
  keyframe: boolean;
  /** Milliseconds, as FLV stamps them (decode time, and composition time added). */
  dtsMs: number;
  ptsMs: number;
}

const START = Buffer.from([0, 0, 0, 1]);
const LEGACY_CODECS: Record<number, VideoCodec> = { 7: 'h264', 12: 'h265' };
const FOURCCS: Record<string, VideoCodec> = { avc1: 'h264', hvc1: 'h265' };

/** Parameter-set NAL types: H.264 SPS 7; H.265 VPS 32, SPS 33. */
const hasSps = (codec: VideoCodec, nals: Buffer[]) =>
  nals.some((n) => (codec === 'h264' ? (n[0]! & 0x1f) === 7 : ((n[0]! >> 1) & 0x3f) === 33));

export class FlvVideoUnpacker {
  codec: VideoCodec | undefined;
  /** Frames dropped because no decoder configuration came before them, or they were malformed. */
  dropped = 0;
  private lengthSize = 4;
  private parameterSets: Buffer[] = [];

  /** One video tag's payload; undefined for headers, end-of-sequence and what cannot be used. */
  push(data: Buffer, timestamp: number): EsFrame | undefined {
    if (data.length < 1) return undefined;
    const b0 = data[0]!;
    if (b0 & 0x80) return this.enhanced(data, timestamp);
    const codec = LEGACY_CODECS[b0 & 0x0f];
    if (!codec || data.length < 5) return undefined;
    const frameType = (b0 >> 4) & 0x0f;
    const packetType = data[1]!;
    if (packetType === 0) return this.configure(codec, data.subarray(5));
    if (packetType !== 1) return undefined;
    return this.frame(codec, data.subarray(5), frameType === 1, timestamp, data.readIntBE(2, 3));
  }

  private enhanced(data: Buffer, timestamp: number): EsFrame | undefined {
    if (data.length < 5) return undefined;
    const frameType = (data[0]! >> 4) & 0x07;
    const packetType = data[0]! & 0x0f;
    const codec = FOURCCS[data.toString('latin1', 1, 5)];
    if (!codec) return undefined;
    if (packetType === 0) return this.configure(codec, data.subarray(5));
    // 1: coded frames with a composition time offset; 3: without (offset 0).
    if (packetType === 1 && data.length >= 8) return this.frame(codec, data.subarray(8), frameType === 1, timestamp, data.readIntBE(5, 3));
    if (packetType === 3) return this.frame(codec, data.subarray(5), frameType === 1, timestamp, 0);
    return undefined;
  }

  private configure(codec: VideoCodec, record: Buffer): undefined {
    const parsed = codec === 'h264' ? parseAvcConfig(record) : parseHevcConfig(record);
    if (!parsed) {
      this.dropped++;
      return undefined;
    }
    this.codec = codec;
    this.lengthSize = parsed.lengthSize;
    this.parameterSets = parsed.nals.map((n) => Buffer.from(n)); // copies: the tag may sit in a large chunk
    return undefined;
  }

  private frame(codec: VideoCodec, payload: Buffer, keyframe: boolean, dtsMs: number, ctsMs: number): EsFrame | undefined {
    if (this.codec !== undefined && codec !== this.codec) {
      this.dropped++; // another codec without its configuration: its lengths cannot be trusted
      return undefined;
    }
    // No configuration record (a publisher that sent none): 4-byte lengths, as FLV writers use,
    // checked to end exactly at the tag's end; the parameter sets must then be in band.
    const nals = splitLengthPrefixed(payload, this.codec ? this.lengthSize : 4);
    if (!nals || nals.length === 0) {
      this.dropped++;
      return undefined;
    }
    const withSets = keyframe && !hasSps(codec, nals) ? [...this.parameterSets, ...nals] : nals;
    const data = Buffer.concat(withSets.flatMap((n) => [START, n]));
    return { codec, data, keyframe, dtsMs, ptsMs: dtsMs + ctsMs };
  }
}

/** Length-prefixed NAL units (AVCC / HVCC); undefined when a length runs past the end. */
function splitLengthPrefixed(buf: Buffer, lengthSize: number): Buffer[] | undefined {
  const nals: Buffer[] = [];
  for (let at = 0; at < buf.length; ) {
    if (at + lengthSize > buf.length) return undefined;
    const n = buf.readUIntBE(at, lengthSize);
    at += lengthSize;
    if (n === 0) continue;
    if (at + n > buf.length) return undefined;
    nals.push(buf.subarray(at, at + n));
    at += n;
  }
  return nals;
}

/** AVCDecoderConfigurationRecord (ISO/IEC 14496-15 §5.3.3.1). */
export function parseAvcConfig(r: Buffer): { lengthSize: number; nals: Buffer[] } | undefined {
  if (r.length < 7 || r[0] !== 1) return undefined;
  const lengthSize = (r[4]! & 0x03) + 1;
  const nals: Buffer[] = [];
  let at = 5;
  for (const countMask of [0x1f, 0xff]) {
    if (at >= r.length) return undefined;
    const count = r[at]! & countMask;
    at++;
    at = readNalArray(r, at, count, nals);
    if (at < 0) return undefined;
  }
  return { lengthSize, nals };
}

/** `count` NAL units, each after its 16-bit length, from `at` into `nals`; where the next field starts, or -1 when the record is cut short. */
function readNalArray(r: Buffer, at: number, count: number, nals: Buffer[]): number {
  for (let i = 0; i < count; i++) {
    if (at + 2 > r.length) return -1;
    const n = r.readUInt16BE(at);
    if (at + 2 + n > r.length) return -1;
    nals.push(r.subarray(at + 2, at + 2 + n));
    at += 2 + n;
  }
  return at;
}

/** HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 §8.3.3.1): 22 fixed bytes, then arrays of NAL units. */
export function parseHevcConfig(r: Buffer): { lengthSize: number; nals: Buffer[] } | undefined {
  if (r.length < 23 || r[0] !== 1) return undefined;
  const lengthSize = (r[21]! & 0x03) + 1;
  const nals: Buffer[] = [];
  let at = 23;
  for (let a = 0, arrays = r[22]!; a < arrays; a++) {
    if (at + 3 > r.length) return undefined;
    const count = r.readUInt16BE(at + 1);
    at += 3;
    at = readNalArray(r, at, count, nals);
    if (at < 0) return undefined;
  }
  return { lengthSize, nals };
}
