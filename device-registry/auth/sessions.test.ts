// Sessions against the real SQLite store, with the clock passed in: idle and
// absolute ends, the touch at most once per interval, disabled people, and
// only the hash of the cookie at rest.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SqliteRegistryStore } from '../store/sqlite/sqlite-store.ts';
import type { UserRow } from '../store/registry-store.ts';
import { Sessions, sessionCookie, userActor } from './sessions.ts';

const dir = mkdtempSync(join(tmpdir(), 'gw-sessions-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const MIN = 60_000;
const user: UserRow = {
  id: 'u-1', username: 'li.wei', displayName: 'Li Wei', role: 'operator', departmentId: null, scope: ['G1'], source: 'local', issuer: null, subject: null,
  passwordHash: 'scrypt$x', mustChangePassword: false, disabled: false, version: 1, createdAt: 0, updatedAt: 0, lastSignInAt: null,
};

async function fixture(name: string) {
  const store = new SqliteRegistryStore(join(dir, `${name}.db`));
  await store.accounts.insertUser(user, { actor: { keyId: null, name: 'test', role: null }, action: 'create', entity: 'users', entityId: user.id, before: null, after: null });
  return { store, sessions: new Sessions(store, { idleMinutes: 30, absoluteHours: 12 }) };
}

test('the cookie is 256 random bits; the store keeps its SHA-256 only', async () => {
  const { store, sessions } = await fixture('hash');
  const t0 = Date.now();
  const { cookie, session } = await sessions.start(user, '10.0.0.1', t0);
  assert.match(cookie, /^gws_[A-Za-z0-9_-]{43}$/);
  assert.equal(session.idHash, createHash('sha256').update(cookie).digest('hex'));
  assert.equal(await store.accounts.findSession(cookie), undefined);
  await store.close();
  assert.equal(readFileSync(join(dir, 'hash.db')).includes(cookie.slice(4)), false, 'the cookie value is nowhere in the database file');
  assert.equal(sessionCookie(`a=b; gw_session=${cookie}`), cookie);
  assert.equal(sessionCookie('gw_session=not-ours'), undefined);
});

test('idle: any request within 30 minutes keeps it; 30 minutes without one ends it', async () => {
  const { store, sessions } = await fixture('idle');
  const t0 = Date.now();
  const { cookie } = await sessions.start(user, null, t0);
  assert.ok(await sessions.resolve(cookie, t0 + 29 * MIN));
  assert.ok(await sessions.resolve(cookie, t0 + 58 * MIN), 'the request at 29 min counted');
  assert.equal(await sessions.resolve(cookie, t0 + 88 * MIN), undefined);
  assert.equal(await sessions.resolve(cookie, t0 + 58 * MIN), undefined, 'an ended session stays ended');
  await store.close();
});

test('last-seen is written at most once a minute', async () => {
  const { store, sessions } = await fixture('touch');
  const t0 = Date.now();
  const { cookie, session } = await sessions.start(user, null, t0);
  await sessions.resolve(cookie, t0 + 30_000);
  assert.equal((await store.accounts.findSession(session.idHash))?.lastSeenAt, t0, 'not within the minute');
  await sessions.resolve(cookie, t0 + 61_000);
  assert.equal((await store.accounts.findSession(session.idHash))?.lastSeenAt, t0 + 61_000);
  await store.close();
});

test('absolute: a session ends 12 hours after sign-in however busy', async () => {
  const { store, sessions } = await fixture('absolute');
  const t0 = Date.now();
  const { cookie } = await sessions.start(user, null, t0);
  let now = t0;
  for (; now < t0 + 12 * 60 * MIN; now += 20 * MIN) assert.ok(await sessions.resolve(cookie, now), `alive at ${(now - t0) / MIN} min`);
  assert.equal(await sessions.resolve(cookie, t0 + 12 * 60 * MIN), undefined);
  await store.close();
});

test('a disabled person\'s session is refused and removed; the actor carries the person and their scope', async () => {
  const { store, sessions } = await fixture('disabled');
  const { cookie, session } = await sessions.start(user, null);
  const active = await sessions.resolve(cookie);
  assert.deepEqual(userActor(active!.user), { keyId: null, userId: 'u-1', name: 'li.wei', role: 'operator', scope: ['G1'] });
  assert.equal(userActor({ ...user, role: 'admin' }).scope, null, 'an admin\'s scope is everything');
  await store.accounts.updateUser({ ...user, disabled: true }, 1, null);
  assert.equal(await sessions.resolve(cookie), undefined);
  assert.equal(await store.accounts.findSession(session.idHash), undefined);
  await store.close();
});
