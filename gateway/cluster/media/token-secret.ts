// The media-token secret shared by every node. A media token is an HMAC over
// (channel, expiry, key id) with a secret; each node used to make its own
// (data/media-token.key), so a token minted on node A failed on node B with
// 403 — a redirect, a load balancer or a second wall tab on another node all
// broke. The cluster keeps one secret in its database instead: the first node
// to start writes a random one, every node reads the same. Whoever can read
// that database can mint media tokens, as they can read every camera's
// credentials in the registry already.
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { inTransaction } from '../../../device-registry/index.ts';

const SCHEMA_LOCK = 0x67_77_6d_74; // "gwmt"
const NAME = 'media-token';

export async function sharedMediaTokenSecret(pool: pg.Pool): Promise<Buffer> {
  const secret = await inTransaction(pool, async (client) => {
    // Nodes start together: CREATE TABLE IF NOT EXISTS alone can still collide, so under an advisory lock
    // held for the transaction (a pooler in transaction mode, PgBouncer, would leak a session lock).
    await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS cluster_secrets (name text PRIMARY KEY, value text NOT NULL, created_at bigint NOT NULL)');
    // The first insert wins; everyone reads the winner's.
    await client.query(
      `INSERT INTO cluster_secrets (name, value, created_at) VALUES ($1, $2, (extract(epoch FROM clock_timestamp()) * 1000)::bigint)
       ON CONFLICT (name) DO NOTHING`, [NAME, randomBytes(32).toString('base64')]);
    const { rows } = await client.query<{ value: string }>('SELECT value FROM cluster_secrets WHERE name = $1', [NAME]);
    return Buffer.from(rows[0]!.value, 'base64');
  });
  if (secret.length < 32) throw new Error(`cluster_secrets '${NAME}' holds ${secret.length} bytes; it needs 32 (delete the row to make a new one)`);
  return secret;
}
