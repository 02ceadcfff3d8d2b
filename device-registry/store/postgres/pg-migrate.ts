// Versioned schema migrations for PostgreSQL, shared by every store that keeps
// tables there (registry, incidents). Nodes starting at once race on the
// schema: the first takes the store's advisory lock inside the migration
// transaction, the others wait, then find nothing left to do. All pending
// migrations apply in one transaction or none does; a database that a newer
// release has migrated further is refused rather than damaged.
import type pg from 'pg';

export interface PgMigration {
  version: number;
  name: string;
  sql: string;
}

export interface MigrationTarget {
  /** For messages: "registry", "incident". */
  what: string;
  /** The table recording applied versions (one per store). */
  versionTable: string;
  /** pg_advisory_xact_lock key, one per store. */
  lock: number;
  migrations: readonly PgMigration[];
}

/** Applies what is pending; returns the schema version the database is at afterwards. */
export async function migratePostgres(client: pg.ClientBase, target: MigrationTarget): Promise<number> {
  const { what, versionTable, lock, migrations } = target;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [lock]);
    await client.query(`CREATE TABLE IF NOT EXISTS ${versionTable} (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)`);
    const { rows } = await client.query<{ v: number }>(`SELECT COALESCE(MAX(version), 0) AS v FROM ${versionTable}`);
    const current = rows[0]?.v ?? 0;
    const latest = migrations[migrations.length - 1]!.version;
    if (current > latest) {
      throw new Error(`the ${what} database is at schema version ${current}, newer than this gateway knows (${latest}); upgrade the gateway`);
    }
    for (const m of migrations.filter((m) => m.version > current)) {
      try {
        await client.query(m.sql);
      } catch (err) {
        throw new Error(`${what} migration ${m.version} (${m.name}) failed: ${(err as Error).message}`, { cause: err });
      }
      await client.query(`INSERT INTO ${versionTable} (version, name, applied_at) VALUES ($1, $2, $3)`, [m.version, m.name, Date.now()]);
    }
    await client.query('COMMIT');
    return Math.max(current, latest);
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackErr) {
      throw new Error(`${(err as Error).message} (the rollback failed too: ${(rollbackErr as Error).message})`, { cause: err });
    }
    throw err;
  }
}

/** Runs fn inside BEGIN/COMMIT on one pooled connection, rolling back on any error. */
export async function inTransaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackErr) {
      broken = rollbackErr as Error; // the connection is unusable: the pool discards it
    }
    throw err;
  } finally {
    client.release(broken);
  }
}

/** Migrates on one connection from the pool; a connection whose migration failed is dropped (it may hold the lock or be broken). */
export async function migrateOnPool(pool: pg.Pool, migrate: (client: pg.PoolClient) => Promise<number>): Promise<number> {
  const client = await pool.connect();
  let failure: Error | undefined;
  try {
    return await migrate(client);
  } catch (err) {
    failure = err as Error;
    throw err;
  } finally {
    client.release(failure);
  }
}
