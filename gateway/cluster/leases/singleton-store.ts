// Cluster-wide singletons in PostgreSQL: work exactly one node does (the
// GB28181 upper-platform links), held by a lease like a channel's. Not in
// channel_leases: the fair share counts those rows as channels. Every time
// comparison uses the database's clock (gw_now_ms(), from the lease schema).
import type pg from 'pg';
import { migrateOnPool, migratePostgres, type PgMigration } from '../../../device-registry/index.ts';

const MIGRATION_LOCK = 0x67_77_73_67; // "gwsg"
const MIGRATIONS: PgMigration[] = [
  {
    version: 1,
    name: 'cluster singletons: one holder node per name, by lease',
    sql: `
CREATE TABLE cluster_singletons (
  name       text PRIMARY KEY,
  node_id    text NOT NULL,
  -- from a sequence, new on every acquisition: a renewal names the term it extends
  version    bigint NOT NULL,
  expires_at bigint NOT NULL
);
CREATE SEQUENCE cluster_singleton_version;
`,
  },
];

export class SingletonStore {
  constructor(private readonly pool: pg.Pool, private readonly nodeId: string, private readonly ttlMs: number) {}

  /** Creates or upgrades the table (after the lease schema, whose gw_now_ms() it uses). */
  async migrate(): Promise<void> {
    await migrateOnPool(this.pool, (client) => migratePostgres(client, { what: 'cluster singleton', versionTable: 'singleton_schema_version', lock: MIGRATION_LOCK, migrations: MIGRATIONS }));
  }

  /** Takes `name` when it is free, expired, or still this node's (after a local give-up); the new version, or undefined when another node holds it. */
  async acquire(name: string): Promise<number | undefined> {
    const { rows } = await this.pool.query<{ version: string }>(
      `INSERT INTO cluster_singletons (name, node_id, version, expires_at) VALUES ($1, $2, nextval('cluster_singleton_version'), gw_now_ms() + $3)
       ON CONFLICT (name) DO UPDATE SET node_id = EXCLUDED.node_id, version = EXCLUDED.version, expires_at = EXCLUDED.expires_at
         WHERE cluster_singletons.expires_at <= gw_now_ms() OR cluster_singletons.node_id = EXCLUDED.node_id
       RETURNING version`, [name, this.nodeId, this.ttlMs]);
    return rows[0] ? Number(rows[0].version) : undefined;
  }

  /** Extends this node's unexpired term; false when it expired or another node took it. */
  async renew(name: string, version: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE cluster_singletons SET expires_at = gw_now_ms() + $4
       WHERE name = $1 AND node_id = $2 AND version = $3 AND expires_at > gw_now_ms()`, [name, this.nodeId, version, this.ttlMs]);
    return (rowCount ?? 0) > 0;
  }

  /** The node holding `name` now, if any. */
  async holder(name: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ node_id: string }>('SELECT node_id FROM cluster_singletons WHERE name = $1 AND expires_at > gw_now_ms()', [name]);
    return rows[0]?.node_id;
  }

  /** Gives the term back (the node leaves), only if it is still this node's. */
  async release(name: string, version: number): Promise<void> {
    await this.pool.query('DELETE FROM cluster_singletons WHERE name = $1 AND node_id = $2 AND version = $3', [name, this.nodeId, version]);
  }
}
