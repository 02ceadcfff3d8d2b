// WS-Security UsernameToken checking as an ONVIF camera does it:
// PasswordDigest = Base64(SHA1(nonce + created + password)), `Created` within
// a few seconds of the camera's own clock (which may be far from ours), and a
// nonce accepted once.
import { createHash, timingSafeEqual } from 'node:crypto';
import { childElement, childText, attribute, type XmlElement } from './xml.ts';

export type WsseResult = 'ok' | 'absent' | 'bad-password' | 'unknown-user' | 'stale' | 'replayed' | 'malformed';

export interface WsseVerdict {
  result: WsseResult;
  /** Which check failed, for tests (never the password). */
  reason?: string;
}

export interface WsseCheckerOptions {
  username: string;
  password: string;
  /** How far `Created` may be from the device clock; cameras allow a few seconds. */
  windowMs: number;
  /** The device clock (ours plus its skew). */
  deviceNow: () => number;
}

const MAX_REMEMBERED_NONCES = 50_000;

export function passwordDigest(nonce: Buffer, created: string, password: string): string {
  return createHash('sha1').update(Buffer.concat([nonce, Buffer.from(created, 'utf8'), Buffer.from(password, 'utf8')])).digest('base64');
}

export class WsseChecker {
  /** Nonces seen, with when (our clock) they may be forgotten: a replay after that is stale anyway. */
  private readonly seen = new Map<string, number>();

  constructor(private readonly o: WsseCheckerOptions) {}

  check(header: XmlElement): WsseVerdict {
    const token = childElement(childElement(header, 'Security') ?? {}, 'UsernameToken');
    if (!token) return { result: 'absent' };
    const username = childText(token, 'Username');
    const passwordEl = childElement(token, 'Password');
    const password = passwordEl && childText(passwordEl, '#text');
    const nonceText = childText(childElement(token, 'Nonce') ?? {}, '#text');
    const created = childText(childElement(token, 'Created') ?? {}, '#text');
    if (!username || !password || !nonceText || !created) return { result: 'malformed', reason: 'Username, Password, Nonce and Created are all needed' };
    const type = passwordEl && attribute(passwordEl, 'Type');
    if (type && !type.endsWith('#PasswordDigest')) return { result: 'malformed', reason: `password type ${type.slice(type.lastIndexOf('#') + 1)} not accepted` };
    if (username !== this.o.username) return { result: 'unknown-user' };
    const nonce = Buffer.from(nonceText, 'base64');
    const expected = Buffer.from(passwordDigest(nonce, created, this.o.password));
    const given = Buffer.from(password);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { result: 'bad-password', reason: 'digest mismatch' };
    const createdMs = Date.parse(created);
    if (Number.isNaN(createdMs)) return { result: 'malformed', reason: 'Created is not a dateTime' };
    const offset = createdMs - this.o.deviceNow();
    if (Math.abs(offset) > this.o.windowMs) return { result: 'stale', reason: `Created is ${Math.round(offset / 1000)} s from the device clock` };
    return this.remember(nonceText) ? { result: 'ok' } : { result: 'replayed', reason: 'nonce already used' };
  }

  private remember(nonce: string): boolean {
    const now = Date.now();
    for (const [n, forgetAt] of this.seen) {
      if (forgetAt > now && this.seen.size < MAX_REMEMBERED_NONCES) break;
      this.seen.delete(n);
    }
    if (this.seen.has(nonce)) return false;
    // A replay is refused while its Created could still be in the window.
    this.seen.set(nonce, now + 2 * this.o.windowMs + 1000);
    return true;
  }
}
