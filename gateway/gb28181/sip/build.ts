// Building requests and responses the way RFC 3261 §8 wants them: responses echo
// Via/From/To/Call-ID/CSeq, requests get a fresh branch unless one is given.
import { SipHeaders } from './headers.ts';
import type { HeaderInit } from './headers.ts';
import type { SipRequest, SipResponse } from './message.ts';
import { formatNameAddr, formatUri, formatVia, newBranch, newTag, parseCSeq, parseNameAddr, parseVia, tagOf } from './syntax.ts';
import type { NameAddr, SipUri } from './syntax.ts';

export const REASON_PHRASES: Readonly<Record<number, string>> = {
  100: 'Trying', 180: 'Ringing', 181: 'Call Is Being Forwarded', 182: 'Queued', 183: 'Session Progress',
  200: 'OK', 202: 'Accepted', 301: 'Moved Permanently', 302: 'Moved Temporarily',
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  406: 'Not Acceptable', 407: 'Proxy Authentication Required', 408: 'Request Timeout', 410: 'Gone',
  413: 'Request Entity Too Large', 415: 'Unsupported Media Type', 420: 'Bad Extension', 423: 'Interval Too Brief',
  480: 'Temporarily Unavailable', 481: 'Call/Transaction Does Not Exist', 482: 'Loop Detected',
  483: 'Too Many Hops', 486: 'Busy Here', 487: 'Request Terminated', 488: 'Not Acceptable Here',
  489: 'Bad Event', 491: 'Request Pending', 500: 'Server Internal Error', 501: 'Not Implemented',
  502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Server Time-out', 505: 'Version Not Supported',
  513: 'Message Too Large', 600: 'Busy Everywhere', 603: 'Decline', 604: 'Does Not Exist Anywhere',
  606: 'Not Acceptable',
};

export function reasonPhrase(status: number): string {
  return REASON_PHRASES[status] ?? REASON_PHRASES[Math.floor(status / 100) * 100] ?? 'Unknown';
}

export interface ResponseOptions {
  headers?: HeaderInit;
  body?: Buffer | string;
  contentType?: string;
  /** To tag to add when the request had none; keep it stable across responses of one request. */
  toTag?: string;
  /** Source of the request: fills `received`/`rport` on the top Via (RFC 3261 §18.2.1, RFC 3581). */
  source?: { address: string; port: number };
}

export function buildResponse(req: SipRequest, status: number, reason?: string, opts: ResponseOptions = {}): SipResponse {
  const h = new SipHeaders();
  req.headers.getAll('Via').forEach((via, i) => h.append('Via', i === 0 && opts.source ? stampVia(via, opts.source) : via));
  // Dialog-creating responses echo Record-Route (RFC 3261 §12.1.1).
  if (status > 100 && status < 300) for (const rr of req.headers.getAll('Record-Route')) h.append('Record-Route', rr);
  copy(req.headers, h, 'From');
  const to = req.headers.get('To');
  if (to !== undefined) {
    // Every response but 100 carries a To tag; the request's own tag wins.
    const needsTag = status > 100 && tagOf(to) === undefined;
    h.append('To', needsTag ? `${to};tag=${opts.toTag ?? newTag()}` : to);
  }
  copy(req.headers, h, 'Call-ID');
  copy(req.headers, h, 'CSeq');
  addExtras(h, opts);
  return { kind: 'response', status, reason: reason ?? reasonPhrase(status), headers: h, body: toBuffer(opts.body) };
}

function stampVia(value: string, source: { address: string; port: number }): string {
  const via = parseVia(value);
  const address = source.address.includes(':') ? `[${source.address}]` : source.address;
  if (via.params.has('rport')) {
    // RFC 3581: a client asking for rport gets both the port and the address it was seen from.
    via.params.set('rport', String(source.port));
    via.params.set('received', source.address);
  } else if (via.host !== source.address && via.host !== address) {
    via.params.set('received', source.address);
  }
  return formatVia(via);
}

export interface ViaOptions {
  transport: string;
  host: string;
  port?: number;
  /** Defaults to a fresh z9hG4bK branch. */
  branch?: string;
  /** Ask for symmetric response routing (RFC 3581); default true, devices often sit behind NAT. */
  rport?: boolean;
}

export interface RequestOptions {
  method: string;
  uri: string | SipUri;
  from: string | NameAddr;
  to: string | NameAddr;
  callId: string;
  cseq: number;
  via: string | ViaOptions;
  contact?: string | NameAddr;
  maxForwards?: number;
  headers?: HeaderInit;
  body?: Buffer | string;
  contentType?: string;
}

export function buildRequest(o: RequestOptions): SipRequest {
  const h = new SipHeaders();
  h.append('Via', typeof o.via === 'string' ? o.via : viaValue(o.via));
  h.append('From', typeof o.from === 'string' ? o.from : formatNameAddr(o.from));
  h.append('To', typeof o.to === 'string' ? o.to : formatNameAddr(o.to));
  h.append('Call-ID', o.callId);
  h.append('CSeq', `${o.cseq} ${o.method}`);
  if (o.contact !== undefined) h.append('Contact', typeof o.contact === 'string' ? o.contact : formatNameAddr(o.contact));
  h.append('Max-Forwards', o.maxForwards ?? 70);
  addExtras(h, o);
  const uri = typeof o.uri === 'string' ? o.uri : formatUri(o.uri);
  return { kind: 'request', method: o.method, uri, headers: h, body: toBuffer(o.body) };
}

function viaValue(v: ViaOptions): string {
  const params = new Map<string, string | null>();
  if (v.rport !== false) params.set('rport', null);
  params.set('branch', v.branch ?? newBranch());
  return formatVia({ transport: v.transport.toUpperCase(), host: v.host, ...(v.port ? { port: v.port } : {}), params });
}

/**
 * ACK for an INVITE's final response. Non-2xx: same branch, part of the INVITE
 * transaction (RFC 3261 §17.1.1.3). 2xx: a new transaction to the Contact (§13.2.2.4).
 */
export function buildAck(invite: SipRequest, response: SipResponse): SipRequest {
  const ok = response.status >= 200 && response.status < 300;
  const h = new SipHeaders();
  const topVia = invite.headers.getAll('Via')[0] ?? '';
  if (ok) {
    const via = parseVia(topVia);
    via.params.set('branch', newBranch());
    h.append('Via', formatVia(via));
  } else {
    h.append('Via', topVia);
  }
  copy(invite.headers, h, 'From');
  copy(response.headers, h, 'To');
  copy(invite.headers, h, 'Call-ID');
  h.append('CSeq', `${parseCSeq(invite.headers.get('CSeq') ?? '').seq} ACK`);
  const routes = ok ? response.headers.getAll('Record-Route').reverse() : invite.headers.getAll('Route');
  for (const r of routes) h.append('Route', r);
  h.append('Max-Forwards', 70);
  const contact = response.headers.getAll('Contact')[0];
  const uri = ok && contact !== undefined ? formatUri(parseNameAddr(contact).uri) : invite.uri;
  return { kind: 'request', method: 'ACK', uri, headers: h, body: Buffer.alloc(0) };
}

function copy(from: SipHeaders, to: SipHeaders, name: string): void {
  const value = from.get(name);
  if (value !== undefined) to.append(name, value);
}

function addExtras(h: SipHeaders, o: { headers?: HeaderInit; contentType?: string; body?: Buffer | string }): void {
  for (const [name, value] of new SipHeaders(o.headers)) h.append(name, value);
  if (o.contentType !== undefined) h.set('Content-Type', o.contentType);
}

function toBuffer(body: Buffer | string | undefined): Buffer {
  if (body === undefined) return Buffer.alloc(0);
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}
