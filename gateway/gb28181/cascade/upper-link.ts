// One upper platform's link: REGISTER with digest, refresh before expiry,
// keepalive MESSAGEs, and on loss (keepalives unanswered or refused, a
// refused refresh) register again with exponential backoff. Its status says
// why in words a person reads; the password never leaves this file.
import type { Logger } from 'pino';
import { buildKeepalive } from '../manscdp/index.ts';
import { digestAuthorization, parseDigestParams, SipError, SipParseError, type SipEndpoint, type SipRemote, type SipRequest, type SipResponse } from '../sip/index.ts';
import type { UpperPlatform } from './config.ts';
import type { UpperRequests } from './upper-requests.ts';

/** standby: another node of the cluster holds the links (cascade/README.md, In a cluster). */
export type LinkState = 'registering' | 'registered' | 'failed' | 'standby';

export interface LinkCounts {
  registrations: number;
  registerFailures: number;
  keepalivesSent: number;
  keepalivesFailed: number;
  catalogQueries: number;
  deviceInfoQueries: number;
  deviceStatusQueries: number;
  catalogNotifies: number;
  invites: number;
  byes: number;
  controls: number;
  alarmsSent: number;
}

export interface LinkStatus {
  id: string;
  address: string;
  port: number;
  transport: 'udp' | 'tcp';
  state: LinkState;
  reason?: string;
  lastRegisteredAt?: string;
  expiresAt?: string;
  nextAttemptAt?: string;
  counts: LinkCounts;
}

export interface LinkHooks {
  /** Registered afresh (not a refresh). */
  registered(): void;
  /** The link is gone (its sessions end). */
  lost(reason: string): void;
}

export interface LinkOptions {
  /** How long a REGISTER or keepalive may go unanswered. */
  requestTimeoutMs: number;
  /** First pause after a failure; doubled each time up to the upper's maxBackoffSeconds. */
  backoffBaseMs?: number;
}

export class UpperLink {
  state: LinkState = 'registering';
  reason: string | undefined = 'starting';
  readonly counts: LinkCounts = {
    registrations: 0, registerFailures: 0, keepalivesSent: 0, keepalivesFailed: 0, catalogQueries: 0, deviceInfoQueries: 0,
    deviceStatusQueries: 0, catalogNotifies: 0, invites: 0, byes: 0, controls: 0, alarmsSent: 0,
  };
  private lastRegisteredAt: number | undefined;
  private expiresAt: number | undefined;
  private nextAttemptAt: number | undefined;
  private failures = 0;
  private missed = 0;
  private sn = 1;
  private timer: NodeJS.Timeout | undefined;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Bumped at each start and halt: an answer that comes back for an earlier run is dropped. */
  private run = 0;

  constructor(
    readonly upper: UpperPlatform,
    private readonly sip: SipEndpoint,
    readonly out: UpperRequests,
    private readonly hooks: LinkHooks,
    private readonly log: Logger,
    private readonly opts: LinkOptions,
  ) {}

  get registered(): boolean {
    return this.state === 'registered';
  }

  nextSn(): number {
    this.sn = (this.sn % 1_000_000_000) + 1;
    return this.sn;
  }

  /** Registers (again, after a standby). */
  start(): void {
    this.stopped = false;
    this.run++;
    this.failures = 0;
    this.state = 'registering';
    this.reason = 'starting';
    this.schedule(0);
  }

  /** Unregisters (Expires: 0) when registered, and stops every timer. */
  async stop(): Promise<void> {
    if (this.stopped && this.state === 'failed') return;
    await this.halt('failed', 'stopped', true);
  }

  /**
   * Another node holds the links: every timer stops, and the registration is
   * left to the node taking over (`unregister` only when this node leaves and
   * gives the links back: a late Expires 0 must not undo the successor's).
   */
  async standby(reason: string, unregister: boolean): Promise<void> {
    await this.halt('standby', reason, unregister);
  }

  private async halt(state: LinkState, reason: string, unregister: boolean): Promise<void> {
    this.stopped = true;
    this.run++;
    clearTimeout(this.timer);
    clearInterval(this.keepaliveTimer);
    const wasRegistered = this.state === 'registered';
    this.state = state;
    this.reason = reason;
    this.expiresAt = undefined;
    if (!wasRegistered || !unregister) return;
    try {
      // A shutdown waits at most a few seconds for a platform that may be gone.
      await this.registerOnce(0, Math.min(this.opts.requestTimeoutMs, 2000));
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, 'GB28181 upper platform: unregister not answered');
    }
  }

  /** Sends a request to the upper platform (in a dialog: where its requests came from); resolves with its final answer. */
  request(req: SipRequest, timeoutMs = this.opts.requestTimeoutMs, remote: SipRemote = this.out.remote): Promise<SipResponse> {
    return this.sip.request(remote, req, { timeoutMs });
  }

  status(): LinkStatus {
    const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
    return {
      id: this.upper.id, address: this.upper.address, port: this.upper.port, transport: this.upper.transport, state: this.state,
      ...(this.reason ? { reason: this.reason } : {}),
      lastRegisteredAt: iso(this.lastRegisteredAt), expiresAt: iso(this.expiresAt), nextAttemptAt: this.state === 'failed' ? iso(this.nextAttemptAt) : undefined,
      counts: { ...this.counts },
    };
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.nextAttemptAt = Date.now() + delayMs;
    this.timer = setTimeout(() => {
      this.attempt().catch((err: unknown) => {
        this.log.error({ upperId: this.upper.id, err }, 'GB28181 upper platform: registration failed unexpectedly');
        this.fail(`internal error: ${(err as Error).message}`);
      });
    }, delayMs);
  }

  private async attempt(): Promise<void> {
    const run = this.run;
    const refresh = this.state === 'registered';
    if (!refresh) {
      this.state = 'registering';
    }
    let outcome: { ok: true; expires: number } | { ok: false; reason: string };
    try {
      outcome = await this.registerOnce(this.upper.registerSeconds);
    } catch (err) {
      outcome = { ok: false, reason: unreachable(err, this.opts.requestTimeoutMs) };
    }
    if (this.stopped || run !== this.run) return;
    if (outcome.ok) return this.onRegistered(outcome.expires, refresh);
    this.counts.registerFailures++;
    this.fail(outcome.reason);
  }

  private onRegistered(expires: number, refresh: boolean): void {
    const now = Date.now();
    this.counts.registrations++;
    this.failures = 0;
    this.missed = 0;
    this.lastRegisteredAt = now;
    this.expiresAt = now + expires * 1000;
    this.state = 'registered';
    this.reason = undefined;
    // Refreshed at two thirds of the time granted, well before it runs out.
    this.schedule(Math.max(1000, (expires * 1000 * 2) / 3));
    if (refresh) return;
    this.log.info({ upperId: this.upper.id, expires }, 'GB28181 registered with the upper platform');
    this.startKeepalive();
    this.hooks.registered();
  }

  /** A failed attempt or a lost link: status with the reason, sessions ended, the next attempt after a growing pause. */
  private fail(reason: string, retryNow = false): void {
    const wasRegistered = this.state === 'registered';
    clearInterval(this.keepaliveTimer);
    this.state = 'failed';
    this.reason = reason;
    this.expiresAt = undefined;
    this.failures++;
    const base = this.opts.backoffBaseMs ?? 2000;
    const delay = Math.min(this.upper.maxBackoffSeconds * 1000, base * 2 ** Math.min(this.failures - 1, 20));
    this.log.warn({ upperId: this.upper.id, reason, retryInMs: delay }, 'GB28181 upper platform: not registered');
    if (wasRegistered) this.hooks.lost(reason);
    this.schedule(retryNow ? 0 : delay);
  }

  /** One REGISTER, answering a 401 challenge once with the digest. */
  private async registerOnce(expires: number, timeoutMs = this.opts.requestTimeoutMs): Promise<{ ok: true; expires: number } | { ok: false; reason: string }> {
    let res = await this.request(this.out.register(expires), timeoutMs);
    if (res.status === 401) {
      const challenge = parseDigestParams(res.headers.get('WWW-Authenticate') ?? '');
      const authorization = digestAuthorization({
        username: this.out.me.id, password: this.upper.password, realm: challenge.get('realm') ?? '', nonce: challenge.get('nonce') ?? '',
        uri: this.out.registrarUri, method: 'REGISTER', qop: challenge.get('qop'), opaque: challenge.get('opaque'),
      });
      res = await this.request(this.out.register(expires, authorization), timeoutMs);
    }
    if (res.status >= 200 && res.status < 300) {
      const granted = Number(res.headers.get('Expires') ?? expires);
      return { ok: true, expires: Number.isFinite(granted) && granted > 0 ? granted : expires };
    }
    if (res.status === 403 || res.status === 401) return { ok: false, reason: 'wrong password' };
    return { ok: false, reason: `refused: ${res.status} ${res.reason}` };
  }

  private startKeepalive(): void {
    clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = setInterval(() => {
      this.keepalive().catch((err: unknown) => this.log.error({ upperId: this.upper.id, err }, 'GB28181 upper platform: keepalive failed unexpectedly'));
    }, this.upper.keepaliveSeconds * 1000);
  }

  private async keepalive(): Promise<void> {
    if (this.state !== 'registered') return;
    const run = this.run;
    this.counts.keepalivesSent++;
    let status: number | undefined;
    try {
      status = (await this.request(this.out.message(buildKeepalive(this.nextSn(), this.out.me.id)), Math.min(this.opts.requestTimeoutMs, this.upper.keepaliveSeconds * 1000))).status;
    } catch (err) {
      if (!(err instanceof SipError)) throw err;
    }
    if (this.state !== 'registered' || this.stopped || run !== this.run) return;
    if (status !== undefined && status < 300) {
      this.missed = 0;
      return;
    }
    this.counts.keepalivesFailed++;
    // The upper platform forgot us (its restart): register again at once.
    if (status !== undefined && status !== 408) return this.fail(`keepalive refused (${status})`, true);
    if (++this.missed >= this.upper.keepaliveMissed) this.fail(`keepalive unanswered ${this.missed} times`);
  }
}

/** A REGISTER that got no answer: timeout, connection refused, ICMP port unreachable. */
function unreachable(err: unknown, timeoutMs: number): string {
  if (err instanceof SipParseError) return `bad answer: ${err.message}`;
  if (!(err instanceof SipError)) throw err;
  if (err.code === 'SIP_ERR_TIMEOUT') return `unreachable: no answer within ${Math.round(timeoutMs / 1000)} s`;
  return `unreachable: ${err.message}`;
}
