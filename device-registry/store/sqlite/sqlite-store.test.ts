// The SQLite store on its own: migrations, atomic apply, constraints as the
// last line of defence, persistence across reopen.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { GwError } from '../../errors.ts';
import type { Actor, Change } from '../registry-store.ts';
import { MIGRATIONS } from './migrations.ts';
import { SqliteRegistryStore } from './sqlite-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'gw-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const actor: Actor = { keyId: null, name: 'test', role: null };
const insert = (entity: Change['entity'], id: string, extra: Partial<Extract<Change, { op: 'insert' }>['columns']> = {}): Change => ({
  op: 'insert', entity, id, columns: { name: id, ...extra }, doc: { id, name: id }, secret: null,
});

test('a new file is migrated to the latest version, in WAL mode', async () => {
  const file = join(dir, 'new.db');
  const store = new SqliteRegistryStore(file);
  assert.equal(store.schemaVersion, MIGRATIONS.at(-1)!.version);
  await store.close();
  const db = new Database(file, { readonly: true });
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  db.close();
});

test('what was applied survives a reopen', async () => {
  const file = join(dir, 'persist.db');
  const a = new SqliteRegistryStore(file);
  await a.apply([insert('departments', 'dept-1'), insert('grids', 'G1', { departmentId: 'dept-1' })], [
    { actor, action: 'create', entity: 'departments', entityId: 'dept-1', before: null, after: { name: 'dept-1' } },
  ]);
  await a.close();
  const b = new SqliteRegistryStore(file);
  assert.equal((await b.get('grids', 'G1'))?.version, 1);
  assert.equal((await b.queryAudit({ limit: 10, offset: 0 })).total, 1);
  await b.close();
});

test('apply is all or nothing', async () => {
  const store = new SqliteRegistryStore(join(dir, 'atomic.db'));
  await assert.rejects(
    store.apply([insert('departments', 'd1'), insert('departments', 'd1')], [
      { actor, action: 'create', entity: 'departments', entityId: 'd1', before: null, after: {} },
    ]),
    (err: unknown) => err instanceof GwError && err.code === 'GW_ERR_CONFLICT',
  );
  assert.equal(await store.get('departments', 'd1'), undefined);
  assert.equal((await store.queryAudit({ limit: 10, offset: 0 })).total, 0);
  await store.close();
});

test('foreign keys and versions hold even when the service is bypassed', async () => {
  const store = new SqliteRegistryStore(join(dir, 'fk.db'));
  await assert.rejects(store.apply([insert('channels', 'c1', { gridCode: 'missing' })], []), (e: unknown) => (e as GwError).code === 'GW_ERR_CONFLICT');
  await store.apply([insert('grids', 'G1'), insert('channels', 'c1', { gridCode: 'G1' })], []);
  await assert.rejects(store.apply([{ op: 'delete', entity: 'grids', id: 'G1', expectedVersion: 1 }], []), (e: unknown) => (e as GwError).code === 'GW_ERR_IN_USE');
  const stale: Change = { op: 'update', entity: 'channels', id: 'c1', columns: { name: 'x' }, doc: {}, secret: null, expectedVersion: 7 };
  await assert.rejects(store.apply([stale], []), (e: unknown) => (e as GwError).code === 'GW_ERR_STALE_VERSION');
  await store.close();
});

test('a database from a newer gateway is refused, not damaged', async () => {
  const file = join(dir, 'future.db');
  await new SqliteRegistryStore(file).close();
  const db = new Database(file);
  db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(999, 'from the future', Date.now());
  db.close();
  assert.throws(() => new SqliteRegistryStore(file), /schema version 999, newer than this gateway/);
});
