// Evidence in PostgreSQL, the database every node of a cluster already shares:
// no new engine to run, back up or secure, and evidence outlives the node that
// raised it. Sized for snapshots (50–200 KB each, at alarm rates); recording
// segments belong on a shared directory or an object store instead (see
// README.md in this folder).
import type pg from 'pg';
import { createPgPool, GwError, isPostgresUnreachable, migrateOnPool, migratePostgres, type PgPoolOptions } from '../../device-registry/index.ts';
import { checkKey, type EvidenceObject, type EvidenceStore } from './store.ts';

const MIGRATION_LOCK = 0x67_77_65_76; // "gwev"
const MIGRATIONS = [
  {
    version: 1,
    name: 'evidence objects',
    // EXTERNAL: stored out of line without compression; JPEG and video do not compress.
    sql: `CREATE TABLE evidence_objects (
      key text PRIMARY KEY,
      content_type text NOT NULL,
      size integer NOT NULL,
      created_at bigint NOT NULL,
      bytes bytea NOT NULL
    );
    ALTER TABLE evidence_objects ALTER COLUMN bytes SET STORAGE EXTERNAL;`,
  },
] as const;

export class PostgresEvidenceStore implements EvidenceStore {
  readonly where: string;

  private constructor(private readonly pool: pg.Pool, url: string) {
    this.where = `PostgreSQL at ${hostAndDatabase(url)}`;
  }

  /** Connects and brings the table up to date (nodes starting together wait on one advisory lock). */
  static async open(url: string, opts: PgPoolOptions = {}): Promise<PostgresEvidenceStore> {
    const pool = createPgPool({ url, max: 1, name: 'gateway-evidence', ...opts });
    const store = new PostgresEvidenceStore(pool, url);
    try {
      await migrateOnPool(pool, (client) => migratePostgres(client, { what: 'evidence', versionTable: 'evidence_schema_version', lock: MIGRATION_LOCK, migrations: MIGRATIONS }));
    } catch (err) {
      await pool.end();
      throw store.translate(err);
    }
    return store;
  }

  async put(key: string, bytes: Buffer, contentType: string): Promise<void> {
    await this.query(
      `INSERT INTO evidence_objects (key, content_type, size, created_at, bytes) VALUES ($1, $2, $3, (extract(epoch FROM clock_timestamp()) * 1000)::bigint, $4)
       ON CONFLICT (key) DO NOTHING`, [checkKey(key), contentType, bytes.length, bytes]);
  }

  async get(key: string): Promise<EvidenceObject | undefined> {
    const [row] = await this.query<{ bytes: Buffer; content_type: string; created_at: number }>('SELECT bytes, content_type, created_at FROM evidence_objects WHERE key = $1', [checkKey(key)]);
    return row && { bytes: row.bytes, contentType: row.content_type, createdAt: row.created_at };
  }

  async delete(key: string): Promise<void> {
    await this.query('DELETE FROM evidence_objects WHERE key = $1', [checkKey(key)]);
  }

  async close(): Promise<void> {
    if (!this.pool.ended) await this.pool.end();
  }

  private async query<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<R[]> {
    try {
      return (await this.pool.query<R>(text, values)).rows;
    } catch (err) {
      throw this.translate(err);
    }
  }

  private translate(err: unknown): unknown {
    if (!isPostgresUnreachable(err)) return err;
    const { code, message } = err as { code?: string; message?: string };
    return new GwError('GW_ERR_UNAVAILABLE', `the evidence store (${this.where}) is unavailable: ${message ?? code}`, undefined, { cause: code ?? message });
  }
}

/** host:port/database, never the credentials. */
function hostAndDatabase(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return 'the configured URL (unparsable)';
  }
}
