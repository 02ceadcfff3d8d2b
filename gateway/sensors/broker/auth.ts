// MQTT logins. Sensors: the client id names the sensor in the registry, the
// username must be its username, the password must match its stored scrypt
// hash, and it must be enabled. Wall clients: the configured username
// (`apikey`) and an API key of a reading role as the password.
import { READ_ROLES, type ApiKeys } from '../../../device-registry/index.ts';
import type { SensorDirectory } from '../directory.ts';
import type { Principal } from './acl.ts';
import { VerifierBusy, type PasswordVerifier } from './password-verifier.ts';

/** CONNACK return codes (MQTT 3.1.1 §3.2.2.3). */
export const RC = { IDENTIFIER_REJECTED: 2, SERVER_UNAVAILABLE: 3, BAD_USERNAME_OR_PASSWORD: 4, NOT_AUTHORIZED: 5 } as const;

export type AuthResult =
  | { ok: true; principal: Principal; hash?: string }
  | { ok: false; code: (typeof RC)[keyof typeof RC]; why: string; sensorId?: string };

type Denied = Extract<AuthResult, { ok: false }>;

export class BrokerAuth {
  constructor(
    private readonly directory: SensorDirectory,
    private readonly keys: ApiKeys,
    private readonly verifier: PasswordVerifier,
    private readonly wallUsername: string,
  ) {}

  async check(clientId: string, username: string | undefined, password: Buffer | undefined): Promise<AuthResult> {
    if (!username || !password?.length) return { ok: false, code: RC.BAD_USERNAME_OR_PASSWORD, why: 'no username or password' };
    const secret = password.toString('utf8');
    if (username === this.wallUsername) {
      const actor = await this.keys.authenticate(secret);
      if (!actor) return { ok: false, code: RC.BAD_USERNAME_OR_PASSWORD, why: 'unknown or revoked API key' };
      if (!actor.role || !READ_ROLES.includes(actor.role)) return { ok: false, code: RC.NOT_AUTHORIZED, why: `role ${actor.role} may not read` };
      return { ok: true, principal: { kind: 'wall', keyId: actor.keyId, role: actor.role, scope: actor.role === 'admin' ? null : (actor.scope ?? null) } };
    }
    const sensor = this.directory.byClient(clientId);
    if (!sensor) return { ok: false, code: RC.BAD_USERNAME_OR_PASSWORD, why: `no sensor has client id ${clientId.slice(0, 64)}` };
    const denied = (code: Denied['code'], why: string): Denied => ({ ok: false, code, why, sensorId: sensor.id });
    if (sensor.username !== username) return denied(RC.BAD_USERNAME_OR_PASSWORD, 'wrong username');
    if (!sensor.passwordHash) return denied(RC.NOT_AUTHORIZED, 'the sensor has no password set');
    let ok: boolean;
    try {
      ok = await this.verifier.verify(secret, sensor.passwordHash);
    } catch (err) {
      if (err instanceof VerifierBusy) return denied(RC.SERVER_UNAVAILABLE, `busy: ${err.message}`);
      return denied(RC.SERVER_UNAVAILABLE, `password check failed: ${(err as Error).message}`);
    }
    if (!ok) return denied(RC.BAD_USERNAME_OR_PASSWORD, 'wrong password');
    // The registry may have changed while scrypt ran: judge against what holds now.
    const now = this.directory.byClient(clientId);
    if (!now || now.id !== sensor.id || now.passwordHash !== sensor.passwordHash || now.username !== username) {
      return denied(RC.BAD_USERNAME_OR_PASSWORD, 'credentials changed during login');
    }
    if (!now.enabled) return denied(RC.NOT_AUTHORIZED, 'the sensor is disabled');
    return { ok: true, principal: { kind: 'sensor', sensorId: sensor.id }, hash: sensor.passwordHash };
  }
}
