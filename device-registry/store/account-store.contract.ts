// The accounts half of the registry store contract (users, sessions, sign-in
// throttle), run by registryStoreContract against SQLite and PostgreSQL alike.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GwError } from '../errors.ts';
import type { SessionRow, UserRow } from './account-store.ts';
import type { Actor, AuditInput, RegistryStore } from './registry-store.ts';

const admin: Actor = { keyId: null, userId: 'u-admin', name: 'admin', role: 'admin' };
const page = { limit: 100, offset: 0 };

const user = (id: string, username: string, extra: Partial<UserRow> = {}): UserRow => ({
  id, username, displayName: username, role: 'operator', departmentId: null, scope: null, source: 'local', issuer: null, subject: null,
  passwordHash: `scrypt$hash-of-${id}`, mustChangePassword: false, disabled: false, version: 1, createdAt: 1000, updatedAt: 1000,
  lastSignInAt: null, ...extra,
});
const audit = (action: AuditInput['action'], id: string): AuditInput => ({ actor: admin, action, entity: 'users', entityId: id, before: null, after: { id } });
const session = (idHash: string, userId: string, extra: Partial<SessionRow> = {}): SessionRow => ({
  idHash, ref: `ref-${idHash}`, userId, csrfToken: `csrf-${idHash}`, createdAt: 1000, lastSeenAt: 1000, expiresAt: 10_000, address: '10.0.0.1', ...extra,
});
const gwError = (code: string, field?: string) => (err: unknown) => {
  assert.ok(err instanceof GwError, `expected a GwError, got ${String(err)}`);
  assert.equal(err.code, code);
  if (field !== undefined) assert.equal(err.field, field);
  return true;
};

type WithStore = (fn: (store: RegistryStore) => Promise<void>) => () => Promise<void>;

export function accountStoreContract(withStore: WithStore): void {
  test('users: insert, read back, unique name ignoring case, unique (issuer, subject), unknown department refused', withStore(async (store) => {
    const a = store.accounts;
    await store.apply([{ op: 'insert', entity: 'departments', id: 'd1', columns: { name: 'd1' }, doc: { id: 'd1' }, secret: null }], []);
    const li = user('u-li', 'Li.Wei', { departmentId: 'd1', scope: ['G1', 'G2'], mustChangePassword: true, lastSignInAt: null });
    await a.insertUser(li, audit('create', 'u-li'));
    assert.deepEqual(await a.getUser('u-li'), li);
    assert.deepEqual(await a.findUserByUsername('li.wei'), li, 'user names ignore case');
    assert.equal(await a.getUser('nope'), undefined);
    await assert.rejects(a.insertUser(user('u-li2', 'LI.WEI'), audit('create', 'u-li2')), gwError('GW_ERR_CONFLICT', 'username'));
    await assert.rejects(a.insertUser(user('u-x', 'x', { departmentId: 'missing' }), audit('create', 'u-x')), gwError('GW_ERR_VALIDATION', 'department'));
    const sso = user('u-sso', 'zhang', { source: 'oidc', issuer: 'https://idp', subject: 'sub-1', passwordHash: null });
    await a.insertUser(sso, audit('create', 'u-sso'));
    assert.deepEqual(await a.findUserBySubject('https://idp', 'sub-1'), sso);
    assert.equal(await a.findUserBySubject('https://other', 'sub-1'), undefined);
    await assert.rejects(a.insertUser(user('u-sso2', 'zhang2', { source: 'oidc', issuer: 'https://idp', subject: 'sub-1' }), audit('create', 'u-sso2')),
      gwError('GW_ERR_CONFLICT', 'subject'));
    assert.deepEqual((await a.listUsers()).map((u) => u.id), ['u-li', 'u-sso']);
    const trail = await store.queryAudit({ ...page, entity: 'users' });
    assert.deepEqual(trail.rows.map((r) => r.entityId), ['u-sso', 'u-li'], 'each create on the audit log; the refused ones not');
    assert.equal(trail.rows[0]?.actor.userId, 'u-admin');
  }));

  test('users: update needs the version, can end sessions in the same transaction; delete ends them all', withStore(async (store) => {
    const a = store.accounts;
    await a.insertUser(user('u1', 'one'), audit('create', 'u1'));
    await a.insertUser(user('u2', 'two'), audit('create', 'u2'));
    for (const s of [session('s1', 'u1'), session('s2', 'u1'), session('s3', 'u1'), session('s4', 'u2')]) await a.insertSession(s);
    const v2 = await a.updateUser(user('u1', 'One', { role: 'dispatcher', scope: ['G9'] }), 1, audit('update', 'u1'), { except: 's1' });
    assert.equal(v2.version, 2);
    assert.deepEqual([v2.username, v2.role, v2.scope], ['One', 'dispatcher', ['G9']]);
    assert.ok(v2.updatedAt >= v2.createdAt);
    assert.ok(await a.findSession('s1'), 'the excepted session stays');
    assert.equal(await a.findSession('s2'), undefined);
    assert.ok(await a.findSession('s4'), 'another user\'s session stays');
    await assert.rejects(a.updateUser(user('u1', 'x'), 1, audit('update', 'u1')), gwError('GW_ERR_STALE_VERSION', 'version'));
    await assert.rejects(a.updateUser(user('nope', 'x'), 1, audit('update', 'nope')), gwError('GW_ERR_NOT_FOUND'));
    await assert.rejects(a.updateUser(user('u2', 'ONE'), 1, audit('update', 'u2')), gwError('GW_ERR_CONFLICT', 'username'));
    await a.updateUser(user('u1', 'One', { disabled: true }), 2, audit('update', 'u1'), { all: true });
    assert.equal(await a.findSession('s1'), undefined, 'all: ends every session');
    assert.equal(await a.countActiveAdminUsers(), 0);
    await a.updateUser(user('u2', 'two', { role: 'admin' }), 1, null);
    assert.equal(await a.countActiveAdminUsers(), 1);
    await assert.rejects(a.deleteUser('u2', 1, audit('delete', 'u2')), gwError('GW_ERR_STALE_VERSION'));
    await a.deleteUser('u2', 2, audit('delete', 'u2'));
    assert.equal(await a.getUser('u2'), undefined);
    assert.equal(await a.findSession('s4'), undefined, 'a deleted user\'s sessions go with them');
    const actions = (await store.queryAudit({ ...page, entity: 'users' })).rows.map((r) => `${r.action}:${r.entityId}`);
    assert.deepEqual(actions, ['delete:u2', 'update:u1', 'update:u1', 'create:u2', 'create:u1'], 'an update without an audit entry writes none');
    await a.recordSignIn('u1', 5000);
    assert.equal((await a.getUser('u1'))?.lastSignInAt, 5000);
    assert.equal((await a.getUser('u1'))?.version, 3, 'a sign-in is not a new version');
  }));

  test('sessions: find by hash or ref, touch moves forward only, end one, all but one, expired', withStore(async (store) => {
    const a = store.accounts;
    await a.insertUser(user('u1', 'one'), audit('create', 'u1'));
    await a.insertSession(session('h1', 'u1', { lastSeenAt: 1000, expiresAt: 50_000 }));
    await a.insertSession(session('h2', 'u1', { lastSeenAt: 2000, expiresAt: 3000 }));
    await a.insertSession(session('h3', 'u1', { lastSeenAt: 9000, expiresAt: 50_000 }));
    assert.deepEqual(await a.findSession('h1'), session('h1', 'u1', { lastSeenAt: 1000, expiresAt: 50_000 }));
    assert.equal((await a.findSessionByRef('ref-h2'))?.idHash, 'h2');
    assert.equal(await a.findSession('ref-h2'), undefined, 'a ref is not a session id');
    await a.touchSession('h1', 4000);
    await a.touchSession('h1', 3500);
    assert.equal((await a.findSession('h1'))?.lastSeenAt, 4000);
    assert.equal(await a.deleteExpiredSessions(3000, 3000), 1, 'h2 is past its absolute end');
    assert.equal(await a.deleteExpiredSessions(5000, 3000), 1, 'h1 is idle since 4000');
    assert.ok(await a.findSession('h3'));
    await a.insertSession(session('h4', 'u1'));
    assert.equal(await a.deleteUserSessions('u1', 'h4'), 1);
    assert.ok(await a.findSession('h4'));
    assert.equal(await a.deleteSession('h4'), true);
    assert.equal(await a.deleteSession('h4'), false);
    assert.equal(await a.deleteUserSessions('u1'), 0);
    await assert.rejects(a.insertSession(session('h5', 'nobody')), 'a session needs its user');
  }));

  test('sign-in throttle: failures count up, restart after the reset time, lock and clear', withStore(async (store) => {
    const a = store.accounts;
    assert.equal(await a.getThrottle('account:li'), undefined);
    assert.equal(await a.recordFailure('account:li', 1000, 0), 1);
    assert.equal(await a.recordFailure('account:li', 2000, 0), 2);
    await a.setLockedUntil('account:li', 9000);
    assert.deepEqual(await a.getThrottle('account:li'), { key: 'account:li', failures: 2, lockedUntil: 9000, lastFailureAt: 2000 });
    const counts = await Promise.all([1, 2, 3].map(() => a.recordFailure('addr:10.0.0.1', 3000, 0)));
    assert.deepEqual(counts.sort(), [1, 2, 3], 'concurrent failures each count');
    assert.equal(await a.recordFailure('account:li', 10_000, 5000), 1, 'the last failure was before the reset time: counting starts again');
    assert.equal((await a.getThrottle('account:li'))?.lockedUntil, null);
    await a.clearThrottle('account:li');
    assert.equal(await a.getThrottle('account:li'), undefined);
    // Pruning: old counters go, a recent one and one still locked stay.
    await a.recordFailure('account:old', 1000, 0);
    await a.recordFailure('account:locked', 1000, 0);
    await a.setLockedUntil('account:locked', 50_000);
    await a.recordFailure('account:recent', 20_000, 0);
    assert.equal(await a.pruneThrottle(10_000, 30_000), 2, 'account:old and addr:10.0.0.1 (last failure at 3000)');
    assert.deepEqual([await a.getThrottle('account:old'), (await a.getThrottle('account:locked'))?.failures, (await a.getThrottle('account:recent'))?.failures],
      [undefined, 1, 1]);
  }));
}
