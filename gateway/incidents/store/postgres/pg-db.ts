// The incident store's PostgreSQL connection: one pg.Pool, bigint as numbers,
// transactions that retry once when a concurrent node won a race, and every
// driver error turned into the project's error catalogue.
import pg from 'pg';
import { GwError, inTransaction, isPostgresUnreachable } from '../../../../device-registry/index.ts';

export type Row = Record<string, unknown>;
export type Tx = pg.PoolClient;


/** Where the database is, without credentials, for messages. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return 'the configured URL (unparsable)';
  }
}

/** Maps a driver error to a GwError where the client can act on it; anything else is returned as it is. */
export function translate(err: unknown, where: string): unknown {
  if (err instanceof GwError) return err;
  const { code, constraint, message } = err as { code?: string; constraint?: string; message?: string };
  if (isPostgresUnreachable(err)) {
    return new GwError('GW_ERR_UNAVAILABLE', `the incident database (PostgreSQL at ${where}) is unavailable: ${message ?? code}`, undefined, { cause: code ?? message });
  }
  if (code === '23505') return new GwError('GW_ERR_CONFLICT', `a concurrent write got there first (${constraint ?? 'unique key'}); retry`);
  // SQLite takes any string; PostgreSQL text cannot hold NUL.
  if (code === '22021' || code === '22P05') return new GwError('GW_ERR_VALIDATION', `text the database cannot store: ${message}`);
  return err;
}

// int8 columns hold epoch ms, sequences and counts, all well below 2^53: numbers,
// not pg's default strings. Set on this pool only, never on pg.types globally.
function storeTypes(): pg.CustomTypesConfig {
  const types = new pg.TypeOverrides();
  types.setTypeParser(20, Number);
  return types;
}

/** Races another node can win; the loser retries once and then sees the winner's row. */
export const lostRace = (err: unknown): boolean => {
  const code = (err as { code?: string }).code;
  return code === '23505' || code === '40001' || code === '40P01';
};

export class PgDb {
  readonly pool: pg.Pool;
  readonly where: string;

  constructor(url: string, opts: pg.PoolConfig = {}) {
    this.where = describeUrl(url);
    this.pool = new pg.Pool({ application_name: 'gateway-incidents', connectionTimeoutMillis: 5000, ...opts, connectionString: url, types: storeTypes() });
    this.pool.on('error', () => {}); // an idle client lost with the server: the next query reports it
  }

  async rows(text: string, values: unknown[] = []): Promise<Row[]> {
    try {
      return (await this.pool.query<Row>(text, values)).rows;
    } catch (err) {
      throw translate(err, this.where);
    }
  }

  /**
   * Runs fn inside BEGIN/COMMIT on one connection, rolling back on any error.
   * When `retry` says the failure was a lost race, runs it once more.
   */
  async tx<T>(fn: (c: Tx) => Promise<T>, retry: (err: unknown) => boolean = lostRace): Promise<T> {
    try {
      try {
        return await this.once(fn);
      } catch (err) {
        if (!retry(err)) throw err;
        return await this.once(fn);
      }
    } catch (err) {
      throw translate(err, this.where);
    }
  }

  private once<T>(fn: (c: Tx) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, fn);
  }

  async end(): Promise<void> {
    if (!this.pool.ended) await this.pool.end();
  }
}
