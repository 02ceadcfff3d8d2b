// SIP message model, the strict parser for untrusted bytes, and the writer.
// Parsing never trusts the peer: sizes are bounded and every failure is a SipParseError.
import { SipError, SipParseError } from './errors.ts';
import { SipHeaders } from './headers.ts';
import { parseCSeq, parseNameAddr, parseVia } from './syntax.ts';
import { TOKEN } from './uri.ts';

export { SipHeaders } from './headers.ts';

export interface SipRequest {
  kind: 'request';
  method: string;
  uri: string;
  headers: SipHeaders;
  body: Buffer;
}

export interface SipResponse {
  kind: 'response';
  status: number;
  reason: string;
  headers: SipHeaders;
  body: Buffer;
}

export type SipMessage = SipRequest | SipResponse;

export interface ParseOptions {
  /** Stream transports (TCP) must carry Content-Length; a datagram's body is the rest. */
  stream?: boolean;
  maxHeaderBytes?: number;
  maxHeaders?: number;
  maxLineLength?: number;
}

const REQUEST_URI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$/;
const RESPONSE_LINE = /^SIP\/2\.0 ([1-6]\d\d)(?: (.*))?$/;
const SINGLETONS = ['Call-ID', 'CSeq', 'From', 'To', 'Content-Length', 'Max-Forwards'];

/** Control characters other than HTAB have no place in a header value (and CR/LF would inject headers). */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return true;
  }
  return false;
}

/** Where the header section ends: `head` is its length, `body` where the body starts; null when incomplete. */
export function findHeaderEnd(buf: Buffer, from = 0): { head: number; body: number } | null {
  for (let i = Math.max(from, 0); i < buf.length - 1; i++) {
    if (buf[i] !== 0x0a) continue;
    if (buf[i + 1] === 0x0a) return { head: i + 1, body: i + 2 };
    if (buf[i + 1] === 0x0d && buf[i + 2] === 0x0a) return { head: i + 1, body: i + 3 };
  }
  return null;
}

export function parseSipMessage(buf: Buffer, opts: ParseOptions = {}): SipMessage {
  const maxHeaderBytes = opts.maxHeaderBytes ?? 16 * 1024;
  // CRLFs before the start line are keepalives and are skipped (RFC 3261 §7.5).
  let from = 0;
  while (buf[from] === 0x0d || buf[from] === 0x0a) from++;
  if (from === buf.length) throw new SipParseError('empty message');
  const end = findHeaderEnd(buf, from);
  if (!end) {
    throw buf.length - from > maxHeaderBytes ? new SipParseError('header section too large', 513) : new SipParseError('no end of header section');
  }
  if (end.head - from > maxHeaderBytes) throw new SipParseError('header section too large', 513);
  const lines = buf.toString('utf8', from, end.head).split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  const start = lines.shift() ?? '';
  const message = parseStartLine(start);
  try {
    parseHeaderLines(lines, message.headers, opts);
    checkMandatory(message);
    message.body = sliceBody(buf, end.body, message.headers, opts.stream === true);
  } catch (err) {
    if (err instanceof SipParseError) err.partial = message;
    throw err;
  }
  return message;
}

function parseStartLine(line: string): SipMessage {
  if (hasControl(line)) throw new SipParseError('control character in start line');
  const headers = new SipHeaders();
  const body = Buffer.alloc(0);
  if (line.startsWith('SIP/')) {
    const m = RESPONSE_LINE.exec(line);
    if (!m?.[1]) throw new SipParseError('bad status line');
    return { kind: 'response', status: Number(m[1]), reason: m[2] ?? '', headers, body };
  }
  const parts = line.split(' ');
  const [method, uri, version] = parts;
  if (parts.length !== 3 || !method || !uri || !version) throw new SipParseError('bad request line');
  if (version !== 'SIP/2.0') throw new SipParseError('unsupported SIP version');
  if (!TOKEN.test(method)) throw new SipParseError('bad method');
  if (!REQUEST_URI.test(uri)) throw new SipParseError('bad Request-URI');
  return { kind: 'request', method, uri, headers, body };
}

function parseHeaderLines(lines: string[], headers: SipHeaders, opts: ParseOptions): void {
  const maxHeaders = opts.maxHeaders ?? 128;
  const maxLine = opts.maxLineLength ?? 8 * 1024;
  const unfolded: string[] = [];
  for (const line of lines) {
    if (line.length > maxLine) throw new SipParseError('header line too long', 513);
    if (line.startsWith(' ') || line.startsWith('\t')) {
      // Folded continuation: joins the previous line with one space (RFC 3261 §7.3.1).
      const prev = unfolded.pop();
      if (prev === undefined) throw new SipParseError('continuation line without a header');
      const joined = `${prev} ${line.trim()}`;
      if (joined.length > maxLine) throw new SipParseError('header line too long', 513);
      unfolded.push(joined);
    } else {
      unfolded.push(line);
    }
  }
  if (unfolded.length > maxHeaders) throw new SipParseError('too many headers', 513);
  for (const line of unfolded) {
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trimEnd() : '';
    if (!TOKEN.test(name)) throw new SipParseError('bad header line');
    const value = line.slice(colon + 1).trim();
    if (hasControl(value)) throw new SipParseError(`control character in ${name}`);
    headers.append(name, value);
  }
}

function checkMandatory(msg: SipMessage): void {
  const h = msg.headers;
  for (const name of SINGLETONS) {
    if (h.count(name) > 1) throw new SipParseError(`duplicate ${name}`);
  }
  for (const name of ['Via', 'From', 'To', 'Call-ID', 'CSeq']) {
    if (!h.get(name)) throw new SipParseError(`missing ${name}`);
  }
  const topVia = h.getAll('Via')[0];
  if (topVia === undefined) throw new SipParseError('missing Via');
  // Checked here so that transaction code downstream can rely on these parsing.
  parseVia(topVia);
  parseNameAddr(h.get('From') ?? '');
  parseNameAddr(h.get('To') ?? '');
  const cseq = parseCSeq(h.get('CSeq') ?? '');
  if (msg.kind === 'request' && cseq.method !== msg.method) throw new SipParseError('CSeq method differs from request method');
}

function sliceBody(buf: Buffer, start: number, headers: SipHeaders, stream: boolean): Buffer {
  const raw = headers.get('Content-Length');
  if (raw === undefined) {
    if (stream) throw new SipParseError('missing Content-Length');
    return buf.subarray(start);
  }
  const length = parseContentLength(raw);
  const available = buf.length - start;
  if (available < length) throw new SipParseError('body shorter than Content-Length');
  // A datagram may carry padding after the body; it is discarded (RFC 3261 §18.3).
  if (stream && available > length) throw new SipParseError('bytes after the body');
  return buf.subarray(start, start + length);
}

/** Content-Length as a number; SipParseError unless plain digits. */
export function parseContentLength(raw: string): number {
  if (!/^\d{1,9}$/.test(raw.trim())) throw new SipParseError('bad Content-Length');
  return Number(raw.trim());
}

/** Writes a message; Content-Length always states the body's real length. */
export function serializeSip(msg: SipMessage): Buffer {
  const start = msg.kind === 'request' ? `${msg.method} ${msg.uri} SIP/2.0` : `SIP/2.0 ${msg.status} ${msg.reason}`;
  if (/[\r\n]/.test(start)) throw new SipError('SIP_ERR_BUILD', 'CR or LF in the start line');
  const headers = msg.headers.clone().set('Content-Length', msg.body.length);
  let head = `${start}\r\n`;
  for (const [name, value] of headers) {
    if (!TOKEN.test(name)) throw new SipError('SIP_ERR_BUILD', `bad header name '${name}'`);
    if (hasControl(value)) throw new SipError('SIP_ERR_BUILD', `control character in header ${name}`);
    head += `${name}: ${value}\r\n`;
  }
  return Buffer.concat([Buffer.from(`${head}\r\n`, 'utf8'), msg.body]);
}

/** One short line for logs: "REGISTER sip:…" or "200 OK (REGISTER)". */
export function describeSip(msg: SipMessage): string {
  if (msg.kind === 'request') return `${msg.method} ${msg.uri}`;
  return `${msg.status} ${msg.reason} (${msg.headers.get('CSeq') ?? '?'})`;
}
