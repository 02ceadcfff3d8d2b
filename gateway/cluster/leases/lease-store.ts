// The lease tables in PostgreSQL and the few statements the lease loop runs.
// Every time comparison uses the database's clock (gw_now_ms()), never a
// node's: a node with a skewed clock cannot extend or steal a lease.
import type pg from 'pg';
import { createPgPool, inTransaction, type PgPoolOptions } from '../../../device-registry/index.ts';

export interface Lease {
  channelId: string;
  version: number;
}

const NOW = 'gw_now_ms()';

// Node starts race on the schema: the migration runs under an advisory lock.
const SCHEMA_LOCK = 0x67_77_6c_65; // "gwle"
const SCHEMA = `
CREATE OR REPLACE FUNCTION gw_now_ms() RETURNS bigint LANGUAGE sql VOLATILE AS $$ SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint $$;
CREATE TABLE IF NOT EXISTS cluster_nodes (
  node_id text PRIMARY KEY,
  url text,
  capacity integer NOT NULL,
  started_at bigint NOT NULL,
  heartbeat_at bigint NOT NULL
);
-- version is the fencing token: it comes from one sequence and changes on every acquisition.
CREATE TABLE IF NOT EXISTS channel_leases (
  channel_id text PRIMARY KEY,
  node_id text NOT NULL,
  version bigint NOT NULL,
  expires_at bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS channel_leases_node ON channel_leases(node_id);
CREATE SEQUENCE IF NOT EXISTS channel_lease_version;
`;

export function leasePool(url: string, pool: PgPoolOptions = {}): pg.Pool {
  return createPgPool({ url, max: 3, name: 'gateway-leases', ...pool });
}

export class LeaseStore {
  /** Statements run and lease rows they renewed, took or gave back: the coordination-overhead figures. */
  ops = 0;
  leaseRows = 0;

  constructor(private readonly pool: pg.Pool, private readonly nodeId: string, private readonly ttlMs: number) {}

  private async q<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<R[]> {
    this.ops++;
    return (await this.pool.query<R>(text, values)).rows;
  }

  async ensureSchema(): Promise<void> {
    // A transaction-scoped lock: a pooler in transaction mode (PgBouncer) would leak a session lock.
    await inTransaction(this.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
      await client.query(SCHEMA);
    });
  }

  async heartbeat(capacity: number, url: string | null): Promise<void> {
    await this.q(`INSERT INTO cluster_nodes (node_id, url, capacity, started_at, heartbeat_at) VALUES ($1, $2, $3, ${NOW}, ${NOW})
      ON CONFLICT (node_id) DO UPDATE SET url = EXCLUDED.url, capacity = EXCLUDED.capacity, heartbeat_at = EXCLUDED.heartbeat_at`, [this.nodeId, url, capacity]);
  }

  /** Nodes that beat within the lease time. */
  async liveNodes(): Promise<Array<{ nodeId: string; capacity: number; url: string | null }>> {
    const rows = await this.q<{ node_id: string; capacity: number; url: string | null }>(
      `SELECT node_id, capacity, url FROM cluster_nodes WHERE heartbeat_at > ${NOW} - $1`, [this.ttlMs]);
    return rows.map((r) => ({ nodeId: r.node_id, capacity: r.capacity, url: r.url }));
  }

  /** Every live lease: channel → node. */
  async owners(): Promise<Map<string, string>> {
    const rows = await this.q<{ channel_id: string; node_id: string }>(`SELECT channel_id, node_id FROM channel_leases WHERE expires_at > ${NOW}`, []);
    return new Map(rows.map((r) => [r.channel_id, r.node_id]));
  }

  /** Live nodes with how many channels each holds now (for the cluster view). */
  async nodesWithLeases(): Promise<Array<{ nodeId: string; url: string | null; capacity: number; held: number; heartbeatAgoMs: number }>> {
    const rows = await this.q<{ node_id: string; url: string | null; capacity: number; held: string; ago: string }>(
      `SELECT n.node_id, n.url, n.capacity, ${NOW} - n.heartbeat_at AS ago,
         (SELECT count(*) FROM channel_leases l WHERE l.node_id = n.node_id AND l.expires_at > ${NOW}) AS held
       FROM cluster_nodes n WHERE n.heartbeat_at > ${NOW} - $1 ORDER BY n.node_id`, [this.ttlMs]);
    return rows.map((r) => ({ nodeId: r.node_id, url: r.url, capacity: r.capacity, held: Number(r.held), heartbeatAgoMs: Number(r.ago) }));
  }

  /** Extends every unexpired lease this node holds; what comes back is what it still owns. */
  async renew(): Promise<Lease[]> {
    const rows = await this.q<{ channel_id: string; version: string }>(
      `UPDATE channel_leases SET expires_at = ${NOW} + $2 WHERE node_id = $1 AND expires_at > ${NOW} RETURNING channel_id, version`, [this.nodeId, this.ttlMs]);
    this.leaseRows += rows.length;
    return rows.map((r) => ({ channelId: r.channel_id, version: Number(r.version) }));
  }

  /** Channels someone holds an unexpired lease on. */
  async taken(): Promise<Set<string>> {
    return new Set((await this.owners()).keys());
  }

  /** Takes the given channels where they are free or expired; another node's live lease is never touched. */
  async acquire(channelIds: string[]): Promise<Lease[]> {
    if (!channelIds.length) return [];
    const rows = await this.q<{ channel_id: string; version: string }>(
      `INSERT INTO channel_leases (channel_id, node_id, version, expires_at)
       SELECT id, $1, nextval('channel_lease_version'), ${NOW} + $3 FROM unnest($2::text[]) AS id
       ON CONFLICT (channel_id) DO UPDATE SET node_id = EXCLUDED.node_id, version = EXCLUDED.version, expires_at = EXCLUDED.expires_at
         WHERE channel_leases.expires_at <= ${NOW}
       RETURNING channel_id, version`, [this.nodeId, channelIds, this.ttlMs]);
    this.leaseRows += rows.length;
    return rows.map((r) => ({ channelId: r.channel_id, version: Number(r.version) }));
  }

  /** Gives leases back (after their ingest stopped), only if they are still this node's at that version. */
  async release(leases: Lease[]): Promise<number> {
    if (!leases.length) return 0;
    const rows = await this.q(`DELETE FROM channel_leases l USING unnest($2::text[], $3::bigint[]) AS r(id, version)
      WHERE l.channel_id = r.id AND l.version = r.version AND l.node_id = $1 RETURNING l.channel_id`,
      [this.nodeId, leases.map((l) => l.channelId), leases.map((l) => l.version)]);
    this.leaseRows += rows.length;
    return rows.length;
  }

  /** Who owns a channel now (for proxying media to its node). */
  async owner(channelId: string): Promise<{ nodeId: string; url: string | null; version: number } | undefined> {
    const rows = await this.q<{ node_id: string; url: string | null; version: string }>(
      `SELECT l.node_id, n.url, l.version FROM channel_leases l LEFT JOIN cluster_nodes n ON n.node_id = l.node_id
       WHERE l.channel_id = $1 AND l.expires_at > ${NOW}`, [channelId]);
    const r = rows[0];
    return r ? { nodeId: r.node_id, url: r.url, version: Number(r.version) } : undefined;
  }

  close(): Promise<void> {
    return this.pool.end();
  }

  /** A node leaving cleanly: its row goes, so the others count it out at once. */
  async leave(): Promise<void> {
    await this.q('DELETE FROM cluster_nodes WHERE node_id = $1', [this.nodeId]);
  }
}
