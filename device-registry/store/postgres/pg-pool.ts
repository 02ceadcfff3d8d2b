// Every PostgreSQL connection of the gateway is made here, so each one
// survives the server going away at any moment (a crash, a fast shutdown, a
// reset). pg emits 'error' on a client whose connection dies; the pool listens
// on its idle clients only, so a client checked out for a transaction had no
// listener while it was out, and an 'error' nobody listens to ends the
// process. Here each client has a listener for its whole life: the query in
// flight fails on its own (a 503 upstream, see unreachable.ts) and the broken
// client is dropped when it is released.
import pg from 'pg';

/** Where a pool reports connection losses: one line per outage, not one per connection. */
export interface PoolLog {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface PgPoolSpec {
  url: string;
  /** Most connections the pool opens (see store.postgres.pools in the config). */
  max: number;
  /** application_name in pg_stat_activity: which node and which pool ("gateway-1 registry"). */
  name: string;
  /** A connection (new, or waiting for a free one) not had within this long fails; default 5000. */
  connectTimeoutMs?: number;
  log?: PoolLog;
}

// int8 columns hold epoch ms, sequences and counts, all well below 2^53:
// numbers, not pg's default strings. Set per pool, never on pg.types globally.
function storeTypes(): pg.CustomTypesConfig {
  const types = new pg.TypeOverrides();
  types.setTypeParser(20, Number);
  return types;
}

const connectionOptions = (spec: Omit<PgPoolSpec, 'max' | 'log'>): pg.ClientConfig => ({
  connectionString: spec.url,
  application_name: spec.name,
  connectionTimeoutMillis: spec.connectTimeoutMs ?? 5000,
  keepAlive: true,
  types: storeTypes(),
});

/** What a lost connection says, without the client pg attaches to the error (its parameters hold the password). */
const describe = (err: Error & { code?: string }) => ({ code: err.code, reason: err.message });

/** What a store's open() takes beside the URL; unset fields take the store's defaults. */
export type PgPoolOptions = Partial<Omit<PgPoolSpec, 'url'>>;

export function createPgPool(spec: PgPoolSpec): pg.Pool {
  const pool = new pg.Pool({ ...connectionOptions(spec), max: spec.max });
  let lost = 0; // connections lost since the pool last connected
  const onLost = (err: Error) => {
    if (lost++ === 0) spec.log?.warn({ pool: spec.name, ...describe(err) }, 'PostgreSQL connection lost; requests that need it get 503 until it is back');
  };
  // A new client: listened to from now until it is gone, idle or checked out.
  pool.on('connect', (client) => {
    client.on('error', onLost);
    if (lost) spec.log?.info({ pool: spec.name, lost }, 'PostgreSQL connected again');
    lost = 0;
  });
  // The pool re-emits an idle client's error; the client's own listener has reported it.
  pool.on('error', () => {});
  return pool;
}

/** One connection outside any pool (a session-level advisory lock), with the same protection. */
export async function connectPgClient(spec: Omit<PgPoolSpec, 'max'>): Promise<pg.Client> {
  const client = new pg.Client(connectionOptions(spec));
  client.on('error', (err: Error) => spec.log?.warn({ pool: spec.name, ...describe(err) }, 'PostgreSQL connection lost'));
  await client.connect();
  return client;
}
