// Opens the registry store the configuration names, waiting for PostgreSQL
// at start (see start-retry.ts), and serialises first-start work (seed, admin
// key) across nodes that start together.
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { connectPgClient, PgRegistryStore, SqliteRegistryStore, type PgPoolOptions, type RegistryStore } from '../../device-registry/index.ts';
import { redactUrl } from '../log.ts';
import type { GatewayConfig } from '../config/schema.ts';
import { untilReachable } from './start-retry.ts';

const BOOTSTRAP_LOCK = 7_202_612; // pg_advisory_lock key: first-start work, one node at a time

export type PoolName = keyof GatewayConfig['store']['postgres']['pools'];

/** A pool's size from store.postgres.pools, named "<nodeId> <pool>" in pg_stat_activity, reporting connection losses to the log. */
export const poolOptions = (config: GatewayConfig, pool: PoolName, log: Logger): PgPoolOptions => ({
  max: config.store.postgres.pools[pool],
  name: `${nodeIdOf(config)} ${pool}`,
  log: log.child({ module: 'postgres' }),
});

export async function openRegistryStore(config: GatewayConfig, log: Logger): Promise<RegistryStore> {
  if (config.store.database === 'sqlite') return new SqliteRegistryStore(join(config.dataDir, 'registry.db'));
  const url = config.store.postgres.url!;
  return untilReachable(() => PgRegistryStore.open(url, poolOptions(config, 'registry', log)), {
    what: 'PostgreSQL', where: redactUrl(url), field: 'store.postgres.url', timeoutMs: config.store.postgres.connectTimeoutSeconds * 1000, log: log.child({ module: 'postgres' }),
  });
}

/** Runs `work` while holding a cluster-wide lock (PostgreSQL), or directly with the embedded store. */
export async function exclusively<T>(config: GatewayConfig, log: Logger, work: () => Promise<T>): Promise<T> {
  if (config.store.database === 'sqlite') return work();
  const client = await connectPgClient({ url: config.store.postgres.url!, name: `${nodeIdOf(config)} bootstrap`, log: log.child({ module: 'postgres' }) });
  try {
    // Held for a transaction, not the session: behind a pooler in transaction mode (PgBouncer) the connection is ours only that long.
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK]);
    const out = await work();
    await client.query('COMMIT');
    return out;
  } finally {
    await client.end(); // after a failure: ending the session rolls back and releases the lock
  }
}

export const nodeIdOf = (config: GatewayConfig): string => config.cluster.nodeId ?? hostname();

const WILDCARD = new Set(['0.0.0.0', '::', '']);

/** The URL the other nodes reach this node's HTTP at, once it listens: configured, else its listen address or host name. */
export function advertisedUrl(config: GatewayConfig, boundPort: number): string {
  if (config.cluster.advertiseUrl) return config.cluster.advertiseUrl.replace(/\/+$/, '');
  const host = WILDCARD.has(config.http.host) ? hostname() : config.http.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`;
}
