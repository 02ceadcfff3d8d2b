// Sign-in sessions: a random id (256 bits) in the gw_session cookie, only its
// SHA-256 in the store, so a copy of the database opens no session. Each
// session ends when idle too long (any authenticated request counts) or at its
// absolute end (a shift), whichever comes first. Sessions live in the registry
// store, so in a cluster (PostgreSQL) every node honours them, and ending one
// ends it on every node at once: nothing is cached per node.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RegistryEvents } from '../events.ts';
import type { Actor, RegistryStore, SessionRow, UserRow } from '../store/registry-store.ts';

export const SESSION_COOKIE = 'gw_session';
const COOKIE_PREFIX = 'gws_';

export interface SessionConfig {
  idleMinutes: number;
  absoluteHours: number;
}

export interface ActiveSession {
  session: SessionRow;
  user: UserRow;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The person a session speaks for, as routes see them. An admin's scope is always everything. */
export const userActor = (user: UserRow): Actor => ({
  keyId: null, userId: user.id, name: user.username, role: user.role, scope: user.role === 'admin' ? null : user.scope,
});

/** The cookie's value from a Cookie header, when it has this gateway's shape. */
export function sessionCookie(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) {
      const value = part.slice(eq + 1).trim();
      return /^gws_[A-Za-z0-9_-]{43}$/.test(value) ? value : undefined;
    }
  }
  return undefined;
}

/** True when both tokens are present and equal, compared in constant time. */
export function sameToken(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export class Sessions {
  private readonly idleMs: number;
  private readonly absoluteMs: number;
  /** last_seen_at is written at most this often per session (a minute, or less for a short idle timeout). */
  private readonly touchMs: number;
  private lastSweep = 0;

  constructor(private readonly store: RegistryStore, config: SessionConfig, private readonly events?: RegistryEvents) {
    this.idleMs = config.idleMinutes * 60_000;
    this.absoluteMs = config.absoluteHours * 3_600_000;
    this.touchMs = Math.min(60_000, this.idleMs / 4);
  }

  /** Starts a session: returns the cookie value (shown to nobody but the browser) and its CSRF token. */
  async start(user: UserRow, address: string | null, now = Date.now()): Promise<{ cookie: string; csrfToken: string; session: SessionRow }> {
    const cookie = `${COOKIE_PREFIX}${randomBytes(32).toString('base64url')}`;
    const session: SessionRow = {
      idHash: sha256(cookie), ref: `ses-${randomBytes(12).toString('base64url')}`, userId: user.id,
      csrfToken: randomBytes(32).toString('base64url'), createdAt: now, lastSeenAt: now, expiresAt: now + this.absoluteMs, address,
    };
    await this.store.accounts.insertSession(session);
    await this.sweep(now);
    return { cookie, csrfToken: session.csrfToken, session };
  }

  /** Starts a session from a route handler and sets its cookie on the reply (sign-in, single sign-on). */
  async signIn(req: FastifyRequest, reply: FastifyReply, user: UserRow): Promise<{ csrfToken: string }> {
    const { cookie, csrfToken } = await this.start(user, req.ip);
    reply.header('set-cookie', this.cookieHeader(req, cookie));
    return { csrfToken };
  }

  cookieHeader(req: FastifyRequest, value: string): string {
    const secure = req.protocol === 'https' ? '; Secure' : '';
    return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${Math.floor(this.absoluteMs / 1000)}${secure}`;
  }

  clearCookieHeader(req: FastifyRequest): string {
    const secure = req.protocol === 'https' ? '; Secure' : '';
    return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${secure}`;
  }

  /** The live session behind a cookie value and its user, or undefined (unknown, ended, expired, user disabled). */
  async resolve(cookie: string, now = Date.now()): Promise<ActiveSession | undefined> {
    const session = await this.store.accounts.findSession(sha256(cookie));
    return session && this.check(session, now);
  }

  /** The same, by the session's public handle (what URL tokens name). */
  async resolveRef(ref: string, now = Date.now()): Promise<ActiveSession | undefined> {
    const session = await this.store.accounts.findSessionByRef(ref);
    return session && this.check(session, now);
  }

  private async check(session: SessionRow, now: number): Promise<ActiveSession | undefined> {
    if (now - session.lastSeenAt >= this.idleMs || now >= session.expiresAt) {
      await this.store.accounts.deleteSession(session.idHash);
      return undefined;
    }
    const user = await this.store.accounts.getUser(session.userId);
    if (!user || user.disabled) {
      await this.store.accounts.deleteSession(session.idHash);
      return undefined;
    }
    if (now - session.lastSeenAt >= this.touchMs) {
      await this.store.accounts.touchSession(session.idHash, now);
      session = { ...session, lastSeenAt: now };
    }
    return { session, user };
  }

  async end(session: SessionRow): Promise<void> {
    await this.store.accounts.deleteSession(session.idHash);
    this.announce(session.userId);
  }

  /** Ends every session of the user, or all but `keep` (the caller's own, after a password change). */
  async endAll(userId: string, keep?: SessionRow): Promise<number> {
    const n = await this.store.accounts.deleteUserSessions(userId, keep?.idHash);
    this.announce(userId);
    return n;
  }

  /** Open streams re-check their caller on a user change: a session ending is one. */
  announce(userId: string): void {
    this.events?.emit('device.changed', { entity: 'users', action: 'update', id: userId, before: null, after: null });
  }

  /** Drops expired sessions now and then (on sign-in), so the table holds live ones only. */
  private async sweep(now: number): Promise<void> {
    if (now - this.lastSweep < 10 * 60_000) return;
    this.lastSweep = now;
    await this.store.accounts.deleteExpiredSessions(now - this.idleMs, now);
  }
}
