// HTTP digest authentication (RFC 7616, and RFC 2617's MD5 with qop=auth that
// most cameras speak) for cameras that answer 401 instead of, or besides,
// checking WS-Security. Basic is answered only when it is all the camera offers.
import { createHash, randomBytes } from 'node:crypto';

export interface DigestChallenge {
  realm: string;
  nonce: string;
  qop?: string;
  opaque?: string;
  algorithm: 'MD5' | 'SHA-256';
}

export type Challenge = { scheme: 'digest'; digest: DigestChallenge } | { scheme: 'basic' };

/** Reads WWW-Authenticate (one header or several); Digest preferred over Basic; undefined when neither is usable. */
export function parseChallenge(header: string | string[] | undefined): Challenge | undefined {
  const values = header === undefined ? [] : Array.isArray(header) ? header : [header];
  let basic = false;
  for (const value of values) {
    for (const part of value.split(/,?\s*(?=\b(?:Digest|Basic)\s)/i)) {
      const m = /^(Digest|Basic)\s+(.*)$/is.exec(part.trim());
      if (!m?.[1]) continue;
      if (m[1].toLowerCase() === 'basic') {
        basic = true;
        continue;
      }
      const params = authParams(m[2] ?? '');
      const algorithm = (params.algorithm ?? 'MD5').toUpperCase();
      if (!params.realm || !params.nonce || (algorithm !== 'MD5' && algorithm !== 'SHA-256')) continue;
      const qop = params.qop?.split(',').map((q) => q.trim()).includes('auth') ? 'auth' : undefined;
      return { scheme: 'digest', digest: { realm: params.realm, nonce: params.nonce, opaque: params.opaque, qop, algorithm } };
    }
  }
  return basic ? { scheme: 'basic' } : undefined;
}

function authParams(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of s.matchAll(/([A-Za-z-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) {
    if (m[1]) out[m[1].toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '');
  }
  return out;
}

export interface DigestInput {
  username: string;
  password: string;
  method: string;
  /** Request target: path and query. */
  uri: string;
  /** Nonce count, 1 for the first use of a nonce. */
  nc: number;
  cnonce?: string;
}

export function digestAuthorization(ch: DigestChallenge, input: DigestInput): string {
  const h = (s: string) => createHash(ch.algorithm === 'SHA-256' ? 'sha256' : 'md5').update(s).digest('hex');
  const cnonce = input.cnonce ?? randomBytes(8).toString('hex');
  const nc = input.nc.toString(16).padStart(8, '0');
  const ha1 = h(`${input.username}:${ch.realm}:${input.password}`);
  const ha2 = h(`${input.method}:${input.uri}`);
  const response = ch.qop ? h(`${ha1}:${ch.nonce}:${nc}:${cnonce}:${ch.qop}:${ha2}`) : h(`${ha1}:${ch.nonce}:${ha2}`);
  const q = (s: string) => `"${s.replace(/["\\]/g, '\\$&')}"`;
  const fields = [
    `username=${q(input.username)}`,
    `realm=${q(ch.realm)}`,
    `nonce=${q(ch.nonce)}`,
    `uri=${q(input.uri)}`,
    `algorithm=${ch.algorithm}`,
    `response=${q(response)}`,
  ];
  if (ch.qop) fields.push(`qop=${ch.qop}`, `nc=${nc}`, `cnonce=${q(cnonce)}`);
  if (ch.opaque !== undefined) fields.push(`opaque=${q(ch.opaque)}`);
  return `Digest ${fields.join(', ')}`;
}

export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}
