// Cuts a TCP byte stream into SIP messages by Content-Length (RFC 3261 §18.3).
// Any framing error is final: the stream cannot be resynchronised, close it.
import { SipParseError } from './errors.ts';
import { findHeaderEnd, parseContentLength, parseSipMessage } from './message.ts';

export interface FramerOptions {
  /** Largest header section accepted; default 16 KiB. */
  maxHeaderBytes?: number;
  /** Largest body accepted; default 64 KiB. */
  maxBodyBytes?: number;
  /** Called for each CRLFCRLF keepalive ping between messages (RFC 5626 §3.5.1); answer with CRLF. */
  onKeepalive?: () => void;
}

const CONTENT_LENGTH_LINE = /^(?:content-length|l)[ \t]*:(.*)$/gim;

export class SipStreamFramer {
  private buf = Buffer.alloc(0);
  private len = 0;
  private scanned = 0; // bytes already searched for the end of the header section
  private crlfRun = 0;
  private failure: SipParseError | undefined;
  private readonly maxHeader: number;
  private readonly maxBody: number;

  constructor(private readonly opts: FramerOptions = {}) {
    this.maxHeader = opts.maxHeaderBytes ?? 16 * 1024;
    this.maxBody = opts.maxBodyBytes ?? 64 * 1024;
  }

  /** Bytes held that do not yet form a complete message. */
  get buffered(): number {
    return this.len;
  }

  /**
   * Adds bytes; returns the messages they complete (each a copy, header + body).
   * Throws SipParseError (513 for size) when the stream is broken; every later call throws it again.
   * Messages completed earlier in the same chunk are then dropped with the connection.
   */
  push(chunk: Buffer): Buffer[] {
    if (this.failure) throw this.failure;
    try {
      this.append(chunk);
      return this.drain();
    } catch (err) {
      if (err instanceof SipParseError) this.failure = err;
      throw err;
    }
  }

  private append(chunk: Buffer): void {
    if (this.len + chunk.length > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.len + chunk.length, this.buf.length * 2, 4096));
      this.buf.copy(grown, 0, 0, this.len);
      this.buf = grown;
    }
    chunk.copy(this.buf, this.len);
    this.len += chunk.length;
  }

  private drain(): Buffer[] {
    const out: Buffer[] = [];
    for (;;) {
      this.skipKeepalives();
      if (this.len === 0) return out;
      const view = this.buf.subarray(0, this.len);
      const end = findHeaderEnd(view, Math.max(this.scanned - 3, 0));
      if (!end) {
        this.scanned = this.len;
        if (this.len > this.maxHeader) throw new SipParseError('header section too large', 513);
        return out;
      }
      if (end.head > this.maxHeader) throw new SipParseError('header section too large', 513);
      const bodyLength = this.contentLength(view.toString('latin1', 0, end.head));
      if (bodyLength > this.maxBody) throw tooLarge(view.subarray(0, end.body), this.maxHeader);
      const total = end.body + bodyLength;
      if (this.len < total) return out;
      out.push(Buffer.from(view.subarray(0, total)));
      this.consume(total);
    }
  }

  private contentLength(head: string): number {
    const values = [...head.matchAll(CONTENT_LENGTH_LINE)].map((m) => m[1] ?? '');
    if (values.length === 0) throw new SipParseError('missing Content-Length');
    if (values.length > 1) throw new SipParseError('duplicate Content-Length');
    return parseContentLength(values[0] ?? '');
  }

  private skipKeepalives(): void {
    let n = 0;
    while (n < this.len && (this.buf[n] === 0x0d || this.buf[n] === 0x0a)) {
      n++;
      if (++this.crlfRun === 4) {
        this.crlfRun = 0;
        this.opts.onKeepalive?.();
      }
    }
    if (n < this.len) this.crlfRun = 0;
    if (n > 0) this.consume(n);
  }

  private consume(n: number): void {
    this.buf.copyWithin(0, n, this.len);
    this.len -= n;
    this.scanned = 0;
  }
}

/** The 513 for an oversized body, with the parsed headers so a server can still answer it. */
function tooLarge(head: Buffer, maxHeaderBytes: number): SipParseError {
  const err = new SipParseError('body too large', 513);
  try {
    err.partial = parseSipMessage(head, { maxHeaderBytes });
  } catch (parseErr) {
    if (!(parseErr instanceof SipParseError)) throw parseErr;
    err.partial = parseErr.partial;
  }
  return err;
}
