// Where media enters the cluster when it is not placed by a lease: the node a
// GB28181 device registered with (key `gb:<deviceId>`, until its registration
// expires) and the node an encoder pushes an RTMP channel to (key
// `rtmp:<channelId>`, while it publishes). One row per key, written by the
// node that holds it. A row counts only while its node beats (cluster_nodes,
// the lease loop's heartbeat, by the database's clock): a node killed with -9
// leaves rows behind that stop counting after the lease time, and are
// overwritten by whichever node the device or encoder reaches next.
import type pg from 'pg';
import { migrateOnPool, migratePostgres, type PgMigration } from '../../../device-registry/index.ts';

const MIGRATION_LOCK = 0x67_77_6d_6f; // "gwmo"
const MIGRATIONS: PgMigration[] = [
  {
    version: 1,
    name: 'media origins: GB28181 registrations and RTMP publishers by node',
    sql: `
CREATE TABLE cluster_media_origins (
  key        text PRIMARY KEY,
  node_id    text NOT NULL,
  -- null: while the node lives (a push); else epoch ms by the database's clock (a registration's expiry)
  expires_at bigint,
  updated_at bigint NOT NULL
);
CREATE INDEX cluster_media_origins_node ON cluster_media_origins(node_id);
`,
  },
];

export interface OriginHolder {
  nodeId: string;
  /** The node's advertised URL (media is proxied there); null when it has none. */
  url: string | null;
}

/** A row counts while its node beats (heartbeat within the lease time) and before its expiry. */
const LIVE = `JOIN cluster_nodes n ON n.node_id = o.node_id
  WHERE n.heartbeat_at > gw_now_ms() - $1 AND (o.expires_at IS NULL OR o.expires_at > gw_now_ms())`;

export class OriginStore {
  constructor(private readonly pool: pg.Pool, private readonly nodeId: string, private readonly ttlMs: number) {}

  /** Creates or upgrades the table (after the lease schema, whose gw_now_ms() and cluster_nodes it uses). */
  async migrate(): Promise<void> {
    await migrateOnPool(this.pool, (client) => migratePostgres(client, { what: 'media origin', versionTable: 'media_origin_schema_version', lock: MIGRATION_LOCK, migrations: MIGRATIONS }));
  }

  /** This node holds `key` now, for `ttlMs` (a registration) or while it lives (null); whoever held it before does not. */
  async claim(key: string, ttlMs: number | null): Promise<void> {
    await this.pool.query(
      `INSERT INTO cluster_media_origins (key, node_id, expires_at, updated_at) VALUES ($1, $2, CASE WHEN $3::bigint IS NULL THEN NULL ELSE gw_now_ms() + $3::bigint END, gw_now_ms())
       ON CONFLICT (key) DO UPDATE SET node_id = EXCLUDED.node_id, expires_at = EXCLUDED.expires_at, updated_at = EXCLUDED.updated_at`,
      [key, this.nodeId, ttlMs === null ? null : Math.round(ttlMs)]);
  }

  /** Gives `key` up, only if this node still holds it (another node may have taken it since). */
  async release(key: string): Promise<void> {
    await this.pool.query('DELETE FROM cluster_media_origins WHERE key = $1 AND node_id = $2', [key, this.nodeId]);
  }

  /** Everything this node held (at start: a node that restarts holds nothing yet; on leaving). */
  async releaseAll(): Promise<number> {
    return (await this.pool.query('DELETE FROM cluster_media_origins WHERE node_id = $1', [this.nodeId])).rowCount ?? 0;
  }

  /** The live node holding `key`, with its URL. */
  async holder(key: string): Promise<OriginHolder | undefined> {
    const { rows } = await this.pool.query<{ node_id: string; url: string | null }>(
      `SELECT o.node_id, n.url FROM cluster_media_origins o ${LIVE} AND o.key = $2`, [this.ttlMs, key]);
    const r = rows[0];
    return r ? { nodeId: r.node_id, url: r.url } : undefined;
  }

  /** Every key held by a live node: key → node. */
  async all(): Promise<Map<string, string>> {
    const { rows } = await this.pool.query<{ key: string; node_id: string }>(`SELECT o.key, o.node_id FROM cluster_media_origins o ${LIVE}`, [this.ttlMs]);
    return new Map(rows.map((r) => [r.key, r.node_id]));
  }
}
