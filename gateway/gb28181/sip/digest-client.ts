// Digest computations shared by both sides (RFC 2617, MD5) and the client's
// Authorization header, which our device simulator sends.
import { createHash, randomBytes } from 'node:crypto';
import { SipParseError } from './errors.ts';
import { quote, splitOutsideQuotes, parseValue } from './uri.ts';

const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');

/** Parameters of a `Digest k=v, k="v"` header value, by lower-cased name. */
export function parseDigestParams(headerValue: string): Map<string, string> {
  const m = /^\s*Digest\s+(.*)$/is.exec(headerValue);
  if (!m?.[1]) throw new SipParseError('not a Digest header');
  const params = new Map<string, string>();
  for (const part of splitOutsideQuotes(m[1], ',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    const name = part.slice(0, eq).trim().toLowerCase();
    if (eq < 1 || !/^[a-z0-9_-]+$/.test(name)) throw new SipParseError('bad Digest parameter');
    if (params.has(name)) throw new SipParseError(`duplicate Digest parameter ${name}`);
    params.set(name, parseValue(part.slice(eq + 1)));
  }
  return params;
}

export interface DigestInput {
  username: string;
  password: string;
  realm: string;
  nonce: string;
  uri: string;
  method: string;
  /** Only `auth` is supported; omit for the RFC 2069 form most GB28181 devices use. */
  qop?: 'auth';
  nc?: number;
  cnonce?: string;
}

/** The `response` value: MD5(HA1:nonce[:nc:cnonce:qop]:HA2). */
export function digestResponse(i: DigestInput): string {
  const ha1 = md5(`${i.username}:${i.realm}:${i.password}`);
  const ha2 = md5(`${i.method}:${i.uri}`);
  if (!i.qop) return md5(`${ha1}:${i.nonce}:${ha2}`);
  return md5(`${ha1}:${i.nonce}:${ncHex(i.nc ?? 1)}:${i.cnonce ?? ''}:${i.qop}:${ha2}`);
}

export interface ClientDigestOptions extends Omit<DigestInput, 'qop'> {
  /** The challenge's qop value (e.g. `auth,auth-int`); `auth` is used when offered. */
  qop?: string;
  opaque?: string;
}

/** Authorization header value answering a challenge (the device simulator's side). */
export function digestAuthorization(o: ClientDigestOptions): string {
  const offered = (o.qop ?? '').split(',').map((q) => q.trim().toLowerCase());
  const qop = offered.includes('auth') ? 'auth' : undefined;
  const cnonce = qop ? (o.cnonce ?? randomBytes(8).toString('hex')) : undefined;
  const nc = o.nc ?? 1;
  const response = digestResponse({ ...o, qop, nc, cnonce });
  const parts = [
    `username=${quote(o.username)}`, `realm=${quote(o.realm)}`, `nonce=${quote(o.nonce)}`,
    `uri=${quote(o.uri)}`, `response=${quote(response)}`, 'algorithm=MD5',
  ];
  if (qop) parts.push(`cnonce=${quote(cnonce ?? '')}`, `qop=${qop}`, `nc=${ncHex(nc)}`);
  if (o.opaque !== undefined) parts.push(`opaque=${quote(o.opaque)}`);
  return `Digest ${parts.join(', ')}`;
}

function ncHex(nc: number): string {
  return nc.toString(16).padStart(8, '0');
}
