// Short-lived tokens for URLs: a browser cannot send an Authorization header
// from a <video>, an <img> or an EventSource, and a long-lived API key in a
// URL ends up in history, proxy logs and Referer headers. A token names what
// it is for (a channel, or every URL-authenticated read), the key behind it
// and its expiry, signed with HMAC-SHA256; nothing is stored per token.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type TokenCheck = { ok: true; keyId: string; expiresAt: number } | { ok: false; why: string };

export class SignedTokens {
  private readonly key: Buffer;

  /** `purpose` separates token families signed from one secret: a media token is never a URL token. */
  constructor(secret: Buffer, readonly ttlSeconds: number, private readonly prefix = '', purpose = '', private readonly notHere = 'token is not valid here') {
    this.key = purpose ? createHmac('sha256', secret).update(purpose).digest() : secret;
  }

  private sign(subject: string, exp: number, keyId: string): string {
    return createHmac('sha256', this.key).update(`${subject}\n${exp}\n${keyId}`).digest('base64url').slice(0, 32);
  }

  issue(subject: string, keyId: string, now = Date.now()): { token: string; expiresAt: number } {
    const exp = Math.floor(now / 1000) + this.ttlSeconds;
    const token = `${this.prefix}${exp}.${Buffer.from(keyId).toString('base64url')}.${this.sign(subject, exp, keyId)}`;
    return { token, expiresAt: exp * 1000 };
  }

  /** True when the text has this family's shape (a cheap test before verify). */
  looksLike(token: string): boolean {
    return token.startsWith(this.prefix) && token.split('.').length === 3;
  }

  verify(token: string, subject: string, now = Date.now()): TokenCheck {
    if (!token.startsWith(this.prefix)) return { ok: false, why: 'malformed token' };
    const [expText, keyPart, sig] = token.slice(this.prefix.length).split('.');
    if (!expText || !keyPart || !sig) return { ok: false, why: 'malformed token' };
    const exp = Number(expText);
    const keyId = Buffer.from(keyPart, 'base64url').toString();
    const expected = Buffer.from(this.sign(subject, exp, keyId));
    const given = Buffer.from(sig);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, why: this.notHere };
    if (!(exp * 1000 > now)) return { ok: false, why: 'token expired' };
    return { ok: true, keyId, expiresAt: exp * 1000 };
  }
}

/** Tokens for `?access_token=` on the URL-authenticated reads (event stream, snapshots). */
export class UrlTokens extends SignedTokens {
  static readonly PREFIX = 'gwu_';
  constructor(secret: Buffer, ttlSeconds: number) {
    super(secret, ttlSeconds, UrlTokens.PREFIX, 'url-token');
  }
  issueFor(keyId: string, now = Date.now()) {
    return this.issue('url', keyId, now);
  }
  check(token: string, now = Date.now()): TokenCheck {
    return this.verify(token, 'url', now);
  }
}
