// Lockout and session timeouts end to end, on a gateway configured with short
// ones (seconds, not minutes): 429 with Retry-After and the same message for
// known and unknown names, unlock after the backoff, the per-address lock, and
// sessions ending when idle and at their absolute end. Also: auth.adminPassword
// installs the first admin with that password.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../gateway/config/load.ts';
import { createPerson, login, signIn, until } from './helpers/accounts.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';

let t: TestGateway;
const STRONG = 'Tide-Lantern-42';
const ADMIN_PASSWORD = 'Configured-Root-Pass-1';
const LOCKED = { code: 'GW_ERR_TOO_MANY_REQUESTS', message: 'too many failed sign-ins; wait and try again' };
// A lock long enough that the attempt right after the last failure still meets it on a busy machine.
const BASE_SECONDS = 4;

before(async () => {
  t = await startTestGateway({
    argv: [
      '--http.trustProxy', 'true', '--auth.adminPassword', ADMIN_PASSWORD,
      '--auth.lockout.accountFailures', '3', '--auth.lockout.addressFailures', '6', '--auth.lockout.baseSeconds', String(BASE_SECONDS), '--auth.lockout.maxSeconds', '8',
      '--auth.session.idleMinutes', '0.1', '--auth.session.absoluteHours', '0.004',
    ],
  });
  await createPerson(t, { username: 'wang.fang', role: 'operator' }, STRONG);
});
after(() => t.stop());

const from = (address: string) => ({ 'x-forwarded-for': address });

describe('the configured first admin', () => {
  test('auth.adminPassword (GATEWAY_AUTH__ADMIN_PASSWORD) installs admin with that password, printed nowhere', async () => {
    assert.doesNotMatch(t.printed(), /GATEWAY ADMIN PASSWORD/);
    const admin = await signIn(t, 'admin', ADMIN_PASSWORD, from('10.1.0.1'));
    assert.equal(admin.user.mustChangePassword, false, 'the operator chose it');
    assert.equal((await admin.call({ method: 'GET', url: '/api/channels' })).statusCode, 200);
    const fromEnv = loadConfig({ argv: [], env: { GATEWAY_AUTH__ADMIN_PASSWORD: ADMIN_PASSWORD }, cwd: process.cwd() });
    assert.equal(fromEnv.auth.adminPassword, ADMIN_PASSWORD);
    assert.deepEqual(loadConfig({ argv: [], env: {}, cwd: process.cwd() }).auth.session, { idleMinutes: 30, absoluteHours: 12 });
  });
});

describe('lockout', () => {
  test('three failures lock the name: 429 with Retry-After, even for the right password; unlocked after the backoff, which doubles', async () => {
    const address = from('10.2.0.1');
    for (let i = 0; i < 3; i++) assert.equal((await login(t, 'wang.fang', `wrong-password-${i}`, address)).statusCode, 401);
    const locked = await login(t, 'wang.fang', STRONG, address);
    assert.equal(locked.statusCode, 429);
    assert.deepEqual(locked.json(), LOCKED);
    const retryAfter = Number(locked.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= BASE_SECONDS, `Retry-After ${retryAfter}`);
    assert.equal((await login(t, 'wang.fang', STRONG, from('10.2.0.2'))).statusCode, 429, 'the name is locked from any address');
    await until('the lock to pass', async () => (await t.gw.accounts.throttle.retryAfter('wang.fang', '10.2.0.3')) === 0);
    // One more failure after the lock: locked again, twice as long.
    assert.equal((await login(t, 'wang.fang', 'wrong-again-1', address)).statusCode, 401);
    const row = await t.gw.service.store.accounts.getThrottle('account:wang.fang');
    assert.equal(row!.lockedUntil! - row!.lastFailureAt, 2 * BASE_SECONDS * 1000);
    assert.equal((await login(t, 'wang.fang', STRONG, address)).statusCode, 429);
    await until('the doubled lock to pass', async () => (await login(t, 'wang.fang', STRONG, address)).statusCode !== 429);
    assert.equal((await t.gw.service.store.accounts.getThrottle('account:wang.fang')), undefined, 'a good sign-in clears the count');
  });

  test('an unknown name locks the same way, with the same answer', async () => {
    const address = from('10.3.0.1');
    for (let i = 0; i < 3; i++) {
      const res = await login(t, 'ghost.user', `wrong-password-${i}`, address);
      assert.deepEqual([res.statusCode, res.json().message], [401, 'user name or password is wrong']);
    }
    const locked = await login(t, 'ghost.user', 'anything-at-all', address);
    assert.equal(locked.statusCode, 429);
    assert.deepEqual(locked.json(), LOCKED);
    assert.ok(Number(locked.headers['retry-after']) >= 1);
  });

  test('six failures from one address over different names lock the address only', async () => {
    const address = from('10.4.0.1');
    for (let i = 0; i < 6; i++) assert.equal((await login(t, `name-${i}`, 'wrong-password', address)).statusCode, 401);
    const locked = await login(t, 'wang.fang', STRONG, address);
    assert.deepEqual([locked.statusCode, locked.json()], [429, LOCKED]);
    assert.ok(Number(locked.headers['retry-after']) >= 1);
    assert.equal((await login(t, 'wang.fang', STRONG, from('10.4.0.2'))).statusCode, 200, 'another address signs in');
  });
});

describe('session timeouts (idle 6 s, absolute 14.4 s here)', () => {
  test('a session without requests ends when idle; one in use lives past the idle time and ends at its absolute end', async () => {
    const idle = await signIn(t, 'wang.fang', STRONG, from('10.5.0.1'));
    const busy = await signIn(t, 'wang.fang', STRONG, from('10.5.0.2'));
    const start = Date.now();
    const idleCheck = (async () => {
      await new Promise((r) => setTimeout(r, 7_000));
      const res = await idle.call({ method: 'GET', url: '/api/grids' });
      assert.deepEqual([res.statusCode, res.json().code], [401, 'GW_ERR_UNAUTHENTICATED']);
    })();
    let lastOk = 0;
    for (;;) {
      const res = await busy.call({ method: 'GET', url: '/api/grids' });
      if (res.statusCode !== 200) {
        assert.equal(res.statusCode, 401);
        break;
      }
      lastOk = Date.now() - start;
      if (lastOk > 60_000) assert.fail('the session outlived its absolute end');
      await new Promise((r) => setTimeout(r, 1_000));
    }
    const endedAt = Date.now() - start;
    assert.ok(lastOk > 6_000, `in use past one idle period (last good at ${lastOk} ms)`);
    assert.ok(endedAt >= 0.004 * 3_600_000 - 1_000, `ended at the absolute end, not before (${endedAt} ms)`);
    await idleCheck;
  });
});
