// The embedded registry store: one SQLite file in WAL mode. better-sqlite3 is
// synchronous, so each apply() runs start to finish without another request
// interleaving, and a crash leaves either all of a change or none of it.
import Database from 'better-sqlite3';
import { GwError } from '../../errors.ts';
import type {
  ApiKeyRow, AuditFilter, AuditInput, AuditRow, Change, EntityName, ListFilter, RegistryStore, StatusEntity, StatusRow, StoredRow,
} from '../registry-store.ts';
import { ENTITY_NAMES } from '../registry-store.ts';
import { toAuditRow, toKeyRow, toStoredRow } from '../rows.ts';
import { SqliteAccounts } from './account-tables.ts';
import { buildListWhere } from './list-query.ts';
import { migrate, openDatabase } from './migrate.ts';
import { MIGRATIONS } from './migrations.ts';

type Row = Record<string, unknown>;

const asTable = (entity: string): EntityName => {
  if (!ENTITY_NAMES.includes(entity as EntityName)) throw new Error(`unknown entity table ${entity}`);
  return entity as EntityName;
};

const toStored = (row: Row): StoredRow => toStoredRow(row, (column) => JSON.parse(column as string) as Record<string, unknown>);

export class SqliteRegistryStore implements RegistryStore {
  private readonly db: Database.Database;
  readonly accounts: SqliteAccounts;

  constructor(file: string) {
    this.db = openDatabase(Database, file);
    migrate(this.db, MIGRATIONS, 'registry');
    this.accounts = new SqliteAccounts(this.db, (entry, at) => this.insertAudit(entry, at));
  }

  /** The schema version this file is at, after migrating. */
  get schemaVersion(): number {
    return (this.db.prepare('SELECT MAX(version) v FROM schema_migrations').get() as { v: number }).v;
  }

  async get(entity: EntityName, id: string): Promise<StoredRow | undefined> {
    const row = this.db.prepare(`SELECT * FROM ${asTable(entity)} WHERE id = ?`).get(id) as Row | undefined;
    return row ? toStored(row) : undefined;
  }

  async getMany(entity: EntityName, ids: string[]): Promise<Map<string, StoredRow>> {
    const out = new Map<string, StoredRow>();
    const stmt = this.db.prepare(`SELECT * FROM ${asTable(entity)} WHERE id = ?`);
    for (const id of new Set(ids)) {
      const row = stmt.get(id) as Row | undefined;
      if (row) out.set(id, toStored(row));
    }
    return out;
  }

  async findAltKeys(entity: EntityName, altKeys: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const stmt = this.db.prepare(`SELECT id FROM ${asTable(entity)} WHERE alt_key = ?`);
    for (const key of new Set(altKeys)) {
      const row = stmt.get(key) as { id: string } | undefined;
      if (row) out.set(key, row.id);
    }
    return out;
  }

  async list(entity: EntityName, filter: ListFilter): Promise<{ rows: StoredRow[]; total: number }> {
    const table = asTable(entity);
    const { where, params } = buildListWhere(entity, filter);
    const total = (this.db.prepare(`SELECT COUNT(*) n FROM ${table} ${where}`).get(...params) as { n: number }).n;
    const rows = this.db
      .prepare(`SELECT * FROM ${table} ${where} ORDER BY id LIMIT ? OFFSET ?`)
      .all(...params, filter.limit, filter.offset) as Row[];
    return { rows: rows.map(toStored), total };
  }

  async referencesTo(entity: 'grids' | 'departments', id: string): Promise<Partial<Record<EntityName, number>>> {
    const out: Partial<Record<EntityName, number>> = {};
    const columns = entity === 'grids' ? ['grid_code', 'parent_code'] : ['department_id'];
    for (const table of ENTITY_NAMES) {
      const where = columns.map((c) => `${c} = ?`).join(' OR ');
      const n = (this.db.prepare(`SELECT COUNT(*) n FROM ${table} WHERE ${where}`).get(...columns.map(() => id)) as { n: number }).n;
      if (n > 0) out[table] = n;
    }
    return out;
  }

  async apply(changes: Change[], audit: AuditInput[]): Promise<void> {
    const now = Date.now();
    this.db.transaction(() => {
      for (const change of changes) this.applyOne(change, now);
      for (const entry of audit) this.insertAudit(entry, now);
    })();
  }

  private applyOne(change: Change, now: number): void {
    const table = asTable(change.entity);
    try {
      if (change.op === 'delete') {
        const r = this.db.prepare(`DELETE FROM ${table} WHERE id = ? AND version = ?`).run(change.id, change.expectedVersion);
        if (r.changes === 0) throw this.staleOrMissing(table, change.id);
        return;
      }
      const c = change.columns;
      const values = [c.name, c.kind ?? null, c.gridCode ?? null, c.parentCode ?? null, c.departmentId ?? null,
        c.enabled == null ? null : c.enabled ? 1 : 0, c.altKey ?? null, JSON.stringify(change.doc),
        change.secret == null ? null : JSON.stringify(change.secret)];
      if (change.op === 'insert') {
        this.db.prepare(`INSERT INTO ${table} (id, name, kind, grid_code, parent_code, department_id, enabled, alt_key, doc, secret,
          version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`).run(change.id, ...values, now, now);
      } else {
        const r = this.db.prepare(`UPDATE ${table} SET name = ?, kind = ?, grid_code = ?, parent_code = ?, department_id = ?, enabled = ?,
          alt_key = ?, doc = ?, secret = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`)
          .run(...values, now, change.id, change.expectedVersion);
        if (r.changes === 0) throw this.staleOrMissing(table, change.id);
      }
    } catch (err) {
      throw translateConstraint(err, change);
    }
  }

  private staleOrMissing(table: EntityName, id: string): GwError {
    const exists = this.db.prepare(`SELECT 1 FROM ${table} WHERE id = ?`).get(id);
    return exists
      ? new GwError('GW_ERR_STALE_VERSION', `${table} '${id}' was changed by someone else; reload and retry`, 'version')
      : new GwError('GW_ERR_NOT_FOUND', `${table} '${id}' does not exist`, 'id');
  }

  private insertAudit(entry: AuditInput, now: number): void {
    this.db.prepare(`INSERT INTO audit (at, actor_id, actor_user_id, actor_name, actor_role, action, entity, entity_id, before, after)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(now, entry.actor.keyId, entry.actor.userId ?? null, entry.actor.name, entry.actor.role, entry.action,
      entry.entity, entry.entityId, entry.before ? JSON.stringify(entry.before) : null, entry.after ? JSON.stringify(entry.after) : null);
  }

  async setStatus(entity: StatusEntity, id: string, status: StatusRow): Promise<boolean> {
    const r = this.db.prepare(`UPDATE ${asTable(entity)} SET status = ?, status_reason = ?, status_at = ? WHERE id = ?`)
      .run(status.state, status.reason ?? null, status.since ?? Date.now(), id);
    return r.changes > 0;
  }

  async insertApiKey(key: ApiKeyRow, audit: AuditInput): Promise<void> {
    this.db.transaction(() => {
      this.db.prepare(`INSERT INTO api_keys (id, name, role, secret_hash, created_at, created_by, last_used_at, revoked_at, scope)
        VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, ?)`).run(key.id, key.name, key.role, key.secretHash, key.createdAt, key.createdBy,
        key.scope === null ? null : JSON.stringify(key.scope));
      this.insertAudit(audit, key.createdAt);
    })();
  }

  async findApiKeyByHash(secretHash: string): Promise<ApiKeyRow | undefined> {
    const row = this.db.prepare('SELECT * FROM api_keys WHERE secret_hash = ?').get(secretHash) as Row | undefined;
    return row ? toKeyRow(row) : undefined;
  }

  async listApiKeys(): Promise<ApiKeyRow[]> {
    return (this.db.prepare('SELECT * FROM api_keys ORDER BY created_at, id').all() as Row[]).map(toKeyRow);
  }

  async revokeApiKey(id: string, at: number, audit: AuditInput): Promise<boolean> {
    return this.db.transaction(() => {
      const r = this.db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(at, id);
      if (r.changes > 0) this.insertAudit(audit, at);
      return r.changes > 0;
    })();
  }

  async touchApiKey(id: string, at: number): Promise<void> {
    this.db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?').run(at, id);
  }

  async countActiveAdminKeys(): Promise<number> {
    return (this.db.prepare(`SELECT COUNT(*) n FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL`).get() as { n: number }).n;
  }

  async queryAudit(f: AuditFilter): Promise<{ rows: AuditRow[]; total: number }> {
    const clauses: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      clauses.push(sql);
      params.push(value);
    };
    if (f.entity !== undefined) add('entity = ?', f.entity);
    if (f.entityId !== undefined) add('entity_id = ?', f.entityId);
    if (f.actor !== undefined) {
      clauses.push('(actor_id = ? OR actor_user_id = ?)');
      params.push(f.actor, f.actor);
    }
    if (f.action !== undefined) add('action = ?', f.action);
    if (f.from !== undefined) add('at >= ?', f.from);
    if (f.to !== undefined) add('at < ?', f.to);
    const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
    const total = (this.db.prepare(`SELECT COUNT(*) n FROM audit ${where}`).get(...params) as { n: number }).n;
    const rows = (this.db.prepare(`SELECT * FROM audit ${where} ORDER BY seq DESC LIMIT ? OFFSET ?`)
      .all(...params, f.limit, f.offset) as Row[]).map((r) => toAuditRow(r, (column) => JSON.parse(column as string) as object));
    return { rows, total };
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.close();
  }
}

/** Maps SQLite constraint failures (the last line of defence against races) to client errors. */
function translateConstraint(err: unknown, change: Change): unknown {
  const code = (err as { code?: string }).code;
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return new GwError('GW_ERR_CONFLICT', `${change.entity} '${change.id}' already exists`, 'id');
  }
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' && /channels_gb_code/.test((err as Error).message ?? '')) {
    return new GwError('GW_ERR_CONFLICT', 'gbCode: another channel already has this GB/T 28181 code', 'gbCode');
  }
  if (code === 'SQLITE_CONSTRAINT_UNIQUE') {
    return new GwError('GW_ERR_CONFLICT', `another ${change.entity} entry already uses this identity`, undefined);
  }
  // ON DELETE RESTRICT reports itself as a trigger constraint.
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || /FOREIGN KEY constraint failed/.test((err as Error).message ?? '')) {
    return change.op === 'delete'
      ? new GwError('GW_ERR_IN_USE', `${change.entity} '${change.id}' is still referenced`, 'id')
      : new GwError('GW_ERR_CONFLICT', 'a referenced grid cell or department no longer exists', undefined);
  }
  return err;
}
