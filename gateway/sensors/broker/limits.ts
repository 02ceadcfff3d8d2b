// Limits on what one client may do: packet size (checked on the wire, from
// the fixed header, before the broker buffers a huge packet) and message rate
// (token bucket). A client that breaks one is disconnected and counted.
import type { Duplex } from 'node:stream';

/**
 * Follows MQTT framing across chunks (fixed header byte, variable-length
 * "remaining length", body) and reports the first packet declared larger
 * than `maxBytes`.
 */
export class FrameGuard {
  private skip = 0;
  private inLength = false;
  private length = 0;
  private multiplier = 1;

  constructor(private readonly maxBytes: number) {}

  /** The declared size of a packet over the limit (or NaN for a broken length), else undefined. */
  check(chunk: Buffer): number | undefined {
    let i = 0;
    while (i < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - i);
        this.skip -= n;
        i += n;
        continue;
      }
      if (!this.inLength) {
        this.inLength = true; // the packet type byte
        this.length = 0;
        this.multiplier = 1;
        i++;
        continue;
      }
      const b = chunk[i++]!;
      this.length += (b & 0x7f) * this.multiplier;
      if (b & 0x80) {
        this.multiplier *= 128;
        if (this.multiplier > 128 ** 3) return NaN; // more than four length bytes: not MQTT
        continue;
      }
      this.inLength = false;
      if (this.length > this.maxBytes) return this.length;
      this.skip = this.length;
    }
    return undefined;
  }
}

/**
 * Puts a FrameGuard on a connection as the broker reads it. aedes reads in
 * paused mode (`conn.read()` on 'readable'), so wrapping that one method sees
 * every byte without another stream in the path.
 */
export function guardConnection(conn: Duplex, maxBytes: number, onViolation: (declared: number) => void): void {
  const guard = new FrameGuard(maxBytes);
  const read = conn.read.bind(conn);
  conn.read = (size?: number) => {
    const chunk = read(size) as Buffer | string | null;
    if (chunk === null || typeof chunk === 'string') return chunk;
    const declared = guard.check(chunk);
    if (declared === undefined) return chunk;
    onViolation(declared);
    conn.destroy();
    return null;
  };
}

export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    now = Date.now(),
  ) {
    this.tokens = burst;
    this.at = now;
  }

  take(now = Date.now()): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.perSecond);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
