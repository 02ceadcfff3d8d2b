// Secrets at rest: user-chosen passwords get a salted scrypt hash; API keys are
// long random tokens, so a SHA-256 of them is enough and fast to look up.
import { createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

const SCRYPT = { N: 16384, r: 8, p: 1, keyLength: 32 };

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, SCRYPT.keyLength, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export function verifyPassword(password: string, stored: string): boolean {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = scryptSync(password, Buffer.from(salt, 'base64'), expected.length, { N: Number(n), r: Number(r), p: Number(p) });
  return timingSafeEqual(expected, actual);
}

/** A new API key secret: a recognisable prefix and 192 random bits. */
export const newApiKeySecret = (): string => `gwk_${randomBytes(24).toString('base64url')}`;

export const hashApiKey = (secret: string): string => createHash('sha256').update(secret).digest('hex');

/** A random RTMP push key (the stream name an encoder pushes to). */
export const newPushKey = (): string => randomBytes(18).toString('base64url');

export const newId = (prefix: string): string => `${prefix}-${randomBytes(5).toString('hex')}`;
