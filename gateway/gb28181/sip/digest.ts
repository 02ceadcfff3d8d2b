// Server side of SIP Digest authentication (RFC 2617 with MD5, as GB/T 28181 uses it).
// Nonces are HMAC-signed timestamps: no state per challenge, only per nonce used.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { SipParseError } from './errors.ts';
import { digestResponse, parseDigestParams } from './digest-client.ts';
import { quote } from './uri.ts';

export { digestAuthorization, digestResponse, parseDigestParams } from './digest-client.ts';
export type { ClientDigestOptions, DigestInput } from './digest-client.ts';

export interface DigestServerOptions {
  realm: string;
  /** HMAC key for nonces; random per process by default (nonces then die with a restart: `stale`). */
  secret?: Buffer;
  /** How long a nonce is accepted; default 2 minutes (devices answer a challenge at once). */
  nonceTtlMs?: number;
  /** Offer qop="auth"; default off, most GB28181 devices answer without qop anyway. */
  qop?: boolean;
  opaque?: string;
  /** Used nonces remembered for replay detection; default 20 000. Size it above the authentications expected per nonce TTL. */
  maxTrackedNonces?: number;
  now?: () => number;
}

export type DigestResult = 'ok' | 'bad-password' | 'stale' | 'replayed' | 'malformed';

export interface DigestVerdict {
  result: DigestResult;
  username?: string;
  /** Why, for logs: which check failed. */
  reason?: string;
}

interface Used {
  nc: number;
  issued: number;
}

const FUTURE_SKEW_MS = 60_000;

export class DigestServer {
  readonly realm: string;
  private readonly secret: Buffer;
  private readonly ttl: number;
  private readonly max: number;
  private readonly now: () => number;
  private readonly used = new Map<string, Used>();
  // Nonces issued at or before this instant are refused: their replay record was evicted.
  private floor = -Infinity;

  constructor(private readonly opts: DigestServerOptions) {
    this.realm = opts.realm;
    this.secret = opts.secret ?? randomBytes(32);
    this.ttl = opts.nonceTtlMs ?? 2 * 60_000;
    this.max = opts.maxTrackedNonces ?? 20_000;
    this.now = opts.now ?? Date.now;
  }

  /** A `WWW-Authenticate` value with a fresh nonce; `stale` tells the client its password was right. */
  challenge(stale = false): string {
    const issued = this.now().toString(36);
    const salt = randomBytes(9).toString('base64url');
    const nonce = `${issued}.${salt}.${this.sign(issued, salt)}`;
    const parts = [`realm=${quote(this.realm)}`, `nonce=${quote(nonce)}`, 'algorithm=MD5'];
    if (this.opts.qop) parts.push('qop="auth"');
    if (this.opts.opaque !== undefined) parts.push(`opaque=${quote(this.opts.opaque)}`);
    if (stale) parts.push('stale=TRUE');
    return `Digest ${parts.join(', ')}`;
  }

  /**
   * Checks an Authorization value. `password` undefined means the user is unknown
   * (reported as bad-password). The digest is checked before the nonce, so
   * `stale` and `replayed` imply the client knows the password.
   */
  verify(authorization: string, method: string, password: string | undefined): DigestVerdict {
    let p: Map<string, string>;
    try {
      p = parseDigestParams(authorization);
    } catch (err) {
      if (err instanceof SipParseError) return { result: 'malformed', reason: err.reason };
      throw err;
    }
    const [username, realm, nonce, uri, response] = ['username', 'realm', 'nonce', 'uri', 'response'].map((k) => p.get(k));
    if (username === undefined || realm === undefined || nonce === undefined || uri === undefined || response === undefined) {
      return { result: 'malformed', reason: 'missing parameter' };
    }
    const fail = (result: DigestResult, reason: string): DigestVerdict => ({ result, username, reason });
    if (realm !== this.realm) return fail('malformed', 'other realm');
    const algorithm = p.get('algorithm')?.toUpperCase() ?? 'MD5';
    if (algorithm !== 'MD5') return fail('malformed', `algorithm ${algorithm} not supported`);
    if (!/^[0-9a-fA-F]{32}$/.test(response)) return fail('malformed', 'bad response');
    const qop = p.get('qop');
    const ncText = p.get('nc');
    const cnonce = p.get('cnonce');
    if (qop !== undefined && (qop.toLowerCase() !== 'auth' || !/^[0-9a-fA-F]{8}$/.test(ncText ?? '') || !cnonce)) {
      return fail('malformed', 'bad qop, nc or cnonce');
    }
    const nc = qop ? parseInt(ncText ?? '', 16) : undefined;
    if (password === undefined) return fail('bad-password', 'unknown user');
    const expected = digestResponse({ username, password, realm, nonce, uri, method, qop: qop ? 'auth' : undefined, nc, cnonce });
    if (!timingSafeEqual(Buffer.from(expected), Buffer.from(response.toLowerCase()))) return fail('bad-password', 'digest mismatch');
    const issued = this.issuedAt(nonce);
    if (issued === undefined) return fail('stale', 'nonce not ours or expired');
    return this.recordUse(nonce, issued, nc) ? { result: 'ok', username } : fail('replayed', 'nonce or nc reused');
  }

  /** Number of nonces currently remembered (bounded by maxTrackedNonces). */
  get tracked(): number {
    return this.used.size;
  }

  private sign(issued: string, salt: string): string {
    return createHmac('sha256', this.secret).update(`${this.realm}:${issued}:${salt}`).digest('base64url').slice(0, 22);
  }

  /** Issue time of a nonce we signed that is still valid, else undefined. */
  private issuedAt(nonce: string): number | undefined {
    const [issuedText, salt, sig, extra] = nonce.split('.');
    if (!issuedText || !salt || !sig || extra !== undefined || !/^[0-9a-z]{1,12}$/.test(issuedText)) return undefined;
    const expected = Buffer.from(this.sign(issuedText, salt));
    const given = Buffer.from(sig);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const issued = parseInt(issuedText, 36);
    const now = this.now();
    if (issued <= this.floor || issued < now - this.ttl || issued > now + FUTURE_SKEW_MS) return undefined;
    return issued;
  }

  /**
   * Without qop a nonce is single-use; with qop each use needs a higher nc.
   * Returns false for a replay.
   */
  private recordUse(nonce: string, issued: number, nc: number | undefined): boolean {
    const prev = this.used.get(nonce);
    if (prev && (nc === undefined || nc <= prev.nc)) return false;
    this.used.delete(nonce);
    this.used.set(nonce, { nc: nc ?? Infinity, issued });
    this.prune();
    return true;
  }

  private prune(): void {
    const oldest = this.now() - this.ttl;
    for (const [nonce, entry] of this.used) {
      const expired = entry.issued < oldest;
      if (!expired && this.used.size <= this.max) break;
      this.used.delete(nonce);
      // Forgetting a live nonce would allow its replay: refuse everything issued up to it instead.
      if (!expired) this.floor = Math.max(this.floor, entry.issued);
    }
  }
}
