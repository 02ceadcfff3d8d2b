// A growable FIFO of bytes: appends copy into one buffer that doubles when
// full, so assembling a frame from many small RTP payloads costs O(n) rather
// than the O(n²) of repeated Buffer.concat. Views returned by `view()` alias
// the internal buffer and are only valid until the next append/consume.

export class ByteQueue {
  private buf: Buffer;
  private start = 0;
  private end = 0;

  constructor(initialCapacity = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialCapacity);
  }

  get length(): number {
    return this.end - this.start;
  }

  append(chunk: Buffer): void {
    const n = chunk.length;
    if (n === 0) return;
    if (this.end + n > this.buf.length) {
      const used = this.length;
      if (used + n <= this.buf.length / 2) {
        // Plenty of room once the consumed head is reclaimed.
        this.buf.copy(this.buf, 0, this.start, this.end);
      } else {
        const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, used + n));
        this.buf.copy(bigger, 0, this.start, this.end);
        this.buf = bigger;
      }
      this.start = 0;
      this.end = used;
    }
    chunk.copy(this.buf, this.end);
    this.end += n;
  }

  /** Byte at `i` (relative to the head); the caller keeps `i < length`. */
  at(i: number): number {
    return this.buf[this.start + i]!;
  }

  /** Bytes [from, to) relative to the head, without copying. */
  view(from = 0, to = this.length): Buffer {
    return this.buf.subarray(this.start + from, this.start + to);
  }

  /** A copy of bytes [from, to), safe to keep. */
  copy(from = 0, to = this.length): Buffer {
    return Buffer.from(this.view(from, to));
  }

  consume(n: number): void {
    this.start = Math.min(this.start + n, this.end);
    if (this.start === this.end) this.start = this.end = 0;
  }

  clear(): void {
    this.start = this.end = 0;
  }
}
