// One contract, two stores: the embedded SQLite file and PostgreSQL for
// scale-out (a real server, one fresh database per test). Plus what only the
// PostgreSQL store does: lease-fenced status writes and racing migrations.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { postgresPerFile } from '../../test/helpers/postgres.ts';
import { PG_MIGRATIONS } from './postgres/migrations.ts';
import { PgRegistryStore } from './postgres/pg-store.ts';
import { registryStoreContract } from './registry-store.contract.ts';
import { SqliteRegistryStore } from './sqlite/sqlite-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'gw-contract-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const postgres = postgresPerFile('registry');
const freshDatabase = postgres.freshDatabase;
let databases = 0;

registryStoreContract('SQLite', async () => {
  const file = join(dir, `store-${++databases}.db`);
  return { store: new SqliteRegistryStore(file), cleanup: async () => rmSync(file, { force: true }) };
});

// Databases are left for postgres.close() to remove with the data directory.
registryStoreContract('PostgreSQL', async () => ({ store: await PgRegistryStore.open(await freshDatabase()), cleanup: async () => {} }));

describe('PgRegistryStore only', () => {
  test('three nodes opening one new database at once migrate it exactly once', async () => {
    const url = await freshDatabase();
    const stores = await Promise.all([1, 2, 3].map(() => PgRegistryStore.open(url)));
    await Promise.all(stores.map((s) => s.ping()));
    await Promise.all(stores.map((s) => s.close()));
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_version ORDER BY version');
      assert.deepEqual(rows.map((r) => r.version), PG_MIGRATIONS.map((m) => m.version));
    } finally {
      await client.end();
    }
  });

  test('a database from a newer gateway is refused', async () => {
    const url = await freshDatabase();
    await (await PgRegistryStore.open(url)).close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('INSERT INTO schema_version (version, name, applied_at) VALUES (999, $1, 0)', ['from the future']);
    await client.end();
    await assert.rejects(PgRegistryStore.open(url), /schema version 999, newer than this gateway/);
  });

  test('a fenced setStatus lands only for the lease holder at its version, before expiry', async () => {
    const url = await freshDatabase();
    const store = await PgRegistryStore.open(url);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await store.apply([{ op: 'insert', entity: 'channels', id: 'ch', columns: { name: 'ch' }, doc: { id: 'ch' }, secret: null }], []);
      await client.query(`INSERT INTO channel_leases (channel_id, node_id, version, expires_at) VALUES ('ch', 'node-a', 7, $1)`,
        [Date.now() + 3_600_000]);
      const set = (reason: string, fence: { nodeId: string; version: number }) => store.setStatus('channels', 'ch', { state: 'online', reason }, fence);
      assert.equal(await set('holder', { nodeId: 'node-a', version: 7 }), true);
      assert.equal(await set('old version', { nodeId: 'node-a', version: 6 }), false);
      assert.equal(await set('other node', { nodeId: 'node-b', version: 7 }), false);
      assert.equal((await store.get('channels', 'ch'))?.status.reason, 'holder', 'fenced-out writes changed nothing');
      await client.query(`UPDATE channel_leases SET expires_at = $1 WHERE channel_id = 'ch'`, [Date.now() - 1000]);
      assert.equal(await set('expired', { nodeId: 'node-a', version: 7 }), false);
      assert.equal(await store.setStatus('channels', 'ch', { state: 'offline', reason: 'unfenced' }), true, 'without a fence, no lease is needed');
      assert.equal(await store.setStatus('channels', 'missing', { state: 'online' }, { nodeId: 'node-a', version: 7 }), false);
    } finally {
      await client.end();
      await store.close();
    }
  });
});
