// One contract, two stores: the embedded SQLite file and PostgreSQL for
// scale-out (a real server, one fresh database per test). Plus what only the
// PostgreSQL store faces: several nodes (stores with their own pools) on one
// database at once, racing migrations, and the database going away.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { PgRegistryStore } from '../../../device-registry/index.ts';
import { postgresPerFile } from '../../../test/helpers/postgres.ts';
import { candidate, gwError, MIN, move, raise, raised, SYSTEM, T0, TIME_ZONE } from './contract-fixtures.ts';
import { incidentStoreContract } from './incident-store.contract.ts';
import { INCIDENT_PG_MIGRATIONS } from './postgres/migrations.ts';
import { PgIncidentStore } from './postgres/pg-incident-store.ts';
import { SqliteIncidentStore } from './sqlite/sqlite-incident-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'gw-incident-contract-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const postgres = postgresPerFile('incidents');
const freshDatabase = postgres.freshDatabase;
let databases = 0;

incidentStoreContract('SQLite', async () => {
  const file = join(dir, `incidents-${++databases}.db`);
  return { store: new SqliteIncidentStore(file, TIME_ZONE), cleanup: async () => rmSync(file, { force: true }) };
}, async (store, id, gridCode) => void (store as SqliteIncidentStore).db.prepare('UPDATE incidents SET grid_code = ? WHERE id = ?').run(gridCode, id));

/** Each PostgreSQL store's database, for changes behind its back. */
const urlOf = new WeakMap<object, string>();
// Databases are left for postgres.close() to remove with the data directory.
incidentStoreContract('PostgreSQL', async () => {
  const url = await freshDatabase();
  const store = await PgIncidentStore.open(url, TIME_ZONE);
  urlOf.set(store, url);
  return { store, cleanup: async () => {} };
}, async (store, id, gridCode) => {
  const client = new pg.Client({ connectionString: urlOf.get(store) });
  await client.connect();
  try {
    await client.query('UPDATE incidents SET grid_code = $1 WHERE id = $2', [gridCode, id]);
  } finally {
    await client.end();
  }
});

/** Two gateway nodes on one fresh database: two stores, two pools. */
async function twoNodes(): Promise<{ a: PgIncidentStore; b: PgIncidentStore; url: string; close(): Promise<void> }> {
  const url = await freshDatabase();
  const [a, b] = await Promise.all([PgIncidentStore.open(url, TIME_ZONE), PgIncidentStore.open(url, TIME_ZONE)]);
  return { a, b, url, close: async () => void (await Promise.all([a.close(), b.close()])) };
}

describe('PgIncidentStore only: several nodes on one database', () => {
  test('20 raises of one key at once across two nodes: one created, 19 deduped, every repeat counted', async () => {
    const { a, b, close } = await twoNodes();
    try {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => raise(i % 2 ? a : b, candidate({ dedupeKey: 'race', evidence: { snapshots: [`${i}.jpg`] } }))));
      assert.deepEqual(results.filter((r) => r.outcome === 'created').length, 1);
      assert.deepEqual(results.filter((r) => r.outcome === 'deduped').length, 19);
      assert.equal(new Set(results.map((r) => r.row?.id)).size, 1);
      const { rows, total } = await a.list({ limit: 50, offset: 0 }, 'newest');
      assert.deepEqual([total, rows[0]!.count, rows[0]!.version, rows[0]!.code], [1, 20, 1, '20260102-00001']);
      assert.equal((rows[0]!.evidence.snapshots as string[]).length, 10, 'every merge saw the one before it');
      assert.equal((await b.eventsSince(0, 100)).length, 20);
      assert.deepEqual((await a.flow(rows[0]!.id)).map((f) => f.action), ['report']);
    } finally {
      await close();
    }
  });

  test('50 new incidents at once across two nodes get 50 distinct codes, gapless', async () => {
    const { a, b, close } = await twoNodes();
    try {
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => raised(i % 2 ? a : b, candidate())));
      const codes = results.map((r) => r.row.code).sort();
      assert.deepEqual(codes, Array.from({ length: 50 }, (_, i) => `20260102-${String(i + 1).padStart(5, '0')}`));
    } finally {
      await close();
    }
  });

  test('10 claimNext at once across two nodes never hand one incident to two dispatchers', async () => {
    const { a, b, close } = await twoNodes();
    try {
      for (let i = 0; i < 12; i++) await raised(a, candidate({ severity: i % 3 ? 'minor' : 'major', occurredAt: T0 + i }));
      const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).claimNext(`disp-${i}`, T0 + MIN, T0, ['reported'])));
      const ids = claims.map((c) => c?.id);
      assert.ok(ids.every((id) => id !== undefined), 'everyone got one');
      assert.equal(new Set(ids).size, 10, 'all distinct');
      for (const [i, c] of claims.entries()) assert.equal((await b.get(c!.id))?.claimBy, `disp-${i}`);
      const rest = await Promise.all([a.claimNext('x', T0 + MIN, T0, ['reported']), b.claimNext('y', T0 + MIN, T0, ['reported']), a.claimNext('z', T0 + MIN, T0, ['reported'])]);
      assert.equal(rest.filter(Boolean).length, 2, 'twelve incidents, twelve claims');
    } finally {
      await close();
    }
  });

  test('one candidate id delivered to both nodes at once is raised once', async () => {
    const { a, b, close } = await twoNodes();
    try {
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => raise(i % 2 ? a : b, { ...candidate({ dedupeKey: 'jet' }), candidateId: 'msg-42' })));
      assert.equal(results.filter((r) => !r.replayed).length, 1);
      assert.ok(results.every((r) => r.outcome === 'created'), 'the replays answer the first outcome');
      assert.equal((await a.list({ limit: 5, offset: 0 }, 'newest')).rows[0]?.count, 1);
      assert.equal((await a.eventsSince(0, 100)).length, 1);
    } finally {
      await close();
    }
  });

  test('the same version moved on two nodes at once: one wins, the other is stale; escalation happens once', async () => {
    const { a, b, close } = await twoNodes();
    try {
      const { row } = await raised(a, candidate());
      const moves = await Promise.allSettled([move(a, row, 'accepted'), move(b, row, 'invalid', { closedAt: T0 })]);
      assert.equal(moves.filter((m) => m.status === 'fulfilled').length, 1);
      const lost = moves.find((m) => m.status === 'rejected') as PromiseRejectedResult;
      assert.ok(gwError('GW_ERR_STALE_VERSION', 'version')(lost.reason));
      const current = (await a.get(row.id))!;
      assert.equal(current.version, 2);
      const flow = { actor: SYSTEM, action: 'escalate', from: null, to: null, note: null, attachments: [], data: null };
      const ups = await Promise.all([a.escalate(row.id, 'major', flow, T0), b.escalate(row.id, 'major', flow, T0), a.escalate(row.id, 'major', flow, T0)]);
      assert.equal(ups.filter(Boolean).length, 1);
      assert.equal((await b.flow(row.id)).filter((f) => f.action === 'escalate').length, 1);
    } finally {
      await close();
    }
  });

  test('two nodes working the webhook queue at once take disjoint deliveries', async () => {
    const { a, b, close } = await twoNodes();
    try {
      await a.webhooks.insert({ id: 'hook', name: 'h', url: 'http://h.example', secret: 's', filter: {}, enabled: true, createdAt: T0 });
      await a.webhooks.enqueue(Array.from({ length: 40 }, (_, i) => ({ webhookId: 'hook', eventSeq: i, eventType: 't', body: '{}', nextAt: T0 })), T0);
      const batches = await Promise.all([a, b, a, b].map((s) => s.webhooks.claimDue(T0, 15, MIN)));
      const ids = batches.flat().map((d) => d.id);
      assert.equal(ids.length, 40);
      assert.equal(new Set(ids).size, 40);
    } finally {
      await close();
    }
  });

  test('three nodes opening one new database at once migrate it once; the registry shares the database', async () => {
    const url = await freshDatabase();
    const registry = await PgRegistryStore.open(url);
    const stores = await Promise.all([1, 2, 3].map(() => PgIncidentStore.open(url, TIME_ZONE)));
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ version: number }>('SELECT version FROM incident_schema_version ORDER BY version');
      assert.deepEqual(rows.map((r) => r.version), INCIDENT_PG_MIGRATIONS.map((m) => m.version));
      await raised(stores[0]!, candidate());
      await registry.apply([{ op: 'insert', entity: 'channels', id: 'cam-1', columns: { name: 'cam-1' }, doc: { id: 'cam-1' }, secret: null }], []);
      assert.equal((await stores[2]!.list({ limit: 5, offset: 0 }, 'newest')).total, 1);
      assert.equal((await registry.get('channels', 'cam-1'))?.id, 'cam-1');
      await client.query('INSERT INTO incident_schema_version (version, name, applied_at) VALUES (999, $1, 0)', ['from the future']);
      await assert.rejects(PgIncidentStore.open(url, TIME_ZONE), /schema version 999, newer than this gateway/);
    } finally {
      await client.end();
      await Promise.all(stores.map((s) => s.close()));
      await registry.close();
    }
  });

  // Last: it stops the shared server for a while.
  test('PostgreSQL unreachable: GW_ERR_UNAVAILABLE (503), not a crash; back when the server is', async () => {
    await assert.rejects(PgIncidentStore.open('postgres://gw@127.0.0.1:1/none', TIME_ZONE), (err: unknown) => {
      gwError('GW_ERR_UNAVAILABLE')(err);
      assert.equal((err as { statusCode: number }).statusCode, 503);
      assert.match((err as Error).message, /incident database \(PostgreSQL at 127\.0\.0\.1:1\/none\) is unavailable/);
      return true;
    });
    const store = await PgIncidentStore.open(await freshDatabase(), TIME_ZONE);
    try {
      await raised(store, candidate());
      await postgres.server().stop();
      await assert.rejects(store.ping(), gwError('GW_ERR_UNAVAILABLE'));
      await assert.rejects(raise(store, candidate()), gwError('GW_ERR_UNAVAILABLE'));
      await assert.rejects(store.list({ limit: 1, offset: 0 }, 'newest'), gwError('GW_ERR_UNAVAILABLE'));
      await postgres.server().start();
      await store.ping();
      assert.equal((await raised(store, candidate())).row.code, '20260102-00002');
    } finally {
      await store.close();
    }
    await assert.rejects(store.ping(), gwError('GW_ERR_UNAVAILABLE'), 'a closed store says so too');
  });
});
