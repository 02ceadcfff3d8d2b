// The scale-out registry store: PostgreSQL behind a pg.Pool, with the same
// semantics as the SQLite store (sqlite/sqlite-store.ts). Unlike SQLite, other
// requests and other gateway nodes interleave, so every write runs in a
// transaction and versions are checked in the UPDATE itself: two updates with
// the same expected version serialise on the row lock and the second finds the
// version moved on.
import type pg from 'pg';
import { GwError } from '../../errors.ts';
import type {
  ApiKeyRow, AuditFilter, AuditInput, AuditRow, Change, EntityName, ListFilter, RegistryStore, StatusEntity, StatusFence, StatusRow,
  StoredRow,
} from '../registry-store.ts';
import { ENTITY_NAMES } from '../registry-store.ts';
import { toAuditRow, toKeyRow, toStoredRow } from '../rows.ts';
import { PgAccounts } from './account-tables.ts';
import { listWhere, Params } from './list-query.ts';
import { migrate, PG_TABLES } from './migrations.ts';
import { inTransaction, migrateOnPool } from './pg-migrate.ts';
import { createPgPool, type PgPoolOptions } from './pg-pool.ts';

type Row = Record<string, unknown>;

const asTable = (entity: string): string => {
  if (!ENTITY_NAMES.includes(entity as EntityName)) throw new Error(`unknown entity table ${entity}`);
  return PG_TABLES[entity as EntityName];
};

const toStored = (row: Row): StoredRow => toStoredRow(row, (column) => column as Record<string, unknown>);

const json = (value: object | null): string | null => (value == null ? null : JSON.stringify(value));

export class PgRegistryStore implements RegistryStore {
  private readonly pool: pg.Pool;
  readonly accounts: PgAccounts;

  private constructor(url: string, pool: PgPoolOptions) {
    this.pool = createPgPool({ url, max: 10, name: 'gateway-registry', ...pool });
    this.accounts = new PgAccounts(this.pool, insertAudit);
  }

  /** Connects, migrates under an advisory lock (nodes starting together do not race) and returns the store. */
  static async open(url: string, pool: PgPoolOptions = {}): Promise<PgRegistryStore> {
    const store = new PgRegistryStore(url, pool);
    try {
      await migrateOnPool(store.pool, (client) => migrate(client));
    } catch (err) {
      await store.close();
      throw err;
    }
    return store;
  }

  private tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, fn);
  }

  private async rows(text: string, values: unknown[] = []): Promise<Row[]> {
    return (await this.pool.query<Row>(text, values)).rows;
  }

  async get(entity: EntityName, id: string): Promise<StoredRow | undefined> {
    const [row] = await this.rows(`SELECT * FROM ${asTable(entity)} WHERE id = $1`, [id]);
    return row ? toStored(row) : undefined;
  }

  async getMany(entity: EntityName, ids: string[]): Promise<Map<string, StoredRow>> {
    const out = new Map<string, StoredRow>();
    if (!ids.length) return out;
    for (const row of await this.rows(`SELECT * FROM ${asTable(entity)} WHERE id = ANY($1::text[])`, [[...new Set(ids)]])) {
      out.set(row.id as string, toStored(row));
    }
    return out;
  }

  async findAltKeys(entity: EntityName, altKeys: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (!altKeys.length) return out;
    for (const row of await this.rows(`SELECT id, alt_key FROM ${asTable(entity)} WHERE alt_key = ANY($1::text[])`, [[...new Set(altKeys)]])) {
      out.set(row.alt_key as string, row.id as string);
    }
    return out;
  }

  async list(entity: EntityName, filter: ListFilter): Promise<{ rows: StoredRow[]; total: number }> {
    const table = asTable(entity);
    const p = new Params();
    const where = listWhere(entity, filter, p);
    const [count] = await this.rows(`SELECT COUNT(*) AS n FROM ${table} ${where}`, p.values);
    // COLLATE "C": byte order, as SQLite sorts, whatever the database's locale.
    const rows = await this.rows(`SELECT * FROM ${table} ${where} ORDER BY id COLLATE "C" LIMIT ${p.add(filter.limit)} OFFSET ${p.add(filter.offset)}`,
      p.values);
    return { rows: rows.map(toStored), total: count!.n as number };
  }

  async referencesTo(entity: 'grids' | 'departments', id: string): Promise<Partial<Record<EntityName, number>>> {
    const out: Partial<Record<EntityName, number>> = {};
    const where = entity === 'grids' ? 'grid_code = $1 OR parent_code = $1' : 'department_id = $1';
    for (const name of ENTITY_NAMES) {
      const [row] = await this.rows(`SELECT COUNT(*) AS n FROM ${PG_TABLES[name]} WHERE ${where}`, [id]);
      const n = row!.n as number;
      if (n > 0) out[name] = n;
    }
    return out;
  }

  async apply(changes: Change[], audit: AuditInput[]): Promise<void> {
    const now = Date.now();
    await this.tx(async (c) => {
      for (const change of changes) await this.applyOne(c, change, now);
      for (const entry of audit) await insertAudit(c, entry, now);
    });
  }

  private async applyOne(c: pg.PoolClient, change: Change, now: number): Promise<void> {
    const table = asTable(change.entity);
    try {
      if (change.op === 'delete') {
        const r = await c.query(`DELETE FROM ${table} WHERE id = $1 AND version = $2`, [change.id, change.expectedVersion]);
        if (r.rowCount === 0) throw await staleOrMissing(c, change.entity, change.id);
        return;
      }
      const k = change.columns;
      const values = [k.name, k.kind ?? null, k.gridCode ?? null, k.parentCode ?? null, k.departmentId ?? null, k.enabled ?? null,
        k.altKey ?? null, json(change.doc), json(change.secret)];
      if (change.op === 'insert') {
        await c.query(`INSERT INTO ${table} (id, name, kind, grid_code, parent_code, department_id, enabled, alt_key, doc, secret,
          version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb, 1, $11, $11)`,
        [change.id, ...values, now]);
      } else {
        const r = await c.query(`UPDATE ${table} SET name = $1, kind = $2, grid_code = $3, parent_code = $4, department_id = $5, enabled = $6,
          alt_key = $7, doc = $8::jsonb, secret = $9::jsonb, version = version + 1, updated_at = $10 WHERE id = $11 AND version = $12`,
        [...values, now, change.id, change.expectedVersion]);
        if (r.rowCount === 0) throw await staleOrMissing(c, change.entity, change.id);
      }
    } catch (err) {
      throw translateConstraint(err, change, table);
    }
  }

  async setStatus(entity: StatusEntity, id: string, status: StatusRow, fence?: StatusFence): Promise<boolean> {
    const values: unknown[] = [status.state, status.reason ?? null, status.since ?? Date.now(), id];
    // Fenced: only the node holding an unexpired lease at this version may write, judged by the database's clock.
    let fenced = '';
    if (fence) {
      values.push(fence.nodeId, fence.version);
      fenced = `AND EXISTS (SELECT 1 FROM channel_leases WHERE channel_id = $4 AND node_id = $5 AND version = $6
        AND expires_at > (extract(epoch from clock_timestamp())*1000)::bigint)`;
    }
    const r = await this.pool.query(`UPDATE ${asTable(entity)} SET status = $1, status_reason = $2, status_at = $3 WHERE id = $4 ${fenced}`, values);
    return (r.rowCount ?? 0) > 0;
  }

  async insertApiKey(key: ApiKeyRow, audit: AuditInput): Promise<void> {
    await this.tx(async (c) => {
      await c.query(`INSERT INTO api_keys (id, name, role, secret_hash, created_at, created_by, last_used_at, revoked_at, scope)
        VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL, $7::jsonb)`, [key.id, key.name, key.role, key.secretHash, key.createdAt, key.createdBy,
        key.scope === null ? null : JSON.stringify(key.scope)]);
      await insertAudit(c, audit, key.createdAt);
    });
  }

  async findApiKeyByHash(secretHash: string): Promise<ApiKeyRow | undefined> {
    const [row] = await this.rows('SELECT * FROM api_keys WHERE secret_hash = $1', [secretHash]);
    return row ? toKeyRow(row) : undefined;
  }

  async listApiKeys(): Promise<ApiKeyRow[]> {
    return (await this.rows('SELECT * FROM api_keys ORDER BY created_at, id COLLATE "C"')).map(toKeyRow);
  }

  async revokeApiKey(id: string, at: number, audit: AuditInput): Promise<boolean> {
    return this.tx(async (c) => {
      const r = await c.query('UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [at, id]);
      if (r.rowCount === 0) return false;
      await insertAudit(c, audit, at);
      return true;
    });
  }

  async touchApiKey(id: string, at: number): Promise<void> {
    await this.pool.query('UPDATE api_keys SET last_used_at = $1 WHERE id = $2', [at, id]);
  }

  async countActiveAdminKeys(): Promise<number> {
    const [row] = await this.rows(`SELECT COUNT(*) AS n FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL`);
    return row!.n as number;
  }

  async queryAudit(f: AuditFilter): Promise<{ rows: AuditRow[]; total: number }> {
    const p = new Params();
    const clauses: string[] = [];
    if (f.entity !== undefined) clauses.push(`entity = ${p.add(f.entity)}`);
    if (f.entityId !== undefined) clauses.push(`entity_id = ${p.add(f.entityId)}`);
    if (f.actor !== undefined) {
      const actor = p.add(f.actor);
      clauses.push(`(actor_id = ${actor} OR actor_user_id = ${actor})`);
    }
    if (f.action !== undefined) clauses.push(`action = ${p.add(f.action)}`);
    if (f.from !== undefined) clauses.push(`at >= ${p.add(f.from)}`);
    if (f.to !== undefined) clauses.push(`at < ${p.add(f.to)}`);
    const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
    const [count] = await this.rows(`SELECT COUNT(*) AS n FROM audit ${where}`, p.values);
    const rows = await this.rows(`SELECT * FROM audit ${where} ORDER BY seq DESC LIMIT ${p.add(f.limit)} OFFSET ${p.add(f.offset)}`, p.values);
    return {
      total: count!.n as number,
      rows: rows.map((r) => toAuditRow(r, (column) => column as object)),
    };
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.pool.ended) return;
    await this.pool.end();
  }
}

export async function insertAudit(c: pg.ClientBase, entry: AuditInput, now: number): Promise<void> {
  await c.query(`INSERT INTO audit (at, actor_id, actor_user_id, actor_name, actor_role, action, entity, entity_id, before, after)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb)`, [now, entry.actor.keyId, entry.actor.userId ?? null, entry.actor.name, entry.actor.role, entry.action,
    entry.entity, entry.entityId, json(entry.before), json(entry.after)]);
}

/** No row matched id and version: tell a stale version from a missing row. */
async function staleOrMissing(c: pg.PoolClient, entity: EntityName, id: string): Promise<GwError> {
  const r = await c.query(`SELECT 1 FROM ${PG_TABLES[entity]} WHERE id = $1`, [id]);
  return r.rowCount
    ? new GwError('GW_ERR_STALE_VERSION', `${entity} '${id}' was changed by someone else; reload and retry`, 'version')
    : new GwError('GW_ERR_NOT_FOUND', `${entity} '${id}' does not exist`, 'id');
}

/** Maps constraint failures (the last line of defence against races) to the client errors the SQLite store raises. */
function translateConstraint(err: unknown, change: Change, table: string): unknown {
  const { code, constraint } = err as { code?: string; constraint?: string };
  if (code === '23505' && constraint === 'channels_gb_code') {
    return new GwError('GW_ERR_CONFLICT', 'gbCode: another channel already has this GB/T 28181 code', 'gbCode');
  }
  if (code === '23505') {
    return constraint === `${table}_pkey`
      ? new GwError('GW_ERR_CONFLICT', `${change.entity} '${change.id}' already exists`, 'id')
      : new GwError('GW_ERR_CONFLICT', `another ${change.entity} entry already uses this identity`, undefined);
  }
  if (code === '23503') {
    return change.op === 'delete'
      ? new GwError('GW_ERR_IN_USE', `${change.entity} '${change.id}' is still referenced`, 'id')
      : new GwError('GW_ERR_CONFLICT', 'a referenced grid cell or department no longer exists', undefined);
  }
  return err;
}
