// People's passwords: scrypt (memory-hard) from node:crypto, run off the main
// thread (libuv's pool), with its parameters stored beside the hash so they can
// be raised later (needsRehash), compared in constant time; and the minimum
// policy a new password must meet.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { FieldError } from '../errors.ts';
import { say } from '../messages.ts';

export interface ScryptParams { N: number; r: number; p: number }

/** 2^15 × 8 × 128 B = 32 MiB per hash: costly for a guessing rig, ~50-100 ms here. */
export const SCRYPT_PARAMS: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };
const KEY_LENGTH = 32;

const scryptAsync = (password: string, salt: Buffer, length: number, o: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scrypt(password.normalize('NFC'), salt, length, o, (err, key) => (err ? reject(err) : resolve(key))));

// Node's default maxmem (32 MiB) is exactly one hash at N=2^15; leave room for raised parameters.
const options = ({ N, r, p }: ScryptParams): ScryptOptions => ({ N, r, p, maxmem: 256 * N * r + 1024 * 1024 });

export async function hashUserPassword(password: string, params: ScryptParams = SCRYPT_PARAMS): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, KEY_LENGTH, options(params));
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

function parse(stored: string): { params: ScryptParams; salt: Buffer; hash: Buffer } | undefined {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  if (scheme !== 'scrypt' || !salt || !hash || !Object.values(params).every((v) => Number.isInteger(v) && v > 0)) return undefined;
  return { params, salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
}

export async function verifyUserPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (!parsed) return false;
  const actual = await scryptAsync(password, parsed.salt, parsed.hash.length, options(parsed.params));
  return timingSafeEqual(parsed.hash, actual);
}

/** True when the hash was made with weaker parameters than today's (rehash at the next good sign-in). */
export function needsRehash(stored: string, params: ScryptParams = SCRYPT_PARAMS): boolean {
  const parsed = parse(stored);
  return !parsed || parsed.params.N < params.N || parsed.params.r < params.r || parsed.params.p < params.p;
}

// Compared against when the user is unknown or has no password, so a wrong
// name costs the same time as a wrong password (no user enumeration by timing).
let dummy: Promise<string> | undefined;
export const dummyHash = (): Promise<string> => (dummy ??= hashUserPassword(randomBytes(16).toString('hex')));

export const MIN_PASSWORD_LENGTH = 10;
const MAX_PASSWORD_LENGTH = 256;

// The most common passwords in public breach lists (and their local variants), lower case.
const COMMON = new Set([
  '1234567890', '12345678910', '0123456789', '1111111111', '0000000000', '1234512345', '9876543210', '1q2w3e4r5t', '1qaz2wsx3edc',
  'qwertyuiop', 'qwerty1234', 'qwerty12345', 'password12', 'password123', 'password1234', 'passw0rd123', 'iloveyou12', 'abc1234567',
  'abcdefghij', 'a123456789', 'aa12345678', 'admin12345', 'admin123456', 'administrator', 'changeme123', 'welcome123', 'letmein123',
  'football12', 'baseball12', 'monkey1234', 'dragon1234', 'sunshine12', 'princess12', 'superman12', 'trustno1234', 'zxcvbnm123',
  'asdfghjkl1', 'woaini1314', 'woaini520520', '5201314520', '1314520520', 'aaaaaaaaaa', 'p@ssw0rd12', 'p@ssword123', 'gateway123',
  'gateway1234', 'operator123', 'engineer123', 'dispatcher1', 'qwe1234567', 'q1w2e3r4t5', 'zaq12wsxcde', '147258369a', '123qweasdzxc',
]);

/** What is wrong with a new password, as field errors on `field` (empty when it is acceptable). */
export function passwordProblems(password: string, username: string, field: string): FieldError[] {
  const lower = password.toLowerCase();
  const problems: FieldError[] = [];
  if ([...password].length < MIN_PASSWORD_LENGTH) problems.push({ field, ...say('password_too_short', { min: MIN_PASSWORD_LENGTH }) });
  if (password.length > MAX_PASSWORD_LENGTH) problems.push({ field, ...say('password_too_long', { max: MAX_PASSWORD_LENGTH }) });
  if (username && lower.includes(username.toLowerCase())) problems.push({ field, ...say('password_has_username') });
  if (COMMON.has(lower)) problems.push({ field, ...say('password_common') });
  return problems;
}

/**
 * A temporary password for a first admin or an admin reset: 16 characters from an unambiguous alphabet,
 * drawn again while it breaks the policy for `username` (a short name such as "x2" is inside about one
 * draw in a hundred, and the policy refuses a password holding the name).
 */
export function temporaryPassword(username = ''): string {
  for (;;) {
    const candidate = randomPassword();
    if (passwordProblems(candidate, username, 'password').length === 0) return candidate;
  }
}

function randomPassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const limit = 256 - (256 % alphabet.length); // bytes at or above this are dropped: no bias toward the first letters
  let out = '';
  while (out.length < 16) {
    for (const b of randomBytes(32)) if (b < limit && out.length < 16) out += alphabet[b % alphabet.length];
  }
  return out;
}
