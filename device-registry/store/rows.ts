// Rows as both registry stores read them back: SQLite and PostgreSQL use the
// same column names; only how a JSON column arrives differs (text or parsed).
import type { ApiKeyRow, AuditRow, StatusRow, StoredRow, SessionRow, ThrottleRow, UserRow } from './registry-store.ts';

type Row = Record<string, unknown>;

/** An entity row; `json` turns a JSON column into its object (SQLite: JSON.parse; pg: already parsed). */
export function toStoredRow(row: Row, json: (column: unknown) => Record<string, unknown>): StoredRow {
  const status: StatusRow = { state: row.status as StatusRow['state'] };
  if (row.status_reason != null) status.reason = row.status_reason as string;
  if (row.status_at != null) status.since = row.status_at as number;
  return {
    id: row.id as string,
    doc: json(row.doc),
    secret: row.secret == null ? null : json(row.secret),
    status,
    version: row.version as number,
    createdAt: row.created_at as number,
    updatedAt: row.updated_at as number,
  };
}

export const toKeyRow = (row: Row): ApiKeyRow => ({
  id: row.id as string,
  name: row.name as string,
  role: row.role as ApiKeyRow['role'],
  secretHash: row.secret_hash as string,
  createdAt: row.created_at as number,
  createdBy: (row.created_by as string | null) ?? null,
  lastUsedAt: (row.last_used_at as number | null) ?? null,
  revokedAt: (row.revoked_at as number | null) ?? null,
  scope: row.scope == null ? null : (typeof row.scope === 'string' ? JSON.parse(row.scope) : row.scope) as string[],
});

/** The actor of an audit row: the key, and the person when there was one. */
const auditActor = (r: Row): AuditRow['actor'] => ({
  keyId: (r.actor_id as string | null) ?? null,
  ...(r.actor_user_id != null ? { userId: r.actor_user_id as string } : {}),
  name: r.actor_name as string,
  role: (r.actor_role as AuditRow['actor']['role']) ?? null,
});

export const toAuditRow = (r: Row, json: (column: unknown) => object): AuditRow => ({
  seq: r.seq as number,
  at: r.at as number,
  actor: auditActor(r),
  action: r.action as AuditRow['action'],
  entity: r.entity as string,
  entityId: r.entity_id as string,
  before: r.before == null ? null : json(r.before),
  after: r.after == null ? null : json(r.after),
});

/** A user row; `json` as for toStoredRow; booleans arrive as 0/1 from SQLite. */
export const toUserRow = (r: Row, json: (column: unknown) => unknown): UserRow => ({
  id: r.id as string,
  username: r.username as string,
  displayName: r.display_name as string,
  role: r.role as UserRow['role'],
  departmentId: (r.department_id as string | null) ?? null,
  scope: r.scope == null ? null : (json(r.scope) as string[]),
  source: r.source as UserRow['source'],
  issuer: (r.issuer as string | null) ?? null,
  subject: (r.subject as string | null) ?? null,
  passwordHash: (r.password_hash as string | null) ?? null,
  mustChangePassword: Boolean(r.must_change_password),
  disabled: Boolean(r.disabled),
  version: Number(r.version),
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
  lastSignInAt: r.last_sign_in_at == null ? null : Number(r.last_sign_in_at),
});

export const toSessionRow = (r: Row): SessionRow => ({
  idHash: r.id_hash as string,
  ref: r.ref as string,
  userId: r.user_id as string,
  csrfToken: r.csrf_token as string,
  createdAt: Number(r.created_at),
  lastSeenAt: Number(r.last_seen_at),
  expiresAt: Number(r.expires_at),
  address: (r.address as string | null) ?? null,
});

export const toThrottleRow = (r: Row): ThrottleRow => ({
  key: r.key as string,
  failures: Number(r.failures),
  lockedUntil: r.locked_until == null ? null : Number(r.locked_until),
  lastFailureAt: Number(r.last_failure_at),
});
