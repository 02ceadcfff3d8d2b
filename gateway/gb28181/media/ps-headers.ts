// MPEG-2 Program Stream headers (ISO/IEC 13818-1 §2.5.3, §2.4.3.6) and their
// MPEG-1 system-stream forms (ISO/IEC 11172-1), parsed from a buffer that
// starts at a `00 00 01 xx` start code. Each parser answers 'more' when the
// header is not complete yet and 'bad' when it cannot be one.
import type { AudioCodec } from './audio.ts';
import type { VideoCodec } from './nal.ts';

export const START_CODE = Buffer.from([0, 0, 1]);
export const PROGRAM_END = 0xb9;
export const PACK_START = 0xba;
export const SYSTEM_HEADER = 0xbb;
export const STREAM_MAP = 0xbc;

export type Parsed<T> = T | 'more' | 'bad';

export const isVideoStream = (id: number) => id >= 0xe0 && id <= 0xef;
export const isAudioStream = (id: number) => id >= 0xc0 && id <= 0xdf;

/** Length of the pack header at buf[0], MPEG-2 (14 + stuffing) or MPEG-1 (12). */
export function packHeaderLength(buf: Buffer): Parsed<number> {
  if (buf.length < 5) return 'more';
  // Seen from Hikvision H.265 cameras: a bare pack start code followed by the next start code.
  if (buf.length >= 7 && buf[4] === 0 && buf[5] === 0 && buf[6] === 1) return 4;
  const b4 = buf[4]!;
  if ((b4 & 0xc0) === 0x40) {
    if (buf.length < 14) return 'more';
    return 14 + (buf[13]! & 0x07);
  }
  if ((b4 & 0xf0) === 0x20) return 12;
  return 'bad';
}

/** 33-bit timestamp from the 5-byte PTS/DTS field (marker bits not enforced: cameras get them wrong). */
export function readTimestamp(buf: Buffer, i: number): number {
  const high = (buf[i]! >> 1) & 0x07;
  const low = ((buf[i + 1]! << 22) | ((buf[i + 2]! >> 1) << 15) | (buf[i + 3]! << 7) | (buf[i + 4]! >> 1)) >>> 0;
  return high * 2 ** 30 + low;
}

export interface PesHeader {
  streamId: number;
  /** PES_packet_length: bytes after the length field; 0 = unbounded (video only, by the standard). */
  packetLength: number;
  /** Bytes from the start code to the payload. */
  headerLength: number;
  pts?: number;
  dts?: number;
}

/** PES header of an audio/video stream, in MPEG-2 or MPEG-1 syntax (told apart by their first byte). */
export function parsePesHeader(buf: Buffer): Parsed<PesHeader> {
  if (buf.length < 9) return 'more';
  const streamId = buf[3]!;
  const packetLength = buf.readUInt16BE(4);
  let header: Parsed<PesHeader>;
  if ((buf[6]! & 0xc0) === 0x80) header = mpeg2Header(buf, streamId, packetLength);
  else header = mpeg1Header(buf, streamId, packetLength);
  if (typeof header === 'string') return header;
  if (packetLength !== 0 && header.headerLength > packetLength + 6) return 'bad';
  if (buf.length < header.headerLength) return 'more';
  return header;
}

function mpeg2Header(buf: Buffer, streamId: number, packetLength: number): Parsed<PesHeader> {
  const flags = buf[7]! >> 6;
  const dataLength = buf[8]!;
  const headerLength = 9 + dataLength;
  if (flags === 1 || (flags === 2 && dataLength < 5) || (flags === 3 && dataLength < 10)) return 'bad';
  if (buf.length < 9 + (flags === 3 ? 10 : flags === 2 ? 5 : 0)) return 'more';
  const h: PesHeader = { streamId, packetLength, headerLength };
  if (flags & 2) h.pts = readTimestamp(buf, 9);
  if (flags === 3) h.dts = readTimestamp(buf, 14);
  return h;
}

function mpeg1Header(buf: Buffer, streamId: number, packetLength: number): Parsed<PesHeader> {
  let i = 6;
  while (i < buf.length && buf[i] === 0xff && i < 6 + 16) i++;
  if (i >= buf.length) return 'more';
  if ((buf[i]! & 0xc0) === 0x40) i += 2; // STD_buffer_scale and size
  if (i >= buf.length) return 'more';
  const b = buf[i]!;
  const h: PesHeader = { streamId, packetLength, headerLength: 0 };
  if ((b & 0xf0) === 0x20) {
    if (buf.length < i + 5) return 'more';
    h.pts = readTimestamp(buf, i);
    i += 5;
  } else if ((b & 0xf0) === 0x30) {
    if (buf.length < i + 10) return 'more';
    h.pts = readTimestamp(buf, i);
    h.dts = readTimestamp(buf, i + 5);
    i += 10;
  } else if (b === 0x0f) {
    i += 1;
  } else {
    return 'bad';
  }
  h.headerLength = i;
  return h;
}

/** Stream id → stream_type from a complete program_stream_map (buf from its start code); undefined when inconsistent. CRC ignored. */
export function parseStreamMap(buf: Buffer): Map<number, number> | undefined {
  const end = 6 + buf.readUInt16BE(4);
  if (end > buf.length || end < 16) return undefined;
  if ((buf[6]! & 0x80) === 0) return undefined; // current_next_indicator 0: a map for later
  let i = 10 + buf.readUInt16BE(8); // skip program descriptors
  if (i + 2 > end) return undefined;
  const mapEnd = i + 2 + buf.readUInt16BE(i);
  if (mapEnd > end) return undefined;
  const types = new Map<number, number>();
  for (i += 2; i + 4 <= mapEnd; i += 4 + buf.readUInt16BE(i + 2)) types.set(buf[i + 1]!, buf[i]!);
  return types;
}

export function videoCodecOf(streamType: number | undefined): VideoCodec | undefined {
  if (streamType === 0x1b) return 'h264';
  if (streamType === 0x24) return 'h265';
  return undefined;
}

export function audioCodecOf(streamType: number | undefined): AudioCodec | undefined {
  switch (streamType) {
    case 0x0f:
      return 'aac';
    case 0x90:
      return 'g711a';
    case 0x91:
      return 'g711u';
    case undefined:
      return undefined;
    default:
      return 'unknown';
  }
}

/**
 * Index of the first system start code (`00 00 01 xx`, xx ≥ 0xB9; never
 * inside H.264/H.265 data, where xx is a NAL header below 0x80), or -1.
 * `packOnly` looks for a pack header alone: audio bytes are arbitrary and
 * a four-byte match is the least likely by chance.
 */
export function systemStartCode(buf: Buffer, packOnly: boolean): number {
  for (let i = buf.indexOf(START_CODE); i >= 0 && i + 3 < buf.length; i = buf.indexOf(START_CODE, i + 1)) {
    const code = buf[i + 3]!;
    if (packOnly ? code === PACK_START : code >= PROGRAM_END) return i;
  }
  return -1;
}
