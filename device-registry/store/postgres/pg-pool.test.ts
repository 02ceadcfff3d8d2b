// The one place pools and clients are made: the server going away while a
// client is checked out (mid-transaction), idle in the pool, or held outside
// any pool must fail the work in hand with an "unreachable" error, never end
// the process on an unhandled 'error' event; the pool serves again once the
// server is back. Real PostgreSQL, stopped both ways (immediate and fast).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { postgresPerFile } from '../../../test/helpers/postgres.ts';
import { inTransaction } from './pg-migrate.ts';
import { connectPgClient, createPgPool, type PoolLog } from './pg-pool.ts';
import { isPostgresUnreachable } from './unreachable.ts';

const postgres = postgresPerFile('pgpool');

function recordingLog(): PoolLog & { lines: Array<{ level: string; msg: string; obj: Record<string, unknown> }> } {
  const lines: Array<{ level: string; msg: string; obj: Record<string, unknown> }> = [];
  return {
    lines,
    warn: (obj, msg) => lines.push({ level: 'warn', msg, obj: obj as Record<string, unknown> }),
    info: (obj, msg) => lines.push({ level: 'info', msg, obj: obj as Record<string, unknown> }),
  };
}

for (const mode of ['immediate', 'fast'] as const) {
  test(`${mode} stop: a checked-out client mid-transaction, idle clients and a lone client all fail softly; the pool serves again after`, async () => {
    const url = await postgres.freshDatabase();
    const log = recordingLog();
    const pool = createPgPool({ url, max: 3, name: 'test pool', log });
    const lone = await connectPgClient({ url, name: 'test lone', log });
    try {
      // Durable before the crash (the test server runs with synchronous_commit off).
      await lone.query('SET synchronous_commit = on');
      await lone.query('CREATE TABLE t (k text PRIMARY KEY)');
      // Warm two idle clients, then hold one out of the pool inside a transaction while the server goes.
      await Promise.all([pool.query('SELECT pg_sleep(0.05)'), pool.query('SELECT pg_sleep(0.05)')]);
      let signalStop!: () => void;
      const inside = new Promise<void>((r) => (signalStop = r));
      const tx = inTransaction(pool, async (c) => {
        await c.query("INSERT INTO t VALUES ('lost')");
        signalStop();
        await new Promise((r) => setTimeout(r, 1500)); // the server dies while this client is checked out and idle
        await c.query("INSERT INTO t VALUES ('after')");
      });
      await inside;
      await postgres.server().stop(mode);

      await assert.rejects(tx, (err: unknown) => isPostgresUnreachable(err), 'the transaction fails as "unreachable" (a 503 upstream)');
      await assert.rejects(pool.query('SELECT 1'), (err: unknown) => isPostgresUnreachable(err));
      await assert.rejects(lone.query('SELECT 1'), (err: unknown) => isPostgresUnreachable(err));
      const lost = log.lines.filter((l) => l.level === 'warn' && l.obj.pool === 'test pool');
      assert.equal(lost.length, 1, 'the pool reports the outage once, not once per connection');
      assert.ok(!('client' in lost[0]!.obj) && !('err' in lost[0]!.obj), 'the log gets the reason only, never the client pg attaches to the error');

      await postgres.server().start();
      // Nothing to restart: the next queries open new connections.
      const { rows } = await pool.query<{ k: string }>('SELECT k FROM t');
      assert.deepEqual(rows, [], 'the transaction that was cut off left nothing');
      assert.ok(log.lines.some((l) => l.level === 'info' && l.obj.pool === 'test pool' && (l.obj.lost as number) >= 1), 'the pool says when it is back');
      const again = await connectPgClient({ url, name: 'test lone', log });
      await again.end();
    } finally {
      await lone.end();
      await pool.end();
    }
  });
}

test('application_name is the pool name given, as pg_stat_activity shows it', async () => {
  const url = await postgres.freshDatabase();
  const pool = createPgPool({ url, max: 1, name: 'gateway-9 incidents' });
  try {
    const { rows } = await pool.query<{ name: string; n: number }>('SELECT current_setting(\'application_name\') AS name, 1::int8 AS n');
    assert.deepEqual(rows, [{ name: 'gateway-9 incidents', n: 1 }], 'named, and int8 read as a number');
  } finally {
    await pool.end();
  }
});
