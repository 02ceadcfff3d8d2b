// Users, sessions and the sign-in throttle in PostgreSQL (the AccountStore half
// of PgRegistryStore), shared by every gateway node: a session started on one
// node is good on all of them, and ending it ends it everywhere at once.
import type pg from 'pg';
import { coded, GwError, notFound } from '../../errors.ts';
import { say } from '../../messages.ts';
import type { AccountStore, EndSessions, SessionRow, ThrottleRow, UserRow } from '../account-store.ts';
import type { AuditInput } from '../registry-store.ts';
import { toSessionRow, toThrottleRow, toUserRow } from '../rows.ts';
import { inTransaction } from './pg-migrate.ts';

type Row = Record<string, unknown>;
type InsertAudit = (c: pg.ClientBase, entry: AuditInput, at: number) => Promise<void>;

const toUser = (r: Row) => toUserRow(r, (column) => column);

const USER_COLUMNS = `username, username_key, display_name, role, department_id, scope, source, issuer, subject, password_hash,
  must_change_password, disabled`;
const userValues = (u: UserRow) => [u.username, u.username.toLowerCase(), u.displayName, u.role, u.departmentId,
  u.scope === null ? null : JSON.stringify(u.scope), u.source, u.issuer, u.subject, u.passwordHash, u.mustChangePassword, u.disabled];

/** Unique and foreign-key failures as the client errors the SQLite store raises. */
function translate(err: unknown): unknown {
  const { code, constraint } = err as { code?: string; constraint?: string };
  if (code === '23505') {
    return constraint?.includes('issuer')
      ? coded('GW_ERR_CONFLICT', say('identity_taken'), 'subject')
      : constraint?.includes('username')
        ? coded('GW_ERR_CONFLICT', say('username_taken'), 'username')
        : new GwError('GW_ERR_CONFLICT', 'this user already exists', 'id');
  }
  if (code === '23503') return new GwError('GW_ERR_VALIDATION', 'the department does not exist', 'department');
  return err;
}

export class PgAccounts implements AccountStore {
  constructor(private readonly pool: pg.Pool, private readonly insertAudit: InsertAudit) {}

  private async rows(text: string, values: unknown[] = []): Promise<Row[]> {
    return (await this.pool.query<Row>(text, values)).rows;
  }

  async insertUser(user: UserRow, audit: AuditInput): Promise<void> {
    try {
      await inTransaction(this.pool, async (c) => {
        await c.query(`INSERT INTO users (${USER_COLUMNS}, id, version, created_at, updated_at, last_sign_in_at)
          VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11, $12, $13, 1, $14, $14, $15)`,
        [...userValues(user), user.id, user.createdAt, user.lastSignInAt]);
        await this.insertAudit(c, audit, user.createdAt);
      });
    } catch (err) {
      throw translate(err);
    }
  }

  async updateUser(user: UserRow, expectedVersion: number, audit: AuditInput | null, end?: EndSessions): Promise<UserRow> {
    const now = Date.now();
    try {
      return await inTransaction(this.pool, async (c) => {
        const r = await c.query<Row>(`UPDATE users SET (${USER_COLUMNS}, version, updated_at) =
          ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11, $12, version + 1, $13) WHERE id = $14 AND version = $15 RETURNING *`,
        [...userValues(user), now, user.id, expectedVersion]);
        if (!r.rows[0]) throw await this.staleOrMissing(c, user.id);
        if (audit) await this.insertAudit(c, audit, now);
        if (end) await endSessions(c, user.id, 'except' in end ? end.except : undefined);
        return toUser(r.rows[0]);
      });
    } catch (err) {
      throw translate(err);
    }
  }

  async deleteUser(id: string, expectedVersion: number, audit: AuditInput): Promise<void> {
    await inTransaction(this.pool, async (c) => {
      const r = await c.query('DELETE FROM users WHERE id = $1 AND version = $2', [id, expectedVersion]);
      if (r.rowCount === 0) throw await this.staleOrMissing(c, id);
      await this.insertAudit(c, audit, Date.now());
    });
  }

  private async staleOrMissing(c: pg.ClientBase, id: string): Promise<GwError> {
    const r = await c.query('SELECT 1 FROM users WHERE id = $1', [id]);
    return r.rowCount
      ? new GwError('GW_ERR_STALE_VERSION', `user '${id}' was changed by someone else; reload and retry`, 'version')
      : notFound('user', id);
  }

  async getUser(id: string): Promise<UserRow | undefined> {
    const [row] = await this.rows('SELECT * FROM users WHERE id = $1', [id]);
    return row && toUser(row);
  }

  async findUserByUsername(username: string): Promise<UserRow | undefined> {
    const [row] = await this.rows('SELECT * FROM users WHERE username_key = $1', [username.toLowerCase()]);
    return row && toUser(row);
  }

  async findUserBySubject(issuer: string, subject: string): Promise<UserRow | undefined> {
    const [row] = await this.rows('SELECT * FROM users WHERE issuer = $1 AND subject = $2', [issuer, subject]);
    return row && toUser(row);
  }

  async listUsers(): Promise<UserRow[]> {
    return (await this.rows('SELECT * FROM users ORDER BY username_key COLLATE "C"')).map(toUser);
  }

  async countActiveAdminUsers(): Promise<number> {
    const [row] = await this.rows(`SELECT COUNT(*)::int AS n FROM users WHERE role = 'admin' AND NOT disabled`);
    return row!.n as number;
  }

  async recordSignIn(userId: string, at: number): Promise<void> {
    await this.pool.query('UPDATE users SET last_sign_in_at = $1 WHERE id = $2', [at, userId]);
  }

  async insertSession(s: SessionRow): Promise<void> {
    await this.pool.query(`INSERT INTO sessions (id_hash, ref, user_id, csrf_token, created_at, last_seen_at, expires_at, address)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [s.idHash, s.ref, s.userId, s.csrfToken, s.createdAt, s.lastSeenAt, s.expiresAt, s.address]);
  }

  async findSession(idHash: string): Promise<SessionRow | undefined> {
    const [row] = await this.rows('SELECT * FROM sessions WHERE id_hash = $1', [idHash]);
    return row && toSessionRow(row);
  }

  async findSessionByRef(ref: string): Promise<SessionRow | undefined> {
    const [row] = await this.rows('SELECT * FROM sessions WHERE ref = $1', [ref]);
    return row && toSessionRow(row);
  }

  async touchSession(idHash: string, at: number): Promise<void> {
    await this.pool.query('UPDATE sessions SET last_seen_at = GREATEST(last_seen_at, $1) WHERE id_hash = $2', [at, idHash]);
  }

  async deleteSession(idHash: string): Promise<boolean> {
    return ((await this.pool.query('DELETE FROM sessions WHERE id_hash = $1', [idHash])).rowCount ?? 0) > 0;
  }

  async deleteUserSessions(userId: string, exceptIdHash?: string): Promise<number> {
    return endSessions(this.pool, userId, exceptIdHash);
  }

  async deleteExpiredSessions(idleBefore: number, now: number): Promise<number> {
    return (await this.pool.query('DELETE FROM sessions WHERE last_seen_at < $1 OR expires_at <= $2', [idleBefore, now])).rowCount ?? 0;
  }

  async getThrottle(key: string): Promise<ThrottleRow | undefined> {
    const [row] = await this.rows('SELECT * FROM sign_in_throttle WHERE key = $1', [key]);
    return row && toThrottleRow(row);
  }

  async recordFailure(key: string, at: number, resetBefore: number): Promise<number> {
    const [row] = await this.rows(`INSERT INTO sign_in_throttle (key, failures, locked_until, last_failure_at) VALUES ($1, 1, NULL, $2)
      ON CONFLICT (key) DO UPDATE SET
        failures = CASE WHEN sign_in_throttle.last_failure_at < $3 THEN 1 ELSE sign_in_throttle.failures + 1 END,
        locked_until = CASE WHEN sign_in_throttle.last_failure_at < $3 THEN NULL ELSE sign_in_throttle.locked_until END,
        last_failure_at = EXCLUDED.last_failure_at
      RETURNING failures`, [key, at, resetBefore]);
    return row!.failures as number;
  }

  async setLockedUntil(key: string, until: number): Promise<void> {
    await this.pool.query('UPDATE sign_in_throttle SET locked_until = $1 WHERE key = $2', [until, key]);
  }

  async clearThrottle(key: string): Promise<void> {
    await this.pool.query('DELETE FROM sign_in_throttle WHERE key = $1', [key]);
  }

  async pruneThrottle(before: number, now: number): Promise<number> {
    const r = await this.pool.query('DELETE FROM sign_in_throttle WHERE last_failure_at < $1 AND (locked_until IS NULL OR locked_until <= $2)', [before, now]);
    return r.rowCount ?? 0;
  }
}

async function endSessions(c: pg.ClientBase | pg.Pool, userId: string, exceptIdHash?: string): Promise<number> {
  const r = await c.query('DELETE FROM sessions WHERE user_id = $1 AND id_hash IS DISTINCT FROM $2', [userId, exceptIdHash ?? null]);
  return r.rowCount ?? 0;
}
