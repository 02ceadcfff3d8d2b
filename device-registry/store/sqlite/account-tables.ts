// Users, sessions and the sign-in throttle in the registry's SQLite file
// (the AccountStore half of SqliteRegistryStore).
import type Database from 'better-sqlite3';
import { coded, GwError, notFound } from '../../errors.ts';
import { say } from '../../messages.ts';
import type { AccountStore, EndSessions, SessionRow, ThrottleRow, UserRow } from '../account-store.ts';
import type { AuditInput } from '../registry-store.ts';
import { toSessionRow, toThrottleRow, toUserRow } from '../rows.ts';

type Row = Record<string, unknown>;
type InsertAudit = (entry: AuditInput, at: number) => void;

const toUser = (r: Row) => toUserRow(r, (column) => JSON.parse(column as string));

const userValues = (u: UserRow) => [u.username, u.username.toLowerCase(), u.displayName, u.role, u.departmentId,
  u.scope === null ? null : JSON.stringify(u.scope), u.source, u.issuer, u.subject, u.passwordHash,
  u.mustChangePassword ? 1 : 0, u.disabled ? 1 : 0];

/** Unique and foreign-key failures as client errors naming the field. */
function translate(err: unknown): unknown {
  const { code, message } = err as { code?: string; message?: string };
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return /issuer|subject/.test(message ?? '')
      ? coded('GW_ERR_CONFLICT', say('identity_taken'), 'subject')
      : /username/.test(message ?? '')
        ? coded('GW_ERR_CONFLICT', say('username_taken'), 'username')
        : new GwError('GW_ERR_CONFLICT', 'this user already exists', 'id');
  }
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || /FOREIGN KEY constraint failed/.test(message ?? '')) {
    return new GwError('GW_ERR_VALIDATION', 'the department does not exist', 'department');
  }
  return err;
}

export class SqliteAccounts implements AccountStore {
  constructor(private readonly db: Database.Database, private readonly insertAudit: InsertAudit) {}

  async insertUser(user: UserRow, audit: AuditInput): Promise<void> {
    try {
      this.db.transaction(() => {
        this.db.prepare(`INSERT INTO users (username, username_key, display_name, role, department_id, scope, source, issuer, subject,
          password_hash, must_change_password, disabled, id, version, created_at, updated_at, last_sign_in_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)`)
          .run(...userValues(user), user.id, user.createdAt, user.createdAt, user.lastSignInAt);
        this.insertAudit(audit, user.createdAt);
      })();
    } catch (err) {
      throw translate(err);
    }
  }

  async updateUser(user: UserRow, expectedVersion: number, audit: AuditInput | null, end?: EndSessions): Promise<UserRow> {
    const now = Date.now();
    try {
      this.db.transaction(() => {
        const r = this.db.prepare(`UPDATE users SET username = ?, username_key = ?, display_name = ?, role = ?, department_id = ?, scope = ?,
          source = ?, issuer = ?, subject = ?, password_hash = ?, must_change_password = ?, disabled = ?, version = version + 1, updated_at = ?
          WHERE id = ? AND version = ?`).run(...userValues(user), now, user.id, expectedVersion);
        if (r.changes === 0) throw this.staleOrMissing(user.id);
        if (audit) this.insertAudit(audit, now);
        if (end) this.endSessions(user.id, 'except' in end ? end.except : undefined);
      })();
    } catch (err) {
      throw translate(err);
    }
    return (await this.getUser(user.id))!;
  }

  async deleteUser(id: string, expectedVersion: number, audit: AuditInput): Promise<void> {
    this.db.transaction(() => {
      const r = this.db.prepare('DELETE FROM users WHERE id = ? AND version = ?').run(id, expectedVersion);
      if (r.changes === 0) throw this.staleOrMissing(id);
      this.insertAudit(audit, Date.now());
    })();
  }

  private staleOrMissing(id: string): GwError {
    return this.db.prepare('SELECT 1 FROM users WHERE id = ?').get(id)
      ? new GwError('GW_ERR_STALE_VERSION', `user '${id}' was changed by someone else; reload and retry`, 'version')
      : notFound('user', id);
  }

  async getUser(id: string): Promise<UserRow | undefined> {
    const row = this.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as Row | undefined;
    return row && toUser(row);
  }

  async findUserByUsername(username: string): Promise<UserRow | undefined> {
    const row = this.db.prepare('SELECT * FROM users WHERE username_key = ?').get(username.toLowerCase()) as Row | undefined;
    return row && toUser(row);
  }

  async findUserBySubject(issuer: string, subject: string): Promise<UserRow | undefined> {
    const row = this.db.prepare('SELECT * FROM users WHERE issuer = ? AND subject = ?').get(issuer, subject) as Row | undefined;
    return row && toUser(row);
  }

  async listUsers(): Promise<UserRow[]> {
    return (this.db.prepare('SELECT * FROM users ORDER BY username_key').all() as Row[]).map(toUser);
  }

  async countActiveAdminUsers(): Promise<number> {
    return (this.db.prepare(`SELECT COUNT(*) n FROM users WHERE role = 'admin' AND disabled = 0`).get() as { n: number }).n;
  }

  async recordSignIn(userId: string, at: number): Promise<void> {
    this.db.prepare('UPDATE users SET last_sign_in_at = ? WHERE id = ?').run(at, userId);
  }

  async insertSession(s: SessionRow): Promise<void> {
    this.db.prepare(`INSERT INTO sessions (id_hash, ref, user_id, csrf_token, created_at, last_seen_at, expires_at, address)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(s.idHash, s.ref, s.userId, s.csrfToken, s.createdAt, s.lastSeenAt, s.expiresAt, s.address);
  }

  async findSession(idHash: string): Promise<SessionRow | undefined> {
    const row = this.db.prepare('SELECT * FROM sessions WHERE id_hash = ?').get(idHash) as Row | undefined;
    return row && toSessionRow(row);
  }

  async findSessionByRef(ref: string): Promise<SessionRow | undefined> {
    const row = this.db.prepare('SELECT * FROM sessions WHERE ref = ?').get(ref) as Row | undefined;
    return row && toSessionRow(row);
  }

  async touchSession(idHash: string, at: number): Promise<void> {
    this.db.prepare('UPDATE sessions SET last_seen_at = MAX(last_seen_at, ?) WHERE id_hash = ?').run(at, idHash);
  }

  async deleteSession(idHash: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM sessions WHERE id_hash = ?').run(idHash).changes > 0;
  }

  async deleteUserSessions(userId: string, exceptIdHash?: string): Promise<number> {
    return this.endSessions(userId, exceptIdHash);
  }

  private endSessions(userId: string, exceptIdHash?: string): number {
    return this.db.prepare('DELETE FROM sessions WHERE user_id = ? AND id_hash IS NOT ?').run(userId, exceptIdHash ?? null).changes;
  }

  async deleteExpiredSessions(idleBefore: number, now: number): Promise<number> {
    return this.db.prepare('DELETE FROM sessions WHERE last_seen_at < ? OR expires_at <= ?').run(idleBefore, now).changes;
  }

  async getThrottle(key: string): Promise<ThrottleRow | undefined> {
    const row = this.db.prepare('SELECT * FROM sign_in_throttle WHERE key = ?').get(key) as Row | undefined;
    return row && toThrottleRow(row);
  }

  async recordFailure(key: string, at: number, resetBefore: number): Promise<number> {
    const row = this.db.prepare(`INSERT INTO sign_in_throttle (key, failures, locked_until, last_failure_at) VALUES (?, 1, NULL, ?)
      ON CONFLICT (key) DO UPDATE SET
        failures = CASE WHEN sign_in_throttle.last_failure_at < ? THEN 1 ELSE sign_in_throttle.failures + 1 END,
        locked_until = CASE WHEN sign_in_throttle.last_failure_at < ? THEN NULL ELSE sign_in_throttle.locked_until END,
        last_failure_at = excluded.last_failure_at
      RETURNING failures`).get(key, at, resetBefore, resetBefore) as { failures: number };
    return row.failures;
  }

  async setLockedUntil(key: string, until: number): Promise<void> {
    this.db.prepare('UPDATE sign_in_throttle SET locked_until = ? WHERE key = ?').run(until, key);
  }

  async clearThrottle(key: string): Promise<void> {
    this.db.prepare('DELETE FROM sign_in_throttle WHERE key = ?').run(key);
  }

  async pruneThrottle(before: number, now: number): Promise<number> {
    return this.db.prepare('DELETE FROM sign_in_throttle WHERE last_failure_at < ? AND (locked_until IS NULL OR locked_until <= ?)').run(before, now).changes;
  }
}
