// FLV byte stream → tags (Adobe FLV v10.1 §E.2–E.4): the 9-byte header, then
// tags with a 4-byte previous-tag-size before each. Chunks may split a tag
// anywhere. Input is our own node-media-server's, but a bad header or an
// absurd tag size still fails cleanly (FlvError) instead of buffering forever.

export interface FlvTag {
  /** 8 audio, 9 video, 18 script data. */
  type: number;
  /** Milliseconds (the decode time for video). */
  timestamp: number;
  data: Buffer;
}

export class FlvError extends Error {
  override readonly name = 'FlvError';
}

/** Bigger than any camera frame (a 4K keyframe is 1–2 MB); the 24-bit size field allows 16 MB. */
const MAX_TAG_BYTES = 8 * 1024 * 1024;

export class FlvTagReader {
  private rest: Buffer = Buffer.alloc(0);
  private headerDone = false;

  push(chunk: Buffer): FlvTag[] {
    let buf = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    if (!this.headerDone) {
      if (buf.length < 13) {
        this.rest = Buffer.from(buf);
        return [];
      }
      if (buf.toString('latin1', 0, 3) !== 'FLV') throw new FlvError('not an FLV stream (no FLV signature)');
      const headerSize = buf.readUInt32BE(5);
      if (headerSize < 9 || headerSize > 1024) throw new FlvError(`FLV header size ${headerSize}`);
      if (buf.length < headerSize + 4) {
        this.rest = Buffer.from(buf);
        return [];
      }
      buf = buf.subarray(headerSize + 4); // header and PreviousTagSize0
      this.headerDone = true;
    }
    const tags: FlvTag[] = [];
    let at = 0;
    while (buf.length - at >= 11) {
      const size = buf.readUIntBE(at + 1, 3);
      if (size > MAX_TAG_BYTES) throw new FlvError(`FLV tag of ${size} bytes`);
      if (buf.length - at < 11 + size + 4) break;
      // The timestamp's extension byte holds bits 31–24.
      const timestamp = (buf[at + 7]! * 2 ** 24 + buf.readUIntBE(at + 4, 3)) >>> 0;
      tags.push({ type: buf[at]! & 0x1f, timestamp, data: buf.subarray(at + 11, at + 11 + size) });
      at += 11 + size + 4;
    }
    // Copy the tail: the caller may reuse its chunk.
    this.rest = at === buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(at));
    return tags;
  }
}
