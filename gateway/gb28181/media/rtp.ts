// RTP fixed header (RFC 3550 §5.1): parse for the receiver, build for the
// device simulator. The parsed payload is a view into the input buffer.
import { MediaError } from './errors.ts';

export interface RtpPacket {
  marker: boolean;
  payloadType: number;
  /** 16-bit sequence number. */
  seq: number;
  /** 32-bit media timestamp (90 kHz for PS). */
  timestamp: number;
  ssrc: number;
  csrc: number[];
  /** Header extension (RFC 3550 §5.3.1): the 16-bit profile field and its data. */
  extension?: { profile: number; data: Buffer };
  /** Number of padding bytes that were stripped (0 when none). */
  padding: number;
  payload: Buffer;
}

export interface RtpFields {
  payloadType: number;
  seq: number;
  timestamp: number;
  ssrc: number;
  payload: Buffer;
  marker?: boolean;
  csrc?: number[];
  /** `data` length must be a multiple of 4. */
  extension?: { profile: number; data: Buffer };
  /** Padding bytes to append (1–255), the last one holding the count. */
  padding?: number;
}

const HEADER = 12;

/** Parses one RTP packet; throws `MediaError` (MEDIA_RTP_*) when it is malformed. */
export function parseRtp(buf: Buffer): RtpPacket {
  if (buf.length < HEADER) throw new MediaError('MEDIA_RTP_TOO_SHORT', `RTP packet of ${buf.length} bytes`);
  const b0 = buf[0]!;
  if (b0 >> 6 !== 2) throw new MediaError('MEDIA_RTP_BAD_VERSION', `RTP version ${b0 >> 6}`);
  const csrcCount = b0 & 0x0f;
  let offset = HEADER + csrcCount * 4;
  if (offset > buf.length) throw new MediaError('MEDIA_RTP_TOO_SHORT', `CSRC list of ${csrcCount} runs past ${buf.length} bytes`);
  const csrc: number[] = [];
  for (let i = 0; i < csrcCount; i++) csrc.push(buf.readUInt32BE(HEADER + i * 4));

  let extension: RtpPacket['extension'];
  if (b0 & 0x10) {
    if (offset + 4 > buf.length) throw new MediaError('MEDIA_RTP_BAD_EXTENSION', 'header extension header runs past the end');
    const words = buf.readUInt16BE(offset + 2);
    const dataStart = offset + 4;
    offset = dataStart + words * 4;
    if (offset > buf.length) throw new MediaError('MEDIA_RTP_BAD_EXTENSION', `header extension of ${words} words runs past the end`);
    extension = { profile: buf.readUInt16BE(dataStart - 4), data: buf.subarray(dataStart, offset) };
  }

  let end = buf.length;
  let padding = 0;
  if (b0 & 0x20) {
    padding = buf[buf.length - 1]!;
    if (padding === 0 || offset + padding > buf.length) {
      throw new MediaError('MEDIA_RTP_BAD_PADDING', `padding count ${padding} with ${buf.length - offset} bytes after the header`);
    }
    end -= padding;
  }

  return {
    marker: (buf[1]! & 0x80) !== 0,
    payloadType: buf[1]! & 0x7f,
    seq: buf.readUInt16BE(2),
    timestamp: buf.readUInt32BE(4),
    ssrc: buf.readUInt32BE(8),
    csrc,
    ...(extension ? { extension } : {}),
    padding,
    payload: buf.subarray(offset, end),
  };
}

function checkRange(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new MediaError('MEDIA_RTP_BAD_FIELD', `${name} ${value} is not an integer in 0..${max}`);
  }
}

/** Writes one RTP packet (version 2). Throws `MediaError` MEDIA_RTP_BAD_FIELD on out-of-range input. */
export function buildRtp(p: RtpFields): Buffer {
  const csrc = p.csrc ?? [];
  checkRange('payloadType', p.payloadType, 127);
  checkRange('seq', p.seq, 0xffff);
  checkRange('timestamp', p.timestamp, 0xffffffff);
  checkRange('ssrc', p.ssrc, 0xffffffff);
  checkRange('CSRC count', csrc.length, 15);
  csrc.forEach((c) => checkRange('csrc', c, 0xffffffff));
  const padding = p.padding ?? 0;
  checkRange('padding', padding, 255);
  const ext = p.extension;
  if (ext) {
    checkRange('extension profile', ext.profile, 0xffff);
    if (ext.data.length % 4 !== 0 || ext.data.length / 4 > 0xffff) {
      throw new MediaError('MEDIA_RTP_BAD_FIELD', `extension data of ${ext.data.length} bytes is not a multiple of 4 under 256 KiB`);
    }
  }

  const extBytes = ext ? 4 + ext.data.length : 0;
  const out = Buffer.alloc(HEADER + csrc.length * 4 + extBytes + p.payload.length + padding);
  out[0] = 0x80 | (padding ? 0x20 : 0) | (ext ? 0x10 : 0) | csrc.length;
  out[1] = (p.marker ? 0x80 : 0) | p.payloadType;
  out.writeUInt16BE(p.seq, 2);
  out.writeUInt32BE(p.timestamp, 4);
  out.writeUInt32BE(p.ssrc, 8);
  let offset = HEADER;
  for (const c of csrc) offset = out.writeUInt32BE(c, offset);
  if (ext) {
    offset = out.writeUInt16BE(ext.profile, offset);
    offset = out.writeUInt16BE(ext.data.length / 4, offset);
    offset += ext.data.copy(out, offset);
  }
  offset += p.payload.copy(out, offset);
  if (padding) out[out.length - 1] = padding;
  return out;
}
