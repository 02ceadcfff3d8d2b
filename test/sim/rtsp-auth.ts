// RTSP authentication as IP cameras do it: a 401 with a Digest (MD5,
// RFC 2617) challenge; the client answers with Digest, or with Basic, which
// older clients send unasked and which is accepted too.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface Credentials {
  username: string;
  password: string;
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

const safeEqual = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** Parses `key=value, key="quoted, value"` parameter lists of a Digest header. */
export function parseAuthParams(text: string): Map<string, string> {
  const params = new Map<string, string>();
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    params.set(m[1]!.toLowerCase(), m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? ''));
  }
  return params;
}

export class DigestAuth {
  readonly realm = 'CitySimCamera';
  /** Nonces this server handed out; bounded so a flood of 401s cannot grow it forever. */
  private readonly nonces = new Set<string>();

  constructor(private readonly creds: Credentials) {}

  /** Headers for a 401 answer, with a fresh nonce. */
  challenge(): Array<[string, string]> {
    const nonce = randomBytes(16).toString('hex');
    this.nonces.add(nonce);
    if (this.nonces.size > 1000) {
      const oldest = this.nonces.values().next().value;
      if (oldest !== undefined) this.nonces.delete(oldest);
    }
    return [['WWW-Authenticate', `Digest realm="${this.realm}", nonce="${nonce}", algorithm=MD5`]];
  }

  /** True when the Authorization header proves the configured credentials for this method. */
  verify(method: string, authorization: string | undefined): boolean {
    if (!authorization) return false;
    const space = authorization.indexOf(' ');
    const scheme = (space < 0 ? authorization : authorization.slice(0, space)).toLowerCase();
    const rest = space < 0 ? '' : authorization.slice(space + 1).trim();
    if (scheme === 'basic') {
      const decoded = Buffer.from(rest, 'base64').toString('utf8');
      return safeEqual(decoded, `${this.creds.username}:${this.creds.password}`);
    }
    if (scheme !== 'digest') return false;
    const p = parseAuthParams(rest);
    const nonce = p.get('nonce') ?? '';
    const uri = p.get('uri');
    const response = p.get('response');
    if (!this.nonces.has(nonce) || uri === undefined || response === undefined) return false;
    if (p.get('username') !== this.creds.username || p.get('realm') !== this.realm) return false;
    const algorithm = (p.get('algorithm') ?? 'MD5').toUpperCase();
    if (algorithm !== 'MD5') return false;
    const ha1 = md5(`${this.creds.username}:${this.realm}:${this.creds.password}`);
    const ha2 = md5(`${method}:${uri}`);
    const qop = p.get('qop');
    const expected = qop
      ? md5(`${ha1}:${nonce}:${p.get('nc') ?? ''}:${p.get('cnonce') ?? ''}:${qop}:${ha2}`)
      : md5(`${ha1}:${nonce}:${ha2}`);
    return safeEqual(expected, response.toLowerCase());
  }
}
