// SIP URIs (`sip:user@host:port;params?headers`), `;name=value` parameter lists
// and quoted strings: the pieces the header grammars in syntax.ts are built from.
import { SipParseError } from './errors.ts';

/** Parameters by lower-cased name; null for a flag without value (`;rport`, `;lr`). */
export type SipParams = Map<string, string | null>;

export interface SipUri {
  scheme: 'sip' | 'sips';
  user?: string;
  password?: string;
  host: string;
  port?: number;
  params: SipParams;
  /** Raw `?…` part, rarely used. */
  headers?: string;
}

export const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
const PARAM_VALUE = /^[A-Za-z0-9\-.!%*_+`'~:[\]/&=$@?]+$/;
const USER = /^[A-Za-z0-9\-_.!~*'()&=+$,;?/%]+$/;
const HOSTNAME = /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/;
const IPV6 = /^\[[0-9A-Fa-f:.]+\]$/;

export function quote(text: string): string {
  return `"${text.replace(/["\\]/g, '\\$&')}"`;
}

/** Splits on `sep` outside quoted strings. */
export function splitOutsideQuotes(text: string, sep: string): string[] {
  const out: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted && ch === '\\') i++;
    else if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === sep) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (quoted) throw new SipParseError('unterminated quoted string');
  out.push(text.slice(start));
  return out;
}

/** A parameter value: a quoted string (unescaped) or a bare token-like word. */
export function parseValue(raw: string): string {
  const v = raw.trim();
  if (v.startsWith('"')) {
    if (v.length < 2 || !v.endsWith('"')) throw new SipParseError('bad quoted string');
    return v.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  if (!PARAM_VALUE.test(v)) throw new SipParseError('bad parameter value');
  return v;
}

/** Parses `;a=b;c;d="x"` (the leading `;` may be absent). */
export function parseParams(text: string): SipParams {
  const params: SipParams = new Map();
  const body = text.trim().replace(/^;/, '');
  if (body.trim() === '') return params;
  for (const part of splitOutsideQuotes(body, ';')) {
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (!TOKEN.test(name)) throw new SipParseError('bad parameter name');
    params.set(name, eq < 0 ? null : parseValue(part.slice(eq + 1)));
  }
  return params;
}

export function formatParams(params: SipParams | undefined): string {
  let out = '';
  for (const [name, value] of params ?? []) {
    if (value === null) out += `;${name}`;
    else out += `;${name}=${PARAM_VALUE.test(value) ? value : quote(value)}`;
  }
  return out;
}

/** `host[:port]` with IPv6 in brackets; SipParseError when not a valid host or port. */
export function parseHostPort(text: string): { host: string; port?: number } {
  const t = text.trim();
  const close = t.startsWith('[') ? t.indexOf(']') : -1;
  const colon = t.indexOf(':', close + 1);
  const host = colon < 0 ? t : t.slice(0, colon);
  if (!(IPV6.test(host) || HOSTNAME.test(host))) throw new SipParseError('bad host');
  if (colon < 0) return { host };
  const portText = t.slice(colon + 1).trim();
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65535) throw new SipParseError('bad port');
  return { host, port };
}

export function parseUri(text: string): SipUri {
  const m = /^(sips?):(.+)$/i.exec(text.trim());
  if (!m?.[1] || !m[2]) throw new SipParseError('bad SIP URI');
  const scheme = m[1].toLowerCase() as 'sip' | 'sips';
  let rest = m[2];
  let headers: string | undefined;
  const q = rest.indexOf('?');
  if (q >= 0) {
    headers = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  const uri: SipUri = { scheme, host: '', params: new Map() };
  const at = rest.indexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    const colon = userinfo.indexOf(':');
    uri.user = colon < 0 ? userinfo : userinfo.slice(0, colon);
    if (colon >= 0) uri.password = userinfo.slice(colon + 1);
    if (!USER.test(uri.user) || (uri.password !== undefined && uri.password !== '' && !USER.test(uri.password))) {
      throw new SipParseError('bad URI user part');
    }
    rest = rest.slice(at + 1);
  }
  const semi = rest.indexOf(';');
  const hostport = parseHostPort(semi < 0 ? rest : rest.slice(0, semi));
  uri.host = hostport.host;
  if (hostport.port !== undefined) uri.port = hostport.port;
  if (semi >= 0) uri.params = parseParams(rest.slice(semi));
  if (headers !== undefined) uri.headers = headers;
  return uri;
}

export function formatUri(uri: SipUri): string {
  const userinfo = uri.user === undefined ? '' : `${uri.user}${uri.password === undefined ? '' : `:${uri.password}`}@`;
  const port = uri.port === undefined ? '' : `:${uri.port}`;
  const headers = uri.headers === undefined ? '' : `?${uri.headers}`;
  return `${uri.scheme}:${userinfo}${uri.host}${port}${formatParams(uri.params)}${headers}`;
}
