// The storage contract as tests: every RegistryStore implementation registers
// this suite (see registry-store-contract.test.ts), so SQLite and PostgreSQL
// are held to the same behaviour — versions, constraints, atomic audit, filters.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { freshStoreFor, type Opened } from '../../test/helpers/store-contract.ts';
import { GwError } from '../errors.ts';
import { accountStoreContract } from './account-store.contract.ts';
import type { Actor, ApiKeyRow, AuditInput, Change, EntityName, IndexColumns, RegistryStore } from './registry-store.ts';

export type OpenedStore = Opened<RegistryStore>;

const actor: Actor = { keyId: 'k-admin', name: 'admin', role: 'admin' };
const page = { limit: 100, offset: 0 };

const insert = (entity: EntityName, id: string, columns: Partial<IndexColumns> = {}, doc: object = {}, secret: object | null = null): Change => ({
  op: 'insert', entity, id, columns: { name: id, ...columns }, doc: { id, name: id, ...doc }, secret,
});
const update = (entity: EntityName, id: string, expectedVersion: number, columns: Partial<IndexColumns> = {}, doc: object = {}): Change => ({
  op: 'update', entity, id, columns: { name: id, ...columns }, doc: { id, name: id, ...doc }, secret: null, expectedVersion,
});
const remove = (entity: EntityName, id: string, expectedVersion: number): Change => ({ op: 'delete', entity, id, expectedVersion });
const audit = (action: AuditInput['action'], entity: string, entityId: string, who: Actor = actor): AuditInput => ({
  actor: who, action, entity, entityId, before: null, after: { entityId },
});
const key = (id: string, role: ApiKeyRow['role'], createdAt: number): ApiKeyRow => ({
  id, name: `key ${id}`, role, secretHash: `hash-${id}`, createdAt, createdBy: 'k-admin', lastUsedAt: null, revokedAt: null, scope: null,
});

/** Asserts a GwError with this code (and field, when given). */
const gwError = (code: string, field?: string) => (err: unknown) => {
  assert.ok(err instanceof GwError, `expected a GwError, got ${String(err)}`);
  assert.equal(err.code, code);
  if (field !== undefined) assert.equal(err.field, field);
  return true;
};
const ids = (rows: Array<{ id: string }>) => rows.map((r) => r.id);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function registryStoreContract(name: string, open: () => Promise<OpenedStore>): void {
  /** Each test gets a fresh, empty store. */
  const withStore = freshStoreFor(open);

  describe(`RegistryStore contract: ${name}`, () => {
    test('insert, get and getMany return what was written', withStore(async (store) => {
      const before = Date.now();
      await store.apply([
        insert('departments', 'd1'),
        insert('grids', 'G1', { departmentId: 'd1', kind: 'grid' }),
        insert('channels', 'c1', { gridCode: 'G1', enabled: true }, { tags: ['gate'], nested: { a: [1, 2] } }, { rtspPassword: 's3cret' }),
        insert('channels', 'c2'),
      ], [audit('create', 'channels', 'c1')]);
      const c1 = await store.get('channels', 'c1');
      assert.ok(c1);
      assert.deepEqual(c1.doc, { id: 'c1', name: 'c1', tags: ['gate'], nested: { a: [1, 2] } });
      assert.deepEqual(c1.secret, { rtspPassword: 's3cret' });
      assert.deepEqual(c1.status, { state: 'unknown' });
      assert.equal(c1.version, 1);
      assert.equal(typeof c1.createdAt, 'number');
      assert.ok(c1.createdAt >= before && c1.createdAt <= Date.now());
      assert.equal(c1.updatedAt, c1.createdAt);
      assert.equal((await store.get('channels', 'c2'))?.secret, null);
      assert.equal(await store.get('channels', 'missing'), undefined);
      assert.equal(await store.get('sensors', 'c1'), undefined, 'entities do not share rows');
      const many = await store.getMany('channels', ['c1', 'missing', 'c2', 'c1']);
      assert.deepEqual([...many.keys()].sort(), ['c1', 'c2']);
      assert.equal(many.get('c2')?.doc.name, 'c2');
      assert.equal((await store.getMany('channels', [])).size, 0);
    }));

    test('an update needs the current version; a stale or missing one changes nothing', withStore(async (store) => {
      await store.apply([insert('gbDevices', 'gb1', { kind: 'nvr' })], []);
      await store.apply([update('gbDevices', 'gb1', 1, { kind: 'ipc' }, { firmware: '2' })], []);
      const v2 = await store.get('gbDevices', 'gb1');
      assert.equal(v2?.version, 2);
      assert.equal(v2?.doc.firmware, '2');
      assert.ok(v2.updatedAt >= v2.createdAt);
      assert.equal((await store.list('gbDevices', { ...page, kind: 'ipc' })).total, 1);
      await assert.rejects(store.apply([update('gbDevices', 'gb1', 1, {}, { firmware: '3' })], []), gwError('GW_ERR_STALE_VERSION', 'version'));
      assert.equal((await store.get('gbDevices', 'gb1'))?.doc.firmware, '2');
      await assert.rejects(store.apply([update('gbDevices', 'nope', 1)], []), gwError('GW_ERR_NOT_FOUND', 'id'));
    }));

    test('delete checks the version and refuses a row something still references', withStore(async (store) => {
      await store.apply([insert('grids', 'G1'), insert('channels', 'c1', { gridCode: 'G1' }), insert('sensors', 's1')], []);
      await assert.rejects(store.apply([remove('sensors', 's1', 2)], []), gwError('GW_ERR_STALE_VERSION'));
      await assert.rejects(store.apply([remove('sensors', 'nope', 1)], []), gwError('GW_ERR_NOT_FOUND'));
      await store.apply([remove('sensors', 's1', 1)], []);
      assert.equal(await store.get('sensors', 's1'), undefined);
      await assert.rejects(store.apply([remove('grids', 'G1', 1)], []), gwError('GW_ERR_IN_USE', 'id'));
      await assert.rejects(store.apply([insert('channels', 'c2', { departmentId: 'missing' })], []), gwError('GW_ERR_CONFLICT'));
      // Deleting the referrer first, in the same batch, frees the grid.
      await store.apply([remove('channels', 'c1', 1), remove('grids', 'G1', 1)], []);
      assert.equal(await store.get('grids', 'G1'), undefined);
    }));

    test('a batch with one failing change writes nothing, audit included', withStore(async (store) => {
      await store.apply([insert('channels', 'c0')], []);
      const batch = [insert('departments', 'd1'), insert('channels', 'c1'), update('channels', 'c0', 9)];
      await assert.rejects(store.apply(batch, [audit('create', 'departments', 'd1'), audit('create', 'channels', 'c1')]), gwError('GW_ERR_STALE_VERSION'));
      assert.equal(await store.get('departments', 'd1'), undefined);
      assert.equal(await store.get('channels', 'c1'), undefined);
      assert.equal((await store.get('channels', 'c0'))?.version, 1);
      await assert.rejects(store.apply([insert('departments', 'd2'), insert('departments', 'd2')], [audit('create', 'departments', 'd2')]),
        gwError('GW_ERR_CONFLICT', 'id'));
      assert.equal(await store.get('departments', 'd2'), undefined);
      assert.equal((await store.queryAudit(page)).total, 0);
    }));

    test('altKey is unique per entity, and findAltKeys says who holds each', withStore(async (store) => {
      await store.apply([insert('sensors', 's1', { altKey: 'mqtt-1' }), insert('sensors', 's2'), insert('sensors', 's3')], []);
      await assert.rejects(store.apply([insert('sensors', 's4', { altKey: 'mqtt-1' })], []), gwError('GW_ERR_CONFLICT'));
      await assert.rejects(store.apply([update('sensors', 's2', 1, { altKey: 'mqtt-1' })], []), gwError('GW_ERR_CONFLICT'));
      await store.apply([insert('channels', 'c1', { altKey: 'mqtt-1' })], []); // another entity: no clash
      assert.deepEqual(await store.findAltKeys('sensors', ['mqtt-1', 'unknown', 'mqtt-1']), new Map([['mqtt-1', 's1']]));
      assert.deepEqual(await store.findAltKeys('channels', ['mqtt-1']), new Map([['mqtt-1', 'c1']]));
      assert.equal((await store.findAltKeys('sensors', [])).size, 0);
      // Giving the key up frees it for another row.
      await store.apply([update('sensors', 's1', 1, { altKey: null }), update('sensors', 's2', 1, { altKey: 'mqtt-1' })], []);
      assert.deepEqual(await store.findAltKeys('sensors', ['mqtt-1']), new Map([['mqtt-1', 's2']]));
    }));

    test('a channel gbCode is unique (409 naming gbCode); channels without one do not clash', withStore(async (store) => {
      const code = '31010100001310000001';
      await store.apply([insert('channels', 'c1', {}, { gbCode: code }), insert('channels', 'c2'), insert('channels', 'c3')], []);
      await assert.rejects(store.apply([insert('channels', 'c4', {}, { gbCode: code })], []), gwError('GW_ERR_CONFLICT', 'gbCode'));
      await assert.rejects(store.apply([update('channels', 'c2', 1, {}, { gbCode: code })], []), gwError('GW_ERR_CONFLICT', 'gbCode'));
      // Giving the code up frees it.
      await store.apply([update('channels', 'c1', 1, {}, {}), update('channels', 'c2', 1, {}, { gbCode: code })], []);
      assert.equal((await store.get('channels', 'c2'))?.doc.gbCode, code);
    }));

    test('list filters by grid subtree, parent, kind, enabled, tag, status and text, with paging and a total', withStore(async (store) => {
      await store.apply([
        insert('grids', 'STREET'), insert('grids', 'COMM', { parentCode: 'STREET' }), insert('grids', 'CELL', { parentCode: 'COMM' }),
        insert('grids', 'OTHER'),
        insert('channels', 'cam-a', { name: 'North Gate', gridCode: 'CELL', kind: 'rtsp', enabled: true }, { tags: ['gate', 'night'] }),
        insert('channels', 'cam-b', { name: 'South 100%', gridCode: 'COMM', kind: 'gb28181', enabled: false }, { tags: ['gate'] }),
        insert('channels', 'cam-c', { name: 'Market_1', gridCode: 'OTHER', kind: 'rtsp', enabled: true }, { tags: 'gate' }),
        insert('channels', 'cam-d', { name: 'Depot' }),
      ], []);
      await store.setStatus('channels', 'cam-c', { state: 'online' });
      const list = async (f: object) => ids((await store.list('channels', { ...page, ...f })).rows);
      assert.deepEqual(await list({}), ['cam-a', 'cam-b', 'cam-c', 'cam-d']);
      assert.deepEqual(await list({ grid: 'STREET' }), ['cam-a', 'cam-b']);
      assert.deepEqual(await list({ grid: 'CELL' }), ['cam-a']);
      assert.deepEqual(ids((await store.list('grids', { ...page, grid: 'STREET' })).rows), ['CELL', 'COMM', 'STREET']);
      assert.deepEqual(ids((await store.list('grids', { ...page, parent: 'STREET' })).rows), ['COMM']);
      assert.deepEqual(await list({ kind: 'rtsp' }), ['cam-a', 'cam-c']);
      assert.deepEqual(await list({ enabled: false }), ['cam-b']);
      assert.deepEqual(await list({ enabled: true, kind: 'rtsp' }), ['cam-a', 'cam-c']);
      assert.deepEqual(await list({ tag: 'gate' }), ['cam-a', 'cam-b', 'cam-c'], 'a lone tag string counts as one tag');
      assert.deepEqual(await list({ tag: 'gat' }), [], 'tags match whole');
      assert.deepEqual(await list({ tag: 'night' }), ['cam-a']);
      assert.deepEqual(await list({ status: 'online' }), ['cam-c']);
      assert.deepEqual(await list({ status: 'unknown' }), ['cam-a', 'cam-b', 'cam-d']);
      assert.deepEqual(await list({ q: 'gate' }), ['cam-a'], 'text search ignores case');
      assert.deepEqual(await list({ q: 'CAM-D' }), ['cam-d'], 'text search covers the id');
      assert.deepEqual(await list({ q: '%' }), ['cam-b'], 'LIKE wildcards in the text are literal');
      assert.deepEqual(await list({ q: '_' }), ['cam-c']);
      assert.deepEqual(await list({ q: '' }), ['cam-a', 'cam-b', 'cam-c', 'cam-d']);
      const first = await store.list('channels', { limit: 3, offset: 0 });
      const second = await store.list('channels', { limit: 3, offset: 3 });
      assert.deepEqual([ids(first.rows), first.total], [['cam-a', 'cam-b', 'cam-c'], 4]);
      assert.deepEqual([ids(second.rows), second.total], [['cam-d'], 4]);
      const filtered = await store.list('channels', { limit: 1, offset: 1, kind: 'rtsp' });
      assert.deepEqual([ids(filtered.rows), filtered.total], [['cam-c'], 2]);
    }));

    test('referencesTo counts who points at a grid or department, per entity', withStore(async (store) => {
      await store.apply([
        insert('departments', 'd1'), insert('grids', 'G1', { departmentId: 'd1' }), insert('grids', 'G2', { parentCode: 'G1' }),
        insert('channels', 'c1', { gridCode: 'G1' }), insert('channels', 'c2', { gridCode: 'G1', departmentId: 'd1' }),
        insert('sensors', 's1', { gridCode: 'G1' }), insert('gbDevices', 'gb1', { departmentId: 'd1' }), insert('grids', 'LONE'),
      ], []);
      assert.deepEqual(await store.referencesTo('grids', 'G1'), { channels: 2, sensors: 1, grids: 1 });
      assert.deepEqual(await store.referencesTo('departments', 'd1'), { channels: 1, grids: 1, gbDevices: 1 });
      assert.deepEqual(await store.referencesTo('grids', 'LONE'), {});
    }));

    test('setStatus records state, reason and time without a new version; false for a missing id', withStore(async (store) => {
      await store.apply([insert('sensors', 's1'), insert('channels', 'c1')], []);
      assert.equal(await store.setStatus('sensors', 's1', { state: 'offline', reason: 'no reading for 5 min', since: 1234 }), true);
      const s1 = await store.get('sensors', 's1');
      assert.deepEqual(s1?.status, { state: 'offline', reason: 'no reading for 5 min', since: 1234 });
      assert.equal(s1.version, 1);
      const before = Date.now();
      assert.equal(await store.setStatus('channels', 'c1', { state: 'online' }), true);
      const c1 = await store.get('channels', 'c1');
      assert.equal(c1?.status.state, 'online');
      assert.equal(c1.status.reason, undefined);
      assert.ok(c1.status.since !== undefined && c1.status.since >= before, 'since defaults to now');
      assert.equal(await store.setStatus('channels', 'missing', { state: 'online' }), false);
      assert.equal(await store.setStatus('gbDevices', 's1', { state: 'online' }), false);
    }));

    test('api keys: insert, find by hash, list, touch, revoke once, count active admins', withStore(async (store) => {
      await store.insertApiKey(key('k1', 'admin', 1000), audit('create', 'api_keys', 'k1'));
      await store.insertApiKey(key('k2', 'admin', 2000), audit('create', 'api_keys', 'k2'));
      await store.insertApiKey(key('k3', 'operator', 1500), audit('create', 'api_keys', 'k3'));
      await assert.rejects(store.insertApiKey({ ...key('k4', 'admin', 3000), secretHash: 'hash-k1' }, audit('create', 'api_keys', 'k4')));
      assert.deepEqual(await store.findApiKeyByHash('hash-k3'), key('k3', 'operator', 1500));
      await store.insertApiKey({ ...key('k5', 'operator', 4000), scope: ['G1', 'G2'] }, audit('create', 'api_keys', 'k5'));
      assert.deepEqual((await store.findApiKeyByHash('hash-k5'))?.scope, ['G1', 'G2'], 'a key keeps its scope');
      assert.equal(await store.findApiKeyByHash('hash-nope'), undefined);
      assert.deepEqual((await store.listApiKeys()).map((k) => k.id), ['k1', 'k3', 'k2', 'k5']);
      assert.equal(await store.countActiveAdminKeys(), 2);
      await store.touchApiKey('k2', 5000);
      assert.equal((await store.findApiKeyByHash('hash-k2'))?.lastUsedAt, 5000);
      assert.equal(await store.revokeApiKey('k1', 6000, audit('revoke', 'api_keys', 'k1')), true);
      assert.equal(await store.revokeApiKey('k1', 7000, audit('revoke', 'api_keys', 'k1')), false, 'a key is revoked once');
      assert.equal(await store.revokeApiKey('nope', 7000, audit('revoke', 'api_keys', 'nope')), false);
      assert.equal((await store.findApiKeyByHash('hash-k1'))?.revokedAt, 6000);
      assert.equal(await store.countActiveAdminKeys(), 1);
      const trail = await store.queryAudit({ ...page, entity: 'api_keys' });
      assert.deepEqual(trail.rows.map((r) => [r.action, r.entityId, r.at]),
        [['revoke', 'k1', 6000], ['create', 'k5', 4000], ['create', 'k3', 1500], ['create', 'k2', 2000], ['create', 'k1', 1000]]);
    }));

    test('queryAudit filters by entity, id, actor, action and time, newest first, with paging', withStore(async (store) => {
      const other: Actor = { keyId: 'k-ops', name: 'ops', role: 'operator' };
      await store.apply([insert('channels', 'c1')], [audit('create', 'channels', 'c1')]);
      await sleep(5);
      const mid = Date.now();
      await sleep(5);
      await store.apply([update('channels', 'c1', 1)], [{ ...audit('update', 'channels', 'c1', other), before: { name: 'old' } }]);
      await store.apply([insert('sensors', 's1')], [audit('create', 'sensors', 's1', other)]);
      await store.apply([], [{ actor: { keyId: null, name: 'system', role: null }, action: 'delete', entity: 'sensors', entityId: 's9', before: null, after: null }]);
      const query = async (f: object) => (await store.queryAudit({ ...page, ...f })).rows.map((r) => `${r.action}:${r.entityId}`);
      assert.deepEqual(await query({}), ['delete:s9', 'create:s1', 'update:c1', 'create:c1']);
      assert.deepEqual(await query({ entity: 'channels' }), ['update:c1', 'create:c1']);
      assert.deepEqual(await query({ entity: 'sensors', entityId: 's1' }), ['create:s1']);
      assert.deepEqual(await query({ actor: 'k-ops' }), ['create:s1', 'update:c1']);
      assert.deepEqual(await query({ action: 'create' }), ['create:s1', 'create:c1']);
      assert.deepEqual(await query({ to: mid }), ['create:c1']);
      assert.deepEqual(await query({ from: mid, entity: 'channels' }), ['update:c1']);
      const all = await store.queryAudit(page);
      const seqs = all.rows.map((r) => r.seq);
      assert.deepEqual(seqs, [...seqs].sort((a, b) => b - a));
      const update1 = all.rows[2]!;
      assert.deepEqual(update1.actor, other);
      assert.deepEqual([update1.before, update1.after], [{ name: 'old' }, { entityId: 'c1' }]);
      assert.deepEqual(all.rows[0]!.actor, { keyId: null, name: 'system', role: null });
      assert.deepEqual([all.rows[0]!.before, all.rows[0]!.after], [null, null]);
      const paged = await store.queryAudit({ limit: 2, offset: 1 });
      assert.deepEqual([paged.rows.map((r) => r.entityId), paged.total], [['s1', 'c1'], 4]);
      // A person behind the change: the row names the user as well as the name, and the actor filter finds either id.
      const person: Actor = { keyId: null, userId: 'u-li', name: 'li.wei', role: 'operator' };
      await store.apply([], [audit('update', 'sensors', 's1', person)]);
      const [byPerson] = (await store.queryAudit({ ...page, actor: 'u-li' })).rows;
      assert.deepEqual(byPerson?.actor, { keyId: null, userId: 'u-li', name: 'li.wei', role: 'operator' });
    }));

    accountStoreContract(withStore);

    test('two concurrent updates with the same expected version: exactly one wins', withStore(async (store) => {
      await store.apply([insert('channels', 'c1'), insert('channels', 'c2')], []);
      for (const id of ['c1', 'c2']) {
        const results = await Promise.allSettled([1, 2].map((n) =>
          store.apply([update('channels', id, 1, {}, { writer: n })], [audit('update', 'channels', id)])));
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        assert.equal(won.length, 1, `one writer wins on ${id}`);
        assert.equal(lost.length, 1);
        gwError('GW_ERR_STALE_VERSION')(lost[0]!.reason);
        const row = await store.get('channels', id);
        assert.equal(row?.version, 2);
        assert.equal(row.doc.writer, results[0]!.status === 'fulfilled' ? 1 : 2, 'the row holds the winner\'s document');
      }
      assert.equal((await store.queryAudit({ ...page, action: 'update' })).total, 2, 'only the winners wrote audit entries');
      // Concurrent inserts of one id: one row, one conflict.
      const inserts = await Promise.allSettled([1, 2].map(() => store.apply([insert('sensors', 'dup')], [])));
      assert.deepEqual(inserts.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
      gwError('GW_ERR_CONFLICT')(inserts.find((r): r is PromiseRejectedResult => r.status === 'rejected')!.reason);
    }));
  });
}
