// Header grammars used by GB/T 28181 signalling: name-addr (From/To/Contact),
// Via, CSeq and the GB Subject, plus fresh branch/tag/Call-ID values.
import { randomBytes } from 'node:crypto';
import { SipParseError } from './errors.ts';
import { formatParams, formatUri, parseHostPort, parseParams, parseUri, quote } from './uri.ts';
import type { SipParams, SipUri } from './uri.ts';

export { formatParams, formatUri, parseParams, parseUri, quote } from './uri.ts';
export type { SipParams, SipUri } from './uri.ts';

/** From, To, Contact, Route values: `"Name" <sip:…>;tag=x`. */
export interface NameAddr {
  displayName?: string;
  uri: SipUri;
  params: SipParams;
}

export interface Via {
  /** Upper case: UDP, TCP, TLS, … */
  transport: string;
  host: string;
  port?: number;
  params: SipParams;
}

export interface CSeq {
  seq: number;
  method: string;
}

/** GB/T 28181 Subject: `senderId:senderStream,receiverId:receiverStream`. */
export interface GbSubject {
  senderId: string;
  senderStream: string;
  receiverId: string;
  receiverStream: string;
}

export const BRANCH_COOKIE = 'z9hG4bK';

export function parseNameAddr(text: string): NameAddr {
  let rest = text.trim();
  let displayName: string | undefined;
  if (rest.startsWith('"')) {
    let i = 1;
    for (; i < rest.length && rest[i] !== '"'; i++) if (rest[i] === '\\') i++;
    if (i >= rest.length) throw new SipParseError('unterminated display name');
    displayName = rest.slice(1, i).replace(/\\(.)/g, '$1');
    rest = rest.slice(i + 1).trimStart();
    if (!rest.startsWith('<')) throw new SipParseError('display name without <URI>');
  }
  const open = rest.indexOf('<');
  if (open >= 0) {
    const close = rest.indexOf('>', open);
    if (close < 0) throw new SipParseError('missing > in name-addr');
    const name = rest.slice(0, open).trim();
    if (displayName === undefined && name !== '') displayName = name;
    const result: NameAddr = { uri: parseUri(rest.slice(open + 1, close)), params: parseParams(rest.slice(close + 1)) };
    if (displayName !== undefined) result.displayName = displayName;
    return result;
  }
  // addr-spec without <>: every ;param belongs to the header, not the URI (RFC 3261 §20.10).
  const semi = rest.indexOf(';');
  const uri = parseUri(semi < 0 ? rest : rest.slice(0, semi));
  return { uri, params: semi < 0 ? new Map() : parseParams(rest.slice(semi)) };
}

export function formatNameAddr(value: NameAddr): string {
  const name = value.displayName ? `${quote(value.displayName)} ` : '';
  return `${name}<${formatUri(value.uri)}>${formatParams(value.params)}`;
}

/** The `tag` parameter of a From/To value, if any. */
export function tagOf(headerValue: string | undefined): string | undefined {
  if (headerValue === undefined) return undefined;
  return parseNameAddr(headerValue).params.get('tag') ?? undefined;
}

export function parseVia(text: string): Via {
  const m = /^SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z0-9-]+)\s+([^;]+)(;.*)?$/i.exec(text.trim());
  if (!m?.[1] || !m[2]) throw new SipParseError('bad Via');
  const { host, port } = parseHostPort(m[2]);
  const via: Via = { transport: m[1].toUpperCase(), host, params: parseParams(m[3] ?? '') };
  if (port !== undefined) via.port = port;
  return via;
}

export function formatVia(via: Via): string {
  const port = via.port === undefined ? '' : `:${via.port}`;
  return `SIP/2.0/${via.transport} ${via.host}${port}${formatParams(via.params)}`;
}

export function parseCSeq(text: string): CSeq {
  const m = /^(\d{1,10})\s+([A-Za-z0-9\-.!%*_+`'~]+)$/.exec(text.trim());
  const seq = Number(m?.[1]);
  if (!m?.[2] || seq > 2 ** 31 - 1) throw new SipParseError('bad CSeq');
  return { seq, method: m[2] };
}

export function formatCSeq(cseq: CSeq): string {
  return `${cseq.seq} ${cseq.method}`;
}

export function parseSubject(text: string): GbSubject {
  const m = /^\s*([^:,\s]+)\s*:\s*([^:,\s]*)\s*,\s*([^:,\s]+)\s*:\s*([^:,\s]*)\s*$/.exec(text);
  if (!m?.[1] || m[2] === undefined || !m[3] || m[4] === undefined) throw new SipParseError('bad Subject');
  return { senderId: m[1], senderStream: m[2], receiverId: m[3], receiverStream: m[4] };
}

export function formatSubject(s: GbSubject): string {
  return `${s.senderId}:${s.senderStream},${s.receiverId}:${s.receiverStream}`;
}

/** A Via branch with the RFC 3261 magic cookie, unique per transaction. */
export function newBranch(): string {
  return BRANCH_COOKIE + randomBytes(10).toString('hex');
}

export function newTag(): string {
  return randomBytes(6).toString('hex');
}

export function newCallId(host: string): string {
  return `${randomBytes(12).toString('hex')}@${host}`;
}
