// Short-lived media tokens: a browser player cannot send an Authorization
// header on every segment, and an API key in a URL would end up in history
// and proxy logs. A token names one channel and one key, expires, and rides
// in the URL path so that relative segment URLs in the playlist keep it.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function loadOrCreateSecret(dataDir: string): Buffer {
  const file = join(dataDir, 'media-token.key');
  if (existsSync(file)) return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  const secret = randomBytes(32);
  writeFileSync(file, secret.toString('base64'), { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}

export type TokenCheck = { ok: true; keyId: string } | { ok: false; why: string };

export class MediaTokens {
  constructor(private readonly secret: Buffer, private readonly ttlSeconds: number) {}

  private sign(channelId: string, exp: number, keyId: string): string {
    return createHmac('sha256', this.secret).update(`${channelId}\n${exp}\n${keyId}`).digest('base64url').slice(0, 32);
  }

  issue(channelId: string, keyId: string, now = Date.now()): { token: string; expiresAt: number } {
    const exp = Math.floor(now / 1000) + this.ttlSeconds;
    const token = `${exp}.${Buffer.from(keyId).toString('base64url')}.${this.sign(channelId, exp, keyId)}`;
    return { token, expiresAt: exp * 1000 };
  }

  verify(token: string, channelId: string, now = Date.now()): TokenCheck {
    const [expText, keyPart, sig] = token.split('.');
    if (!expText || !keyPart || !sig) return { ok: false, why: 'malformed token' };
    const exp = Number(expText);
    const keyId = Buffer.from(keyPart, 'base64url').toString();
    const expected = Buffer.from(this.sign(channelId, exp, keyId));
    const given = Buffer.from(sig);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, why: 'token is not valid for this channel' };
    if (!(exp * 1000 > now)) return { ok: false, why: 'token expired' };
    return { ok: true, keyId };
  }
}
