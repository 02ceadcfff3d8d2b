// An API key row as both stores read it back (same column names in SQLite and PostgreSQL).
import type { ApiKeyRow } from './registry-store.ts';

export const toKeyRow = (row: Record<string, unknown>): ApiKeyRow => ({
  id: row.id as string,
  name: row.name as string,
  role: row.role as ApiKeyRow['role'],
  secretHash: row.secret_hash as string,
  createdAt: row.created_at as number,
  createdBy: (row.created_by as string | null) ?? null,
  lastUsedAt: (row.last_used_at as number | null) ?? null,
  revokedAt: (row.revoked_at as number | null) ?? null,
});
