// The accounts room in one object: people (users.ts), their sessions
// (sessions.ts) and the sign-in throttle (lockout.ts), built from the registry
// store and the `auth` configuration. Single sign-on reaches the accounts
// through upsertExternal and startSession.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RegistryEvents } from '../events.ts';
import type { ApiKeys } from './api-keys.ts';
import type { RegistryStore } from '../store/registry-store.ts';
import { SignInThrottle, type LockoutConfig } from './lockout.ts';
import { Sessions, userActor, type SessionConfig } from './sessions.ts';
import { Users, type ExternalUser } from './users.ts';

export interface AccountsConfig {
  session: SessionConfig;
  lockout: LockoutConfig;
}

export const DEFAULT_ACCOUNTS_CONFIG: AccountsConfig = {
  session: { idleMinutes: 30, absoluteHours: 12 },
  lockout: { accountFailures: 5, addressFailures: 20, baseSeconds: 60, maxSeconds: 3600, resetMinutes: 60 },
};

export class Accounts {
  readonly users: Users;
  readonly sessions: Sessions;
  readonly throttle: SignInThrottle;

  /** `keys`: tokens issued to a person (media, URL) name their session; the rooms check them through the keys. */
  constructor(store: RegistryStore, config: AccountsConfig = DEFAULT_ACCOUNTS_CONFIG, events?: RegistryEvents, keys?: ApiKeys) {
    this.users = new Users(store, events);
    this.sessions = new Sessions(store, config.session, events);
    this.throttle = new SignInThrottle(store.accounts, config.lockout);
    keys?.resolveSessionsWith(async (ref) => {
      const active = await this.sessions.resolveRef(ref);
      return active && userActor(active.user);
    });
  }

  /** Creates or updates the person an identity provider vouches for (single sign-on). */
  async upsertExternal(identity: ExternalUser): Promise<{ id: string; username: string; disabled: boolean }> {
    const user = await this.users.upsertExternal(identity);
    return { id: user.id, username: user.username, disabled: user.disabled };
  }

  /** Starts a session for the person from a route handler: sets the gw_session cookie, returns the CSRF token. */
  async startSession(req: FastifyRequest, reply: FastifyReply, userId: string): Promise<{ csrfToken: string }> {
    const user = await this.users.getRow(userId);
    const started = await this.sessions.signIn(req, reply, user);
    await this.users.recordSignIn(user.id);
    return started;
  }
}
