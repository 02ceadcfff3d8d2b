// RTP over connection-oriented transport (RFC 4571): each packet is preceded
// by its length as a 16-bit big-endian integer. GB/T 28181 uses it for
// TCP/RTP/AVP, in both setup:active and setup:passive.
import { MediaError } from './errors.ts';

export interface Rfc4571Options {
  /** Largest accepted frame (default 65535, the most the prefix can say). */
  maxFrameSize?: number;
  /** Smallest accepted frame (default 12, an RTP header). */
  minFrameSize?: number;
}

/**
 * Cuts a TCP byte stream into frames. A length outside [min, max] means the
 * stream is desynchronised (there is no way to find the next frame), so
 * `push` throws MEDIA_FRAME_BAD_LENGTH and the caller closes the connection;
 * the framer then stays failed.
 */
export class Rfc4571Framer {
  private rest: Buffer = Buffer.alloc(0);
  private failed: MediaError | undefined;
  private readonly max: number;
  private readonly min: number;

  constructor(options: Rfc4571Options = {}) {
    this.max = Math.min(options.maxFrameSize ?? 0xffff, 0xffff);
    this.min = Math.max(options.minFrameSize ?? 12, 0);
  }

  /** Bytes held while waiting for the rest of a frame. */
  get buffered(): number {
    return this.rest.length;
  }

  /** Frames completed by this chunk: views into it (or into a joined copy), valid while the chunk is. */
  push(chunk: Buffer): Buffer[] {
    if (this.failed) throw this.failed;
    const buf = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    const frames: Buffer[] = [];
    let offset = 0;
    while (buf.length - offset >= 2) {
      const length = buf.readUInt16BE(offset);
      if (length < this.min || length > this.max) {
        this.rest = Buffer.alloc(0);
        this.failed = new MediaError('MEDIA_FRAME_BAD_LENGTH', `RFC 4571 frame length ${length} outside ${this.min}..${this.max}`);
        throw this.failed;
      }
      if (buf.length - offset - 2 < length) break;
      frames.push(buf.subarray(offset + 2, offset + 2 + length));
      offset += 2 + length;
    }
    // Copy the tail so a caller reusing its read buffer cannot change it.
    this.rest = offset === buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(offset));
    return frames;
  }
}

/** Prefixes one packet with its RFC 4571 length. */
export function frameRfc4571(packet: Buffer): Buffer {
  if (packet.length > 0xffff) throw new MediaError('MEDIA_FRAME_BAD_LENGTH', `packet of ${packet.length} bytes does not fit RFC 4571`);
  const out = Buffer.allocUnsafe(2 + packet.length);
  out.writeUInt16BE(packet.length, 0);
  packet.copy(out, 2);
  return out;
}
