// The sign-in throttle against the real SQLite store, with the clock passed in.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SqliteRegistryStore } from '../store/sqlite/sqlite-store.ts';
import { SignInThrottle } from './lockout.ts';

const dir = mkdtempSync(join(tmpdir(), 'gw-lockout-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const config = { accountFailures: 5, addressFailures: 20, baseSeconds: 60, maxSeconds: 3600, resetMinutes: 60 };
let n = 0;
const open = () => new SqliteRegistryStore(join(dir, `t${++n}.db`));

test('five failures lock a name for a minute; each further one doubles the lock, up to an hour', async () => {
  const store = open();
  const throttle = new SignInThrottle(store.accounts, config);
  let now = Date.now();
  for (let i = 0; i < 4; i++) await throttle.failed('Li.Wei', `10.0.0.${i}`, now);
  assert.equal(await throttle.retryAfter('li.wei', '10.0.1.1', now), 0, 'four failures: not yet');
  await throttle.failed('li.wei', '10.0.0.9', now);
  assert.equal(await throttle.retryAfter('LI.WEI', '10.0.1.1', now), 60, 'the name ignores case; any address');
  const locks: number[] = [];
  for (let i = 0; i < 8; i++) {
    now += 3_600_000 - 1; // within resetMinutes of the last failure: the count goes on
    await throttle.failed('li.wei', '10.0.2.1', now);
    locks.push(await throttle.retryAfter('li.wei', '10.0.3.1', now));
  }
  assert.deepEqual(locks, [120, 240, 480, 960, 1920, 3600, 3600, 3600]);
  await throttle.succeeded('li.wei');
  assert.equal(await throttle.retryAfter('li.wei', '10.0.3.1', now), 0, 'a good sign-in clears the name');
  await store.close();
});

test('a name that does not exist locks exactly like one that does', async () => {
  const store = open();
  const throttle = new SignInThrottle(store.accounts, config);
  const now = Date.now();
  for (let i = 0; i < 5; i++) await throttle.failed('nobody', '10.0.0.1', now);
  assert.equal(await throttle.retryAfter('nobody', '10.9.9.9', now), 60);
  await store.close();
});

test('twenty failures from one address over any names lock the address, not the names elsewhere', async () => {
  const store = open();
  const throttle = new SignInThrottle(store.accounts, config);
  const now = Date.now();
  for (let i = 0; i < 20; i++) await throttle.failed(`name-${i}`, '10.0.0.7', now);
  assert.equal(await throttle.retryAfter('fresh-name', '10.0.0.7', now), 60);
  assert.equal(await throttle.retryAfter('fresh-name', '10.0.0.8', now), 0);
  await throttle.succeeded('fresh-name');
  assert.equal(await throttle.retryAfter('fresh-name', '10.0.0.7', now), 60, 'a good sign-in does not wash out the address');
  await store.close();
});

test('a counter starts again after resetMinutes without a failure', async () => {
  const store = open();
  const throttle = new SignInThrottle(store.accounts, config);
  let now = Date.now();
  for (let i = 0; i < 4; i++) await throttle.failed('li', '10.0.0.1', now);
  now += 61 * 60_000;
  await throttle.failed('li', '10.0.0.1', now);
  assert.equal(await throttle.retryAfter('li', '10.0.0.2', now), 0, 'the old four are forgotten');
  assert.equal((await store.accounts.getThrottle('account:li'))?.failures, 1);
  await store.close();
});

test('counters past the reset time and not locked are forgotten, so made-up names do not pile up', async () => {
  const store = open();
  const throttle = new SignInThrottle(store.accounts, config);
  const t0 = Date.now();
  for (let i = 0; i < 50; i++) await throttle.failed(`made-up-${i}`, '10.0.0.1', t0);
  assert.ok(await store.accounts.getThrottle('account:made-up-0'));
  await throttle.failed('later', '10.0.0.2', t0 + 61 * 60_000); // past resetMinutes and the prune interval
  assert.equal(await store.accounts.getThrottle('account:made-up-0'), undefined);
  assert.equal(await store.accounts.getThrottle('address:10.0.0.1'), undefined);
  assert.equal((await store.accounts.getThrottle('account:later'))?.failures, 1);
  await store.close();
});

test('a burst of parallel attempts for one name is judged one at a time: no more guesses than the limit get through', async () => {
  const store = open();
  const throttle = new SignInThrottle(store.accounts, config);
  let checked = 0;
  const attempt = () => throttle.oneAtATime('li.wei', async () => {
    if ((await throttle.retryAfter('li.wei', '10.0.0.1')) > 0) return 'locked';
    checked++;
    await new Promise((r) => setTimeout(r, 5)); // the password check
    await throttle.failed('li.wei', '10.0.0.1');
    return 'wrong';
  });
  const results = await Promise.all(Array.from({ length: 20 }, attempt));
  assert.equal(checked, 5, 'only as many passwords checked as the limit');
  assert.equal(results.filter((r) => r === 'locked').length, 15);
  await store.close();
});
