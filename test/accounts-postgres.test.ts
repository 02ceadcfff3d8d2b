// Sessions across cluster nodes: two gateways on one PostgreSQL database (a
// real server). A session started on one is good on the other; signing out,
// disabling the person or a password change on one ends it on both at once;
// the lockout counts failures from both nodes together.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { asPerson, createPerson, login, signIn } from './helpers/accounts.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { postgresPerFile } from './helpers/postgres.ts';

const pg = postgresPerFile('accounts');
let a: TestGateway;
let b: TestGateway;
const STRONG = 'Tide-Lantern-42';

// The server starts in the file's own before hook; the nodes in this suite's, after it.
describe('two gateway nodes on one database', () => {
  before(async () => {
    const url = await pg.freshDatabase();
    const argv = ['--store.database', 'postgres', '--store.postgres.url', url, '--auth.lockout.accountFailures', '4'];
    a = await startTestGateway({ argv });
    b = await startTestGateway({ argv });
  });
  after(async () => {
    await b?.stop();
    await a?.stop();
  });

  test('one first admin for the cluster, printed by the node that made it', () => {
    const printed = [a.printed(), b.printed()].filter((p) => p.includes('GATEWAY ADMIN PASSWORD'));
    assert.equal(printed.length, 1);
  });

  test('a session from node A works on node B; sign-out on B ends it on A', async () => {
    await createPerson(a, { username: 'wang.fang', role: 'operator' }, STRONG);
    const onA = await signIn(a, 'wang.fang', STRONG);
    const onB = asPerson(b, onA.cookie, onA.csrfToken, onA.user);
    assert.equal((await onB.call({ method: 'GET', url: '/api/grids' })).statusCode, 200);
    const me = await onB.call({ method: 'GET', url: '/api/auth/me' });
    assert.deepEqual([me.json().via, me.json().user.username, me.json().csrfToken], ['session', 'wang.fang', onA.csrfToken]);
    assert.equal((await onB.call({ method: 'POST', url: '/api/auth/logout' })).statusCode, 204);
    assert.equal((await onA.call({ method: 'GET', url: '/api/grids' })).statusCode, 401);
  });

  test('disabling the person on node A refuses their session on node B at once; a password change on B ends A\'s other session', async () => {
    const { id } = await createPerson(a, { username: 'li.two', role: 'dispatcher' }, STRONG);
    const s = await signIn(b, 'li.two', STRONG);
    assert.equal((await a.call('admin', { method: 'PATCH', url: `/api/users/${id}`, payload: { disabled: true } })).statusCode, 200);
    assert.equal((await s.call({ method: 'GET', url: '/api/grids' })).statusCode, 401);
    assert.equal((await a.call('admin', { method: 'PATCH', url: `/api/users/${id}`, payload: { disabled: false } })).statusCode, 200);

    const onA = await signIn(a, 'li.two', STRONG);
    const onB = await signIn(b, 'li.two', STRONG);
    const changed = await onB.call({ method: 'POST', url: '/api/auth/password', payload: { currentPassword: STRONG, newPassword: 'Harbor-Window-77' } });
    assert.equal(changed.statusCode, 204);
    assert.equal((await onA.call({ method: 'GET', url: '/api/grids' })).statusCode, 401);
    assert.equal((await onB.call({ method: 'GET', url: '/api/grids' })).statusCode, 200);
  });

  test('failed sign-ins on both nodes count together', async () => {
    await login(a, 'wang.fang', 'wrong-password-1');
    await login(b, 'wang.fang', 'wrong-password-2');
    await login(a, 'wang.fang', 'wrong-password-3');
    await login(b, 'wang.fang', 'wrong-password-4');
    const locked = await login(a, 'wang.fang', STRONG);
    assert.equal(locked.statusCode, 429);
    assert.ok(Number(locked.headers['retry-after']) >= 1);
  });
});
