// RTSP/1.0 wire format for the simulator: an incremental reader for one TCP
// stream that carries both text requests and `$`-framed interleaved packets
// (RFC 2326 §10.12), and a response writer. No I/O here, so it can be fed
// arbitrary chunks, and garbage, in tests.

export interface RtspRequest {
  method: string;
  uri: string;
  /** Header names lower-cased; a repeated header keeps its last value. */
  headers: Map<string, string>;
  body: Buffer;
}

export type WireEvent =
  | { kind: 'request'; request: RtspRequest }
  | { kind: 'interleaved'; channel: number; payload: Buffer }
  /** Not RTSP. `fatal` when the reader cannot resynchronise and the connection must close. */
  | { kind: 'malformed'; reason: string; cseq?: string; fatal: boolean }
  /** A response from the peer (e.g. to a server request); the simulator sends none, so it is dropped. */
  | { kind: 'response' };

const MAX_HEAD = 64 * 1024;
const MAX_BODY = 1024 * 1024;
const REQUEST_LINE = /^([A-Z][A-Z_]*) (\S+) RTSP\/1\.0$/;
const HEAD_END = Buffer.from('\r\n\r\n');

export class RtspReader {
  private buf: Buffer = Buffer.alloc(0);
  private dead = false;

  /** Appends a chunk and returns every complete message it finishes. */
  push(chunk: Buffer): WireEvent[] {
    if (this.dead) return [];
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: WireEvent[] = [];
    for (;;) {
      const event = this.next();
      if (!event) break;
      out.push(event);
      if (event.kind === 'malformed' && event.fatal) {
        this.dead = true;
        this.buf = Buffer.alloc(0);
        break;
      }
    }
    return out;
  }

  private next(): WireEvent | undefined {
    // Clients may send stray CRLFs between messages (keepalive habit of some cameras).
    let skip = 0;
    while (skip < this.buf.length && (this.buf[skip] === 0x0d || this.buf[skip] === 0x0a)) skip++;
    if (skip) this.buf = this.buf.subarray(skip);
    if (this.buf.length === 0) return undefined;

    if (this.buf[0] === 0x24) {
      if (this.buf.length < 4) return undefined;
      const length = this.buf.readUInt16BE(2);
      if (this.buf.length < 4 + length) return undefined;
      const channel = this.buf[1]!;
      const payload = this.buf.subarray(4, 4 + length);
      this.buf = this.buf.subarray(4 + length);
      return { kind: 'interleaved', channel, payload };
    }

    const end = this.buf.indexOf(HEAD_END);
    if (end < 0) {
      if (this.buf.length > MAX_HEAD) return { kind: 'malformed', reason: 'header too large', fatal: true };
      return undefined;
    }
    const lines = this.buf.subarray(0, end).toString('latin1').split('\r\n');
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const cseq = headers.get('cseq');
    const lengthText = headers.get('content-length') ?? '0';
    const length = /^\d+$/.test(lengthText) ? Number(lengthText) : NaN;
    if (!Number.isSafeInteger(length) || length > MAX_BODY) {
      // Without a trustworthy length we cannot find the next message.
      return { kind: 'malformed', reason: `bad Content-Length "${lengthText}"`, cseq, fatal: true };
    }
    if (this.buf.length < end + 4 + length) return undefined;
    const body = Buffer.from(this.buf.subarray(end + 4, end + 4 + length));
    this.buf = this.buf.subarray(end + 4 + length);

    const first = lines[0] ?? '';
    if (first.startsWith('RTSP/1.0 ')) return { kind: 'response' };
    const match = REQUEST_LINE.exec(first);
    if (!match) return { kind: 'malformed', reason: `bad request line "${first.slice(0, 80)}"`, cseq, fatal: false };
    if (cseq === undefined) return { kind: 'malformed', reason: 'missing CSeq', fatal: false };
    return { kind: 'request', request: { method: match[1]!, uri: match[2]!, headers, body } };
  }
}

export interface TcpTransport {
  /** Interleaved channels the client asked for, if it did. */
  rtp?: number;
  rtcp?: number;
  record: boolean;
}

/** The first RTP/AVP/TCP alternative of a Transport header; undefined when only UDP is offered. */
export function parseTcpTransport(header: string | undefined): TcpTransport | undefined {
  const spec = (header ?? '').split(',').find((t) => /^RTP\/AVP\/TCP(;|$)/i.test(t.trim()));
  if (spec === undefined) return undefined;
  const interleaved = /;\s*interleaved=(\d+)(?:-(\d+))?/i.exec(spec);
  const rtp = interleaved ? Number(interleaved[1]) : undefined;
  const rtcp = interleaved?.[2] !== undefined ? Number(interleaved[2]) : rtp === undefined ? undefined : rtp + 1;
  return { rtp, rtcp, record: /;\s*mode="?record"?/i.test(spec) };
}

const REASONS: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  454: 'Session Not Found',
  455: 'Method Not Valid in This State',
  459: 'Aggregate Operation Not Allowed',
  461: 'Unsupported Transport',
  500: 'Internal Server Error',
  501: 'Not Implemented',
};

/** Serialises a response; headers are written in the given order, `[name, value]` pairs allow repeats. */
export function formatResponse(
  status: number,
  cseq: string | undefined,
  headers: Array<[string, string]> = [],
  body?: string,
): Buffer {
  const lines = [`RTSP/1.0 ${status} ${REASONS[status] ?? 'Unknown'}`];
  if (cseq !== undefined) lines.push(`CSeq: ${cseq}`);
  lines.push('Server: city-gw-camera-sim');
  for (const [name, value] of headers) lines.push(`${name}: ${value}`);
  const payload = body === undefined ? Buffer.alloc(0) : Buffer.from(body, 'utf8');
  if (payload.length) lines.push(`Content-Length: ${payload.length}`);
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'), payload]);
}

/** Frames one interleaved packet: `$`, channel, 16-bit big-endian length, payload. */
export function frameInterleaved(channel: number, payload: Buffer): Buffer {
  const head = Buffer.allocUnsafe(4);
  head[0] = 0x24;
  head[1] = channel;
  head.writeUInt16BE(payload.length, 2);
  return Buffer.concat([head, payload]);
}
