// REGISTER (GB/T 28181 §9.1): digest authentication against the device's own
// password (or the global one), unregister with Expires: 0, refresh, a query
// for the current binding (no Contact, RFC 3261 §10.3), and the unknown-device
// policy. Answers 401 to challenge, 403 to refuse. The password and the
// enabled flag are read from the registry for every REGISTER, so an edit
// applies to the next one.
import type { Logger } from 'pino';
import type { RegistryService, StoredRow } from '../../device-registry/index.ts';
import type { Gb28181Config } from './config.ts';
import { deviceSettings, sameDevice, type DeviceSessions } from './devices.ts';
import { deviceAddressOf, type EdgeProxies } from './edge-proxy.ts';
import { senderOf } from './sender.ts';
import { DigestServer, type SipEndpoint, type SipRemote, type SipRequest } from './sip/index.ts';

const ACTOR = { keyId: null, name: 'gb28181 register', role: null } as const;
const DEVICE_ID = /^\d{20}$/;

export interface RegisterOutcome {
  deviceId: string;
  result: 'registered' | 'refreshed' | 'unregistered' | 'queried' | 'challenged' | 'refused' | 'bad-request';
  reason?: string;
}

export interface RegisterHooks {
  /** A device registered afresh (new, or from a new address): time for catalog and info. */
  fresh(deviceId: string): void;
  /** A known device was refused and is not registered: the reason its status shows. */
  refused(deviceId: string, reason: string): void;
}

/** Why a known device is refused without a challenge, and what its status says then. */
type Refusal = { why: string; status?: string };

export class RegisterHandler {
  readonly digest: DigestServer;
  readonly counts = { registered: 0, refreshed: 0, unregistered: 0, queried: 0, challenged: 0, refused: 0, badRequest: 0 };
  /** Registry edits per device: a REGISTER checked against a row that changed meanwhile is checked again. */
  private readonly edits = new Map<string, number>();

  constructor(
    private readonly config: Gb28181Config,
    private readonly registry: RegistryService,
    private readonly sessions: DeviceSessions,
    private readonly sip: SipEndpoint,
    private readonly log: Logger,
    private readonly hooks: RegisterHooks,
    private readonly edge: EdgeProxies,
  ) {
    this.digest = new DigestServer({ realm: config.domain, nonceTtlMs: config.register.nonceTtlSeconds * 1000 });
  }

  async handle(req: SipRequest, remote: SipRemote): Promise<RegisterOutcome> {
    const deviceId = senderOf(req);
    if (!deviceId || !DEVICE_ID.test(deviceId)) {
      await this.sip.respond(req, remote, 400, 'Bad Request (From must name a 20-digit device id)');
      return this.count({ deviceId: deviceId ?? '', result: 'bad-request', reason: 'bad device id' });
    }
    const edits = this.editsOf(deviceId);
    const row = await this.registry.getStored('gbDevices', deviceId);
    const admission = this.admission(row);
    if ('why' in admission) {
      await this.sip.respond(req, remote, 403, `Forbidden (${admission.why})`);
      if (admission.status) this.refuse(req, deviceId, remote, admission.status);
      return this.count({ deviceId, result: 'refused', reason: admission.why });
    }
    const { password } = admission;
    const authorization = req.headers.get('Authorization');
    if (!authorization) return this.challenge(req, remote, deviceId, false);
    const verdict = this.digest.verify(authorization, 'REGISTER', password);
    if (verdict.result === 'malformed') {
      await this.sip.respond(req, remote, 400, `Bad Request (authorization: ${verdict.reason ?? 'malformed'})`);
      return this.count({ deviceId, result: 'bad-request', reason: verdict.reason });
    }
    if (verdict.result === 'bad-password' || verdict.username !== deviceId) {
      await this.sip.respond(req, remote, 403, 'Forbidden (wrong password)');
      if (row) this.refuse(req, deviceId, remote, 'auth failed');
      return this.count({ deviceId, result: 'refused', reason: 'wrong password' });
    }
    // A stale or replayed nonce from a client that knows the password: challenge afresh.
    if (verdict.result !== 'ok') return this.challenge(req, remote, deviceId, verdict.result === 'stale', verdict.reason);
    // Disabled or given a new password while this REGISTER was checked: check it again against the edit.
    if (this.editsOf(deviceId) !== edits) return this.challenge(req, remote, deviceId, false, 'device edited during the REGISTER');
    const contact = req.headers.get('Contact')?.trim();
    // No Contact asks for the current binding and changes nothing (RFC 3261 §10.3 step 6).
    if (!contact) return this.query(req, remote, deviceId);
    // Only a device that proved it knows the global password is added to the registry.
    const device = row ?? (await this.create(deviceId));
    return this.accept(req, remote, device, contact);
  }

  /** A registry edit of the device (the room's edit listener calls this). */
  noteEdited(deviceId: string): void {
    this.edits.set(deviceId, this.editsOf(deviceId) + 1);
  }

  private editsOf(deviceId: string): number {
    return this.edits.get(deviceId) ?? 0;
  }

  /** The password a device must prove it knows, or why it is refused without a challenge. */
  private admission(row: StoredRow | undefined): { password: string } | Refusal {
    if (!row && this.config.unknownDevices !== 'create') return { why: 'unknown device' };
    if (row?.doc.enabled === false) return { why: 'device disabled', status: 'disabled' };
    const password = (row?.secret?.password as string | undefined) ?? this.config.password;
    return password ? { password } : { why: 'no password configured', status: row ? 'no password' : undefined };
  }

  /**
   * A known device refused: its status says why. Only the registered binding
   * itself loses its registration; a stranger's refused REGISTER changes nothing.
   */
  private refuse(req: SipRequest, deviceId: string, remote: SipRemote, reason: string): void {
    const session = this.sessions.get(deviceId);
    if (session && sameDevice(session.remote, this.edge.bindingOf(req, remote))) this.sessions.unregister(deviceId, reason);
    if (!this.sessions.get(deviceId)) this.hooks.refused(deviceId, reason);
  }

  /** 200 with the current binding (Contact with its remaining expires), or none. */
  private async query(req: SipRequest, remote: SipRemote, deviceId: string): Promise<RegisterOutcome> {
    const session = this.sessions.get(deviceId);
    const headers: Record<string, string | number> = { Date: gbDate(new Date()) };
    if (session) {
      const left = Math.max(0, Math.round((session.expiresAt - Date.now()) / 1000));
      const at = deviceAddressOf(session.remote);
      const contact = session.contact ?? `<sip:${deviceId}@${at.address}:${at.port}>`;
      headers.Contact = `${contact.replace(/;\s*expires\s*=\s*\d+/gi, '')};expires=${left}`;
    }
    await this.sip.respond(req, remote, 200, undefined, { headers });
    return this.count({ deviceId, result: 'queried', reason: session ? undefined : 'no binding' });
  }

  /** unknownDevices: create — a device we never saw, after it authenticated with the global password. */
  private async create(deviceId: string): Promise<StoredRow> {
    try {
      await this.registry.create('gbDevices', { id: deviceId, name: deviceId, tags: ['auto-registered'] }, ACTOR);
      this.log.info({ deviceId }, 'GB28181 device added to the registry on its first REGISTER');
    } catch (err) {
      // Two REGISTERs racing: the other one created it.
      this.log.debug({ err, deviceId }, 'auto-create of a GB28181 device failed');
    }
    const row = await this.registry.getStored('gbDevices', deviceId);
    if (!row) throw new Error(`GB28181 device ${deviceId} could not be added to the registry`);
    return row;
  }

  private async challenge(req: SipRequest, remote: SipRemote, deviceId: string, stale: boolean, reason?: string): Promise<RegisterOutcome> {
    await this.sip.respond(req, remote, 401, undefined, { headers: { 'WWW-Authenticate': this.digest.challenge(stale) } });
    return this.count({ deviceId, result: 'challenged', reason });
  }

  private async accept(req: SipRequest, remote: SipRemote, device: StoredRow, contact: string): Promise<RegisterOutcome> {
    const deviceId = device.id;
    const asked = requestedExpires(req);
    const { minExpiresSeconds: min, maxExpiresSeconds: max } = this.config.register;
    const headers: Record<string, string | number> = { Date: gbDate(new Date()), Contact: contact };
    if (asked === 0) {
      await this.sip.respond(req, remote, 200, undefined, { headers: { ...headers, Expires: 0 } });
      this.sessions.unregister(deviceId, 'unregistered');
      return this.count({ deviceId, result: 'unregistered' });
    }
    if (contact === '*') {
      await this.sip.respond(req, remote, 400, 'Bad Request (Contact: * needs Expires: 0)');
      return this.count({ deviceId, result: 'bad-request', reason: 'Contact: * without Expires: 0' });
    }
    // Clamped rather than refused with 423: devices honour the Expires of the answer.
    const granted = Math.round(Math.min(max, Math.max(min, asked ?? 3600)));
    // Recorded before the answer goes out: for a known device nothing has waited since the edit check, so no edit slips in between.
    const { fresh } = this.sessions.register(deviceId, this.edge.bindingOf(req, remote), granted, { ...deviceSettings(device.doc), contact });
    await this.sip.respond(req, remote, 200, undefined, { headers: { ...headers, Expires: granted } });
    if (fresh) this.hooks.fresh(deviceId);
    return this.count({ deviceId, result: fresh ? 'registered' : 'refreshed' });
  }

  private count(outcome: RegisterOutcome): RegisterOutcome {
    const key = outcome.result === 'bad-request' ? 'badRequest' : outcome.result;
    this.counts[key]++;
    const level = outcome.result === 'refused' || outcome.result === 'bad-request' ? 'warn' : 'debug';
    this.log[level]({ deviceId: outcome.deviceId, result: outcome.result, reason: outcome.reason }, 'GB28181 REGISTER');
    return outcome;
  }
}

/** Expires header, else the Contact's expires parameter; undefined when neither is given. */
function requestedExpires(req: SipRequest): number | undefined {
  const header = req.headers.get('Expires');
  if (header !== undefined && /^\s*\d+\s*$/.test(header)) return Number(header);
  const contact = req.headers.get('Contact');
  const param = contact ? /;\s*expires\s*=\s*(\d+)/i.exec(contact)?.[1] : undefined;
  if (param !== undefined) return Number(param);
  return undefined;
}

/** GB/T 28181 Date header: local time without zone, milliseconds (devices set their clock from it). */
export function gbDate(d: Date): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}
