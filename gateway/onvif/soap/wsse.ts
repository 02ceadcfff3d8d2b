// WS-Security UsernameToken with PasswordDigest (OASIS UsernameToken Profile
// 1.0, as ONVIF Core §5.12 requires): Base64(SHA1(nonce + created + password)).
// Cameras refuse a Created outside a few seconds of their own clock, so the
// caller passes the skew measured by GetSystemDateAndTime.
import { createHash, randomBytes } from 'node:crypto';
import { escapeXml } from '../../xml/safe-xml.ts';

const WSSE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
const WSU = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';
const DIGEST_TYPE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest';
const BASE64_TYPE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary';

export function passwordDigest(nonce: Buffer, created: string, password: string): string {
  return createHash('sha1').update(Buffer.concat([nonce, Buffer.from(created, 'utf8'), Buffer.from(password, 'utf8')])).digest('base64');
}

/** Our clock plus the camera's skew, ISO 8601 UTC without milliseconds (as in the ONVIF examples). */
export function createdAt(nowMs: number, skewMs: number): string {
  return new Date(Math.round(nowMs + skewMs)).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface UsernameTokenInput {
  username: string;
  password: string;
  skewMs: number;
  nowMs?: number;
  nonce?: Buffer;
}

/** The `<wsse:Security>` header element. */
export function securityHeader(input: UsernameTokenInput): string {
  const nonce = input.nonce ?? randomBytes(16);
  const created = createdAt(input.nowMs ?? Date.now(), input.skewMs);
  return (
    `<wsse:Security xmlns:wsse="${WSSE}" xmlns:wsu="${WSU}"><wsse:UsernameToken>` +
    `<wsse:Username>${escapeXml(input.username)}</wsse:Username>` +
    `<wsse:Password Type="${DIGEST_TYPE}">${passwordDigest(nonce, created, input.password)}</wsse:Password>` +
    `<wsse:Nonce EncodingType="${BASE64_TYPE}">${nonce.toString('base64')}</wsse:Nonce>` +
    `<wsu:Created>${created}</wsu:Created></wsse:UsernameToken></wsse:Security>`
  );
}
