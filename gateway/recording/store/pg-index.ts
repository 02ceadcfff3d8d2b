// The recording index in PostgreSQL, the database a cluster's nodes share, so
// every node sees every node's footage (the files stay on the node that wrote
// them, or on a shared mount).
import { createPgPool, migrateOnPool, migratePostgres, type PgMigration, type PgPoolOptions } from '../../../device-registry/index.ts';
import { EXPORTS_SCHEMA_V1 } from './export-jobs.ts';
import { INDEX_SCHEMA_V1, SqlRecordingIndex } from './sql-index.ts';

const MIGRATION_LOCK = 0x67_77_72_63; // "gwrc"
export const PG_MIGRATIONS: PgMigration[] = [{ version: 1, name: 'segments and holds', sql: INDEX_SCHEMA_V1 }, { version: 2, name: 'export jobs', sql: EXPORTS_SCHEMA_V1 }];

/** `?` placeholders numbered for PostgreSQL ($1, $2, …); the statements here hold no `?` in literals. */
const numbered = (sql: string) => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};

export async function openPgIndex(url: string, opts: PgPoolOptions = {}): Promise<SqlRecordingIndex> {
  const pool = createPgPool({ url, max: 2, name: 'gateway-recording', ...opts });
  try {
    await migrateOnPool(pool, (client) => migratePostgres(client, { what: 'recording index', versionTable: 'recording_schema_version', lock: MIGRATION_LOCK, migrations: PG_MIGRATIONS }));
  } catch (err) {
    await pool.end();
    throw err;
  }
  const where = `PostgreSQL at ${new URL(url).host}${new URL(url).pathname}`;
  return new SqlRecordingIndex(where, {
    all: async (sql, params) => (await pool.query(numbered(sql), params)).rows as Array<Record<string, unknown>>,
    run: async (sql, params) => (await pool.query(numbered(sql), params)).rowCount ?? 0,
    close: () => pool.end(),
  });
}
