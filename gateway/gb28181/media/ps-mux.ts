// MPEG-2 Program Stream muxer (ISO/IEC 13818-1 §2.5), as GB/T 28181 media
// carries it: each video frame becomes one PS "frame" (pack header; system
// header and program stream map before keyframes; PES packets of at most
// ~65,000 bytes carrying PTS/DTS). Used by the cascade's upward streams and
// by the device simulator; ps-mux-rtp.ts cuts the result into RTP packets.
import type { VideoCodec } from './nal.ts';

export interface MuxVideoFrame {
  /** One access unit, Annex-B. */
  data: Buffer;
  /** 90 kHz. */
  pts: number;
  dts?: number;
  keyframe: boolean;
}

export interface PsMuxerOptions {
  video: VideoCodec;
  audio?: 'aac' | 'g711a' | 'g711u';
  /** Largest PES payload; a bigger frame spans several PES packets (default 65,000). */
  maxPesPayload?: number;
  /** Stuffing bytes in each pack header, 0–7 (default 0; some cameras use 2 or 6). */
  packStuffing?: number;
  /** Repeat the PTS in every PES packet of a frame, as most cameras do (default true). */
  ptsInEveryPes?: boolean;
}

const VIDEO_ID = 0xe0;
const AUDIO_ID = 0xc0;
const STREAM_TYPES = { h264: 0x1b, h265: 0x24, aac: 0x0f, g711a: 0x90, g711u: 0x91 } as const;
const MUX_RATE = 0x3fff; // units of 50 bytes/s; informative only
const TS_WRAP = 2 ** 33;

export class PsMuxer {
  private readonly maxPayload: number;
  private readonly stuffing: number;

  constructor(private readonly options: PsMuxerOptions) {
    this.maxPayload = Math.min(options.maxPesPayload ?? 65000, 0xffff - 13);
    this.stuffing = (options.packStuffing ?? 0) & 7;
  }

  /** One video frame as the PS bytes a camera sends for it. */
  videoFrame(frame: MuxVideoFrame): Buffer {
    const parts = [this.packHeader(frame.dts ?? frame.pts)];
    if (frame.keyframe) parts.push(this.systemHeader(), this.streamMap());
    for (let at = 0; at < frame.data.length || at === 0; at += this.maxPayload) {
      const first = at === 0;
      const withPts = first || this.options.ptsInEveryPes !== false;
      parts.push(pes(VIDEO_ID, frame.data.subarray(at, at + this.maxPayload), withPts ? frame.pts : undefined, withPts ? frame.dts : undefined));
    }
    return Buffer.concat(parts);
  }

  /** One audio frame (an ADTS frame, or a block of G.711 samples) in its own pack. */
  audioFrame(unit: { data: Buffer; pts: number }): Buffer {
    return Buffer.concat([this.packHeader(unit.pts), pes(AUDIO_ID, unit.data, unit.pts)]);
  }

  private packHeader(scr: number): Buffer {
    const b = Buffer.alloc(14 + this.stuffing, 0xff);
    b.writeUInt32BE(0x000001ba, 0);
    const base = ((scr % TS_WRAP) + TS_WRAP) % TS_WRAP;
    const high = Math.floor(base / 2 ** 30) & 7;
    const low = base % 2 ** 30;
    b[4] = 0x44 | (high << 3) | (low >>> 28); // '01', SCR[32..30], marker, SCR[29..28]
    b[5] = (low >>> 20) & 0xff;
    b[6] = (((low >>> 15) & 0x1f) << 3) | 0x04 | ((low >>> 13) & 0x03);
    b[7] = (low >>> 5) & 0xff;
    b[8] = ((low & 0x1f) << 3) | 0x04; // SCR extension 0
    b[9] = 0x01;
    b[10] = (MUX_RATE >>> 14) & 0xff;
    b[11] = (MUX_RATE >>> 6) & 0xff;
    b[12] = ((MUX_RATE << 2) & 0xfc) | 0x03;
    b[13] = 0xf8 | this.stuffing;
    return b;
  }

  private systemHeader(): Buffer {
    const streams: Array<[number, number]> = [[VIDEO_ID, 0xe0e8]]; // '11', scale 1, 232 × 1024 bytes
    if (this.options.audio) streams.push([AUDIO_ID, 0xc020]); // '11', scale 0, 32 × 128 bytes
    const b = Buffer.alloc(12 + streams.length * 3);
    b.writeUInt32BE(0x000001bb, 0);
    b.writeUInt16BE(b.length - 6, 4);
    b[6] = 0x80 | (MUX_RATE >>> 15);
    b[7] = (MUX_RATE >>> 7) & 0xff;
    b[8] = ((MUX_RATE << 1) & 0xfe) | 0x01;
    b[9] = ((this.options.audio ? 1 : 0) << 2) | 0x00; // audio_bound, fixed 0, CSPS 0
    b[10] = 0xe1; // audio lock, video lock, marker, video_bound 1
    b[11] = 0xff; // packet_rate_restriction, reserved
    streams.forEach(([id, bound], i) => {
      b[12 + i * 3] = id;
      b.writeUInt16BE(bound, 13 + i * 3);
    });
    return b;
  }

  private streamMap(): Buffer {
    const entries: Array<[number, number]> = [[STREAM_TYPES[this.options.video], VIDEO_ID]];
    if (this.options.audio) entries.push([STREAM_TYPES[this.options.audio], AUDIO_ID]);
    const b = Buffer.alloc(16 + entries.length * 4);
    b.writeUInt32BE(0x000001bc, 0);
    b.writeUInt16BE(b.length - 6, 4);
    b[6] = 0xa0; // current_next_indicator 1, single_extension_stream_flag 0, reserved, version 0
    b[7] = 0xff; // reserved, marker
    b.writeUInt16BE(0, 8); // program_stream_info_length
    b.writeUInt16BE(entries.length * 4, 10);
    entries.forEach(([type, id], i) => {
      b[12 + i * 4] = type;
      b[13 + i * 4] = id;
      b.writeUInt16BE(0, 14 + i * 4);
    });
    b.writeUInt32BE(mpegCrc32(b.subarray(0, b.length - 4)), b.length - 4);
    return b;
  }
}

/** One MPEG-2 PES packet. */
function pes(streamId: number, payload: Buffer, pts?: number, dts?: number): Buffer {
  const stamps = pts === undefined ? 0 : dts === undefined ? 5 : 10;
  const b = Buffer.alloc(9 + stamps);
  b.writeUInt32BE(0x00000100 | streamId, 0);
  b.writeUInt16BE(3 + stamps + payload.length, 4);
  b[6] = 0x80; // '10', not scrambled, no alignment flag (cameras differ)
  b[7] = stamps === 10 ? 0xc0 : stamps === 5 ? 0x80 : 0x00;
  b[8] = stamps;
  if (pts !== undefined) writeTimestamp(b, 9, dts === undefined ? 0x2 : 0x3, pts);
  if (pts !== undefined && dts !== undefined) writeTimestamp(b, 14, 0x1, dts);
  return Buffer.concat([b, payload]);
}

function writeTimestamp(b: Buffer, at: number, prefix: number, ts: number): void {
  const v = ((ts % TS_WRAP) + TS_WRAP) % TS_WRAP;
  const high = Math.floor(v / 2 ** 30) & 7;
  const low = v % 2 ** 30;
  b[at] = (prefix << 4) | (high << 1) | 1;
  b[at + 1] = (low >>> 22) & 0xff;
  b[at + 2] = ((low >>> 14) & 0xfe) | 1;
  b[at + 3] = (low >>> 7) & 0xff;
  b[at + 4] = ((low << 1) & 0xfe) | 1;
}

/** CRC-32/MPEG-2 (poly 0x04C11DB7, init all ones, no reflection), as PSM and PSI sections use. */
export function mpegCrc32(buf: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of buf) {
    crc ^= byte << 24;
    for (let k = 0; k < 8; k++) crc = crc & 0x80000000 ? (crc << 1) ^ 0x04c11db7 : crc << 1;
  }
  return crc >>> 0;
}
