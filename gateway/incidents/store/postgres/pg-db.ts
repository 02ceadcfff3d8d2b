// The incident store's PostgreSQL connection: one pool (pg-pool.ts: bigint as numbers, connection loss survived),
// transactions that retry once when a concurrent node won a race, and every
// driver error turned into the project's error catalogue.
import type pg from 'pg';
import { createPgPool, GwError, inTransaction, isPostgresUnreachable, type PgPoolOptions } from '../../../../device-registry/index.ts';

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

/** Races another node can win; the loser retries once and then sees the winner's row. */
export const lostRace = (err: unknown): boolean => {
  const code = (err as { code?: string }).code;
  return code === '23505' || code === '40001' || code === '40P01';
};

export class PgDb {
  readonly pool: pg.Pool;
  readonly where: string;

  constructor(url: string, pool: PgPoolOptions = {}) {
    this.where = describeUrl(url);
    this.pool = createPgPool({ url, max: 10, name: 'gateway-incidents', ...pool });
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
