// Rows as both registry stores read them back: SQLite and PostgreSQL use the
// same column names; only how a JSON column arrives differs (text or parsed).
import type { ApiKeyRow, AuditRow, StatusRow, StoredRow } from './registry-store.ts';

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
});

export const toAuditRow = (r: Row, json: (column: unknown) => object): AuditRow => ({
  seq: r.seq as number,
  at: r.at as number,
  actor: { keyId: (r.actor_id as string | null) ?? null, name: r.actor_name as string, role: (r.actor_role as AuditRow['actor']['role']) ?? null },
  action: r.action as AuditRow['action'],
  entity: r.entity as string,
  entityId: r.entity_id as string,
  before: r.before == null ? null : json(r.before),
  after: r.after == null ? null : json(r.after),
});
