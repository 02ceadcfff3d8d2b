// Who may call a simulated camera: WS-Security UsernameToken in the SOAP
// header, HTTP Digest on the request, or either, as the camera is set up.
// A refusal is either an HTTP 401 challenge (digest) or a ter:NotAuthorized
// fault (WS-Security), which is what a client has to tell apart.
import { DigestServer } from '../../../gateway/gb28181/sip/index.ts';
import type { XmlElement } from './xml.ts';
import { WsseChecker, type WsseResult } from './wsse.ts';

export type AuthMode = 'ws-security' | 'http-digest' | 'both';
export type AuthBy = 'ws-security' | 'http-digest' | 'none';

export type AuthOutcome =
  | { ok: true; by: AuthBy }
  /** `challenge`: answer 401 with WWW-Authenticate; `fault`: answer ter:NotAuthorized. */
  | { ok: false; answer: 'challenge' | 'fault'; reason: string };

export interface DeviceAuthOptions {
  username: string;
  password: string;
  mode: AuthMode;
  windowMs: number;
  deviceNow: () => number;
  realm: string;
}

export class DeviceAuth {
  private readonly wsse: WsseChecker;
  private readonly digest: DigestServer;

  constructor(private readonly o: DeviceAuthOptions) {
    this.wsse = new WsseChecker(o);
    this.digest = new DigestServer({ realm: o.realm, qop: true });
  }

  /** WWW-Authenticate value for a 401. */
  challenge(): string {
    return this.digest.challenge();
  }

  /** A SOAP request: its header (for the UsernameToken) and its HTTP Authorization. */
  soap(header: XmlElement, authorization: string | undefined): AuthOutcome {
    const { mode } = this.o;
    if (mode !== 'ws-security' && authorization !== undefined) {
      const http = this.http('POST', authorization);
      if (http === 'ok') return { ok: true, by: 'http-digest' };
      if (mode === 'http-digest') return { ok: false, answer: 'challenge', reason: `http digest: ${http}` };
    }
    if (mode === 'http-digest') return { ok: false, answer: 'challenge', reason: 'http digest: no Authorization' };
    const verdict = this.wsse.check(header);
    if (verdict.result === 'ok') return { ok: true, by: 'ws-security' };
    if (verdict.result === 'absent' && mode === 'both') return { ok: false, answer: 'challenge', reason: 'no credentials' };
    return { ok: false, answer: 'fault', reason: `ws-security: ${describe(verdict.result)}${verdict.reason ? ` (${verdict.reason})` : ''}` };
  }

  /** HTTP Digest on any request (SOAP in digest modes, snapshots always). */
  http(method: string, authorization: string | undefined): 'ok' | 'absent' | 'bad-password' | 'unknown-user' | 'stale' | 'replayed' | 'malformed' {
    if (!authorization) return 'absent';
    const v = this.digest.verify(authorization, method, this.o.password);
    if (v.result === 'ok' && v.username !== this.o.username) return 'unknown-user';
    return v.result;
  }
}

function describe(result: WsseResult): string {
  return result === 'absent' ? 'no UsernameToken' : result;
}
