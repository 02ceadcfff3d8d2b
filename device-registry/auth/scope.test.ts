// The scope resolver (分级分权) on a real registry, SQLite and PostgreSQL: the
// cells a scope covers follow grid creates, moves and deletes; a device's cell
// follows its edits; a person's scope follows their user events; a list limited
// to a scope's cells (ListFilter.inGrids) holds only those, on both engines.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { postgresPerFile } from '../../test/helpers/postgres.ts';
import { RegistryService } from '../service/registry-service.ts';
import { PgRegistryStore } from '../store/postgres/pg-store.ts';
import type { Actor, RegistryStore } from '../store/registry-store.ts';
import { SqliteRegistryStore } from '../store/sqlite/sqlite-store.ts';
import { Scopes } from './scope.ts';

const dir = mkdtempSync(join(tmpdir(), 'gw-scope-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const postgres = postgresPerFile('scope');

const ADMIN: Actor = { keyId: null, name: 'test', role: 'admin' };
const scoped = (...scope: string[]): Actor => ({ keyId: 'key-1', name: 'street key', role: 'operator', scope });
const sorted = (cells: ReadonlySet<string> | null) => (cells ? [...cells].sort() : null);

async function city(store: RegistryStore): Promise<RegistryService> {
  const service = new RegistryService(store);
  for (const grid of [
    { code: 'D', name: '区', level: 'district' },
    { code: 'S1', name: '一街', level: 'street', parentCode: 'D' },
    { code: 'S2', name: '二街', level: 'street', parentCode: 'D' },
    { code: 'C1', name: '一社区', level: 'community', parentCode: 'S1' },
    { code: 'G1', name: '一网格', level: 'grid', parentCode: 'C1' },
  ]) await service.create('grids', grid, ADMIN);
  for (const [id, gridCode] of [['cam-1', 'G1'], ['cam-2', 'S2'], ['cam-3', undefined]] as const) {
    await service.create('channels', { id, name: id, kind: 'rtsp', source: { url: `rtsp://10.0.0.1/${id}` }, enabled: false, ...(gridCode ? { gridCode } : {}) }, ADMIN);
  }
  return service;
}

function suite(engine: string, open: () => Promise<RegistryStore>) {
  describe(engine, () => {
    test('a scope covers its cells and everything below them, and follows the grid tree as it changes', async () => {
      const store = await open();
      try {
        const service = await city(store);
        const scopes = new Scopes(service);
        assert.equal(await scopes.covered(ADMIN), null, 'an admin sees everything');
        assert.equal(await scopes.covered({ ...scoped('S1'), role: 'admin' }), null, "an admin's scope is everything, whatever it says");
        assert.equal(await scopes.covered({ keyId: 'k', name: 'k', role: 'operator' }), null, 'no scope: everything');
        assert.deepEqual(sorted(await scopes.covered(scoped('S1'))), ['C1', 'G1', 'S1']);
        assert.deepEqual(sorted(await scopes.covered(scoped())), [], 'an empty scope covers nothing');
        assert.equal(await scopes.check(scoped('S1'), 'channels', 'cam-1'), 'in');
        assert.equal(await scopes.check(scoped('S1'), 'channels', 'cam-2'), 'out');
        assert.equal(await scopes.check(scoped('S1'), 'channels', 'cam-3'), 'out', 'in no cell: only an unscoped caller sees it');
        assert.equal(await scopes.check(scoped('S1'), 'channels', 'cam-none'), 'missing');
        assert.equal(await scopes.check(scoped('S1'), 'grids', 'S2'), 'out');

        // A cell made below S1 is covered at once; C1 moved under S2 takes G1 and cam-1 with it.
        await service.create('grids', { code: 'C9', name: '新社区', level: 'community', parentCode: 'S1' }, ADMIN);
        assert.deepEqual(sorted(await scopes.covered(scoped('S1'))), ['C1', 'C9', 'G1', 'S1']);
        await service.update('grids', 'C1', { parentCode: 'S2' }, ADMIN);
        assert.deepEqual(sorted(await scopes.covered(scoped('S1'))), ['C9', 'S1']);
        assert.equal(await scopes.check(scoped('S1'), 'channels', 'cam-1'), 'out');
        assert.equal(await scopes.check(scoped('S2'), 'channels', 'cam-1'), 'in');
        await service.remove('grids', 'C9', ADMIN);
        assert.deepEqual(sorted(await scopes.covered(scoped('S1'))), ['S1']);

        // A camera moved to another cell is judged by its new cell.
        await service.update('channels', 'cam-2', { gridCode: 'S1' }, ADMIN);
        assert.equal(await scopes.check(scoped('S1'), 'channels', 'cam-2'), 'in');
        await service.remove('channels', 'cam-2', ADMIN);
        assert.equal(await scopes.check(scoped('S1'), 'channels', 'cam-2'), 'missing');
      } finally {
        await store.close();
      }
    });

    test("a person's scope is their user's now: an update applies at once, a removed or unknown person sees nothing", async () => {
      const store = await open();
      try {
        const service = await city(store);
        const scopes = new Scopes(service);
        const person: Actor = { keyId: null, userId: 'user-1', name: 'op', role: 'operator', scope: ['D'] };
        const announce = (action: 'update' | 'delete', after: Record<string, unknown> | null) =>
          service.events.emit('device.changed', { entity: 'users', action, id: 'user-1', before: null, after });
        assert.deepEqual(await scopes.currentScope(person), [], 'no such user in the store: nothing');
        announce('update', { id: 'user-1', scope: ['S1'], disabled: false });
        assert.deepEqual(await scopes.currentScope(person), ['S1'], 'the announced scope, not the one the request began with');
        announce('update', { id: 'user-1', scope: null, disabled: false });
        assert.equal(await scopes.covered(person), null);
        announce('update', { id: 'user-1', scope: ['S1'], disabled: true });
        assert.deepEqual(await scopes.currentScope(person), []);
        announce('delete', null);
        assert.deepEqual(sorted(await scopes.covered(person)), []);
      } finally {
        await store.close();
      }
    });

    test('a list limited to a scope\'s cells holds only what is in them, paged and counted', async () => {
      const store = await open();
      try {
        const service = await city(store);
        const scopes = new Scopes(service);
        const cells = [...(await scopes.covered(scoped('S1')))!];
        const page = await service.list('channels', { inGrids: cells, limit: 10, offset: 0 });
        assert.deepEqual(page.items.map((c) => c.id), ['cam-1']);
        assert.equal(page.total, 1);
        assert.equal((await service.list('channels', { inGrids: [], limit: 10, offset: 0 })).total, 0, 'no cells: nothing');
        const grids = await service.list('grids', { inGrids: cells, limit: 10, offset: 0 });
        assert.deepEqual(grids.items.map((g) => g.code).sort(), ['C1', 'G1', 'S1']);
        const withGrid = await service.list('channels', { inGrids: cells, grid: 'S2', limit: 10, offset: 0 });
        assert.equal(withGrid.total, 0, 'the caller\'s own grid filter narrows within the scope');
      } finally {
        await store.close();
      }
    });
  });
}

let n = 0;
suite('SQLite', async () => new SqliteRegistryStore(join(dir, `scope-${++n}.db`)));
suite('PostgreSQL', async () => PgRegistryStore.open(await postgres.freshDatabase()));
