// The sign-in in flight (PKCE verifier, state, nonce, where to return) rides
// in a short-lived cookie, encrypted and authenticated (AES-256-GCM) with a
// key derived from the node's token secret: nothing is kept in memory, so
// any node of a cluster (they share the secret) can finish the callback, and
// the browser can neither read the verifier nor change where it returns.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

export const FLOW_COOKIE = 'gw_oidc';
/** Only the sign-in routes need it back. */
export const FLOW_COOKIE_PATH = '/api/auth/oidc';

export interface PendingFlow {
  codeVerifier: string;
  state: string;
  nonce: string;
  /** A local path (/wall), checked before it was sealed. */
  returnTo: string;
  /** The redirect_uri sent to the provider (the token request must repeat it). */
  redirectUri: string;
  /** Epoch ms after which the flow is refused. */
  expiresAt: number;
}

export type FlowOpen = { ok: true; flow: PendingFlow } | { ok: false; why: string };

export class FlowSealer {
  private readonly key: Buffer;

  constructor(secret: Buffer, readonly ttlSeconds = 600) {
    this.key = createHmac('sha256', secret).update('oidc-flow-cookie').digest();
  }

  seal(flow: Omit<PendingFlow, 'expiresAt'>, now = Date.now()): { value: string; flow: PendingFlow } {
    const full: PendingFlow = { ...flow, expiresAt: now + this.ttlSeconds * 1000 };
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(full), 'utf8'), cipher.final()]);
    return { value: Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url'), flow: full };
  }

  open(value: string | undefined, now = Date.now()): FlowOpen {
    if (!value) return { ok: false, why: 'no sign-in in progress in this browser (the flow cookie is missing: expired, or another browser)' };
    const raw = Buffer.from(value, 'base64url');
    if (raw.length < 29) return { ok: false, why: 'the flow cookie is malformed' };
    let flow: PendingFlow;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      flow = JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')) as PendingFlow;
    } catch {
      // The reason is all a caller can act on; the cookie's bytes are not worth logging.
      return { ok: false, why: 'the flow cookie does not open (altered, or sealed by another gateway)' };
    }
    if (!(flow.expiresAt > now)) return { ok: false, why: 'the sign-in took too long (the flow cookie expired)' };
    return { ok: true, flow };
  }

  /** The Set-Cookie value; `secure` when the request came over TLS. */
  cookie(value: string, secure: boolean): string {
    return serialize(FLOW_COOKIE, value, this.ttlSeconds, secure);
  }

  clearCookie(secure: boolean): string {
    return serialize(FLOW_COOKIE, '', 0, secure);
  }
}

// SameSite=Lax: the provider's redirect back is a top-level GET, which carries Lax cookies.
const serialize = (name: string, value: string, maxAge: number, secure: boolean) =>
  `${name}=${value}; Path=${FLOW_COOKIE_PATH}; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;

/** One cookie's value from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
