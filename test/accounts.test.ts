// People and sign-in end to end through app.inject on a real gateway (SQLite):
// the first admin, sign-in and its cookie, wrong and unknown names alike,
// CSRF, sign-out (one, everywhere), password change and admin reset, a
// disabled person, URL tokens of an ended session, users' validation, the
// audit log naming the person, and a key's scope on its actor.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { asPerson, createPerson, login, printedAdmin, signIn } from './helpers/accounts.ts';
import { seedBasics, startTestGateway, type TestGateway } from './helpers/gateway.ts';

let t: TestGateway;
const STRONG = 'Tide-Lantern-42';
/** A URL-token route that answers at once: a snapshot that does not exist is 404 once authenticated, 401 before. */
const SNAPSHOT = '/api/snapshots/20250101/00000000-0000-4000-8000-000000000000.jpg';

before(async () => {
  // trustProxy: the tests vary X-Forwarded-For (per-address lockout) and X-Forwarded-Proto (Secure cookies).
  t = await startTestGateway({ argv: ['--http.trustProxy', 'true', '--auth.lockout.accountFailures', '3', '--auth.lockout.addressFailures', '8'] });
  await seedBasics(t);
});
after(() => t.stop());

let addressCounter = 0;
/** Each test signs in from its own address, so the per-address lockout of one test does not touch another. */
const fromAddress = () => ({ 'x-forwarded-for': `10.9.${Math.floor(++addressCounter / 250)}.${addressCounter % 250}` });

describe('the first admin', () => {
  test('is printed once at first start, must change the password first, then can work', async () => {
    const { username, password } = printedAdmin(t);
    assert.equal(username, 'admin');
    const admin = await signIn(t, username, password, fromAddress());
    assert.equal(admin.user.mustChangePassword, true);
    assert.equal(admin.user.role, 'admin');
    const blocked = await admin.call({ method: 'GET', url: '/api/channels' });
    assert.equal(blocked.statusCode, 403);
    assert.equal(blocked.json().code, 'GW_ERR_PASSWORD_CHANGE_REQUIRED');
    const me = await admin.call({ method: 'GET', url: '/api/auth/me' });
    assert.equal(me.statusCode, 200, 'the sign-in routes stay open');
    assert.deepEqual([me.json().via, me.json().user.username, me.json().csrfToken], ['session', 'admin', admin.csrfToken]);

    const change = (newPassword: string) => admin.call({ method: 'POST', url: '/api/auth/password', payload: { currentPassword: password, newPassword } });
    const rules: Array<[string, RegExp]> = [
      ['short-1', /at least 10 characters/],
      ['the-admin-2024', /must not contain the user name/],
      ['password123', /most common passwords/],
      [password, /must differ from the current password/],
    ];
    for (const [pw, rule] of rules) {
      const res = await change(pw);
      assert.equal(res.statusCode, 400, pw);
      assert.equal(res.json().field, 'newPassword');
      assert.match(res.json().message, rule);
    }
    const wrongCurrent = await admin.call({ method: 'POST', url: '/api/auth/password', payload: { currentPassword: 'not-it-at-all', newPassword: STRONG } });
    assert.deepEqual([wrongCurrent.statusCode, wrongCurrent.json().field], [400, 'currentPassword']);
    assert.equal((await change(STRONG)).statusCode, 204);
    assert.equal((await admin.call({ method: 'GET', url: '/api/channels' })).statusCode, 200);
    // A restart with an active admin user creates nobody and prints nothing new.
    assert.equal((await t.gw.accounts.users.ensureAdmin()).created, false);
    assert.equal(t.printed().match(/GATEWAY ADMIN PASSWORD/g)?.length, 1);
  });
});

describe('sign-in', () => {
  test('sets an HttpOnly SameSite=Lax cookie, Secure over TLS; a wrong password and an unknown name get the same 401', async () => {
    await createPerson(t, { username: 'Wang.Fang', displayName: '王芳', role: 'operator' }, STRONG);
    const ok = await login(t, 'wang.fang', STRONG, fromAddress());
    assert.equal(ok.statusCode, 200, 'user names ignore case');
    const cookie = String([ok.headers['set-cookie']].flat()[0]);
    assert.match(cookie, /^gw_session=gws_[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/);
    assert.equal(ok.json().user.username, 'Wang.Fang');
    assert.equal(typeof ok.json().csrfToken, 'string');
    assert.deepEqual(Object.keys(ok.json().user).sort(),
      ['createdAt', 'department', 'disabled', 'displayName', 'id', 'lastSignInAt', 'mustChangePassword', 'role', 'scope', 'source', 'username']);
    const tls = await login(t, 'wang.fang', STRONG, { ...fromAddress(), 'x-forwarded-proto': 'https' });
    assert.match(String([tls.headers['set-cookie']].flat()[0]), /; Secure$/);

    const wrong = await login(t, 'wang.fang', 'Tide-Lantern-43', fromAddress());
    const unknown = await login(t, 'nobody.here', 'Tide-Lantern-43', fromAddress());
    for (const res of [wrong, unknown]) {
      assert.equal(res.statusCode, 401);
      assert.deepEqual(res.json(), { code: 'GW_ERR_UNAUTHENTICATED', message: 'user name or password is wrong' });
      assert.equal(res.headers['set-cookie'], undefined);
    }
  });

  test('the session works for reads without a CSRF token; a cookie-authenticated write needs the right one; a key needs none', async () => {
    const wang = await signIn(t, 'wang.fang', STRONG, fromAddress());
    await createPerson(t, { username: 'zhao.eng', role: 'engineer' }, STRONG);
    const eng = await signIn(t, 'zhao.eng', STRONG, fromAddress());
    assert.equal((await wang.call({ method: 'GET', url: '/api/grids', csrf: false })).statusCode, 200);
    const dept = (id: string) => ({ method: 'POST' as const, url: '/api/departments', payload: { id, name: `部门 ${id}` } });
    const none = await eng.call({ ...dept('d-none'), csrf: false });
    assert.deepEqual([none.statusCode, none.json().code, none.json().field], [403, 'GW_ERR_CSRF', 'x-csrf-token']);
    const otherSessions = await eng.call({ ...dept('d-wrong'), csrf: wang.csrfToken });
    assert.deepEqual([otherSessions.statusCode, otherSessions.json().code], [403, 'GW_ERR_CSRF'], 'another session\'s token is wrong here');
    assert.equal((await eng.call({ ...dept('d-wrong2'), csrf: eng.csrfToken.slice(0, -1) + (eng.csrfToken.endsWith('A') ? 'B' : 'A') })).statusCode, 403);
    assert.equal((await eng.call(dept('d-right'))).statusCode, 201);
    assert.equal((await t.call('engineer', dept('d-key'))).statusCode, 201, 'an API key needs no CSRF token');
    // The role still decides: an operator's session may not write the registry.
    assert.equal((await wang.call(dept('d-op'))).statusCode, 403);
    // The audit log names the person behind the change.
    const audit = await t.call('admin', { method: 'GET', url: '/api/audit?entity=departments&entityId=d-right' });
    assert.deepEqual(audit.json().items[0].actor, { keyId: null, userId: eng.user.id, name: 'zhao.eng', role: 'engineer' });
  });

  test('a cookie after sign-out is refused; sign-out everywhere ends every session of the person', async () => {
    const a = await signIn(t, 'wang.fang', STRONG, fromAddress());
    const b = await signIn(t, 'wang.fang', STRONG, fromAddress());
    const logout = await a.call({ method: 'POST', url: '/api/auth/logout' });
    assert.equal(logout.statusCode, 204);
    assert.match(String([logout.headers['set-cookie']].flat()[0]), /^gw_session=; .*Max-Age=0/);
    const stolen = await a.call({ method: 'GET', url: '/api/grids' });
    assert.deepEqual([stolen.statusCode, stolen.json().code], [401, 'GW_ERR_UNAUTHENTICATED']);
    assert.equal((await b.call({ method: 'GET', url: '/api/grids' })).statusCode, 200, 'the other session lives');
    const c = await signIn(t, 'wang.fang', STRONG, fromAddress());
    assert.equal((await b.call({ method: 'POST', url: '/api/auth/logout-all' })).statusCode, 204);
    for (const s of [b, c]) assert.equal((await s.call({ method: 'GET', url: '/api/grids' })).statusCode, 401);
  });

  test('a password change ends the person\'s other sessions and keeps this one', async () => {
    await createPerson(t, { username: 'sun.li', role: 'dispatcher' }, STRONG);
    const here = await signIn(t, 'sun.li', STRONG, fromAddress());
    const there = await signIn(t, 'sun.li', STRONG, fromAddress());
    const next = 'Harbor-Window-77';
    assert.equal((await here.call({ method: 'POST', url: '/api/auth/password', payload: { currentPassword: STRONG, newPassword: next } })).statusCode, 204);
    assert.equal((await here.call({ method: 'GET', url: '/api/grids' })).statusCode, 200);
    assert.equal((await there.call({ method: 'GET', url: '/api/grids' })).statusCode, 401);
    assert.equal((await login(t, 'sun.li', STRONG, fromAddress())).statusCode, 401, 'the old password is gone');
    assert.equal((await login(t, 'sun.li', next, fromAddress())).statusCode, 200);
    const byKey = await t.call('dispatcher', { method: 'POST', url: '/api/auth/password', payload: { currentPassword: 'x', newPassword: next } });
    assert.equal(byKey.statusCode, 403, 'a key has no password to change');
  });

  test('an admin reset ends the sessions and hands out a temporary password that must be changed', async () => {
    const { id } = await createPerson(t, { username: 'qian.reset', role: 'operator' }, STRONG);
    const s = await signIn(t, 'qian.reset', STRONG, fromAddress());
    const reset = await t.call('admin', { method: 'POST', url: `/api/users/${id}/reset-password` });
    assert.equal(reset.statusCode, 200, reset.body);
    const { user, temporaryPassword } = reset.json();
    assert.equal(user.mustChangePassword, true);
    assert.match(temporaryPassword, /^[A-Za-z2-9]{16}$/);
    assert.equal((await s.call({ method: 'GET', url: '/api/grids' })).statusCode, 401);
    assert.equal((await login(t, 'qian.reset', STRONG, fromAddress())).statusCode, 401);
    const fresh = await signIn(t, 'qian.reset', temporaryPassword, fromAddress());
    assert.equal(fresh.user.mustChangePassword, true);
    assert.equal((await fresh.call({ method: 'GET', url: '/api/grids' })).json().code, 'GW_ERR_PASSWORD_CHANGE_REQUIRED');
    assert.equal((await t.call('admin', { method: 'GET', url: `/api/users/${id}` })).json().mustChangePassword, true);
  });

  test('disabling a person refuses their session at once and their sign-in after', async () => {
    const { id } = await createPerson(t, { username: 'li.off', role: 'operator' }, STRONG);
    const s = await signIn(t, 'li.off', STRONG, fromAddress());
    const token = (await s.call({ method: 'POST', url: '/api/url-tokens' })).json().token as string;
    assert.equal((await t.call('admin', { method: 'PATCH', url: `/api/users/${id}`, payload: { disabled: true } })).statusCode, 200);
    assert.equal((await s.call({ method: 'GET', url: '/api/grids' })).statusCode, 401);
    assert.equal((await t.app.inject({ method: 'GET', url: `${SNAPSHOT}?access_token=${token}` })).statusCode, 401, 'nor the URL token of that session');
    const refused = await login(t, 'li.off', STRONG, fromAddress());
    assert.deepEqual([refused.statusCode, refused.json().message], [401, 'user name or password is wrong']);
    assert.equal((await t.call('admin', { method: 'PATCH', url: `/api/users/${id}`, payload: { disabled: false } })).statusCode, 200);
    assert.equal((await login(t, 'li.off', STRONG, fromAddress())).statusCode, 200);
  });

  test('a URL token issued to a person names the session and stops with it; a key\'s token is as before', async () => {
    const s = await signIn(t, 'wang.fang', STRONG, fromAddress());
    const issued = await s.call({ method: 'POST', url: '/api/url-tokens' });
    assert.equal(issued.statusCode, 200, issued.body);
    const { token } = issued.json() as { token: string };
    assert.equal(token.includes(s.cookie), false);
    const events = (tok: string) => t.app.inject({ method: 'GET', url: `${SNAPSHOT}?access_token=${tok}` });
    const live = await events(token);
    assert.equal(live.statusCode, 404, `the token works while the session lives: ${live.body}`);
    assert.equal((await s.call({ method: 'POST', url: '/api/auth/logout' })).statusCode, 204);
    const ended = await events(token);
    assert.equal(ended.statusCode, 401);
    assert.match(ended.json().message, /session behind this URL token has ended/);
    const keyToken = (await t.call('operator', { method: 'POST', url: '/api/url-tokens' })).json().token as string;
    assert.equal((await events(keyToken)).statusCode, 404);
  });
});

describe('incidents and streams name the person', () => {
  test('a person\'s steps are on the flow log with their user id, their report names them, and their claim holds for them', async () => {
    const { id: userId } = await createPerson(t, { username: 'zhou.disp', role: 'dispatcher' }, STRONG);
    const p = await signIn(t, 'zhou.disp', STRONG, fromAddress());
    const reported = await p.call({ method: 'POST', url: '/api/incidents', payload: { type: 'road_damage', severity: 'minor', title: '路面塌陷' } });
    assert.equal(reported.statusCode, 201, reported.body);
    const id = reported.json().incident.id as string;
    const claimed = await p.call({ method: 'POST', url: `/api/incidents/${id}/claim`, payload: {} });
    assert.equal(claimed.statusCode, 200, claimed.body);
    const accepted = await p.call({ method: 'POST', url: `/api/incidents/${id}/actions/accept`, payload: { version: claimed.json().version } });
    assert.equal(accepted.statusCode, 200, `the person may act on what they claimed: ${accepted.body}`);
    const byOther = await t.call('dispatcher', { method: 'POST', url: `/api/incidents/${id}/actions/dispatch`, payload: { version: accepted.json().version, departmentId: 'dept-1' } });
    assert.equal(byOther.statusCode, 409, 'another dispatcher meets the claim');
    const full = (await t.call('admin', { method: 'GET', url: `/api/incidents/${id}` })).json();
    const accept = full.flow.find((f: { action: string }) => f.action === 'accept');
    assert.deepEqual(accept.actor, { keyId: null, userId, name: 'zhou.disp', role: 'dispatcher' });
    assert.equal(full.source.id, `user:${userId}`, 'a manual report names the person as its source');
  });

  test('an event stream opened with the cookie ends when the person signs out everywhere', async () => {
    const p = await signIn(t, 'wang.fang', STRONG, fromAddress());
    let ended = false;
    const stream = p.call({ method: 'GET', url: '/api/events' }).then((res) => {
      ended = true;
      return res;
    });
    // Let the stream open (its first line is written at once), then end every session of the person.
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(ended, false, 'the stream is open while the session lives');
    const other = await signIn(t, 'wang.fang', STRONG, fromAddress());
    assert.equal((await other.call({ method: 'POST', url: '/api/auth/logout-all' })).statusCode, 204);
    const res = await stream;
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /^: connected/);
  });
});

describe('users', () => {
  test('names are unique ignoring case; unknown department, unknown grid code and a weak password are 400 on their field', async () => {
    const post = (payload: Record<string, unknown>) => t.call('admin', { method: 'POST', url: '/api/users', payload });
    const dup = await post({ username: 'WANG.FANG', role: 'operator' });
    assert.deepEqual([dup.statusCode, dup.json().field], [409, 'username']);
    const dept = await post({ username: 'x1', role: 'operator', department: 'no-such-dept' });
    assert.deepEqual([dept.statusCode, dept.json().field], [400, 'department']);
    const grid = await post({ username: 'x2', role: 'operator', scope: ['D1-S1', 'NOPE'] });
    assert.deepEqual([grid.statusCode, grid.json().field], [400, 'scope']);
    assert.match(grid.json().message, /unknown grid code: NOPE/);
    const adminScope = await post({ username: 'x3', role: 'admin', scope: ['D1-S1'] });
    assert.deepEqual([adminScope.statusCode, adminScope.json().field], [400, 'scope']);
    const weak = await post({ username: 'x4', role: 'operator', password: 'short' });
    assert.deepEqual([weak.statusCode, weak.json().field], [400, 'password']);
    assert.match(weak.json().message, /at least 10 characters/);
    const ok = await post({ username: 'zhou.street', displayName: '周', role: 'operator', department: 'dept-1', scope: ['D1-S1'], password: 'Maple-Street-19' });
    assert.equal(ok.statusCode, 201, ok.body);
    assert.equal(ok.json().temporaryPassword, undefined, 'a chosen password is not echoed');
    assert.deepEqual([ok.json().user.department, ok.json().user.scope, ok.json().user.mustChangePassword], ['dept-1', ['D1-S1'], true]);
    // Every change is on the audit log, with no hash in it.
    const trail = await t.call('admin', { method: 'GET', url: `/api/audit?entity=users&entityId=${ok.json().user.id}` });
    assert.equal(trail.json().items[0].action, 'create');
    assert.equal(JSON.stringify(trail.json()).includes('scrypt$'), false);
    const list = await t.call('admin', { method: 'GET', url: '/api/users' });
    assert.ok(list.json().items.some((u: { username: string }) => u.username === 'zhou.street'));
    assert.equal(JSON.stringify(list.json()).includes('scrypt'), false);
    assert.equal((await t.call('engineer', { method: 'GET', url: '/api/users' })).statusCode, 403, 'admins only');
  });

  test('the last active admin person cannot be disabled, demoted or deleted; a deleted person\'s sessions end', async () => {
    const admins = (await t.call('admin', { method: 'GET', url: '/api/users' })).json().items.filter((u: { role: string }) => u.role === 'admin');
    assert.equal(admins.length, 1);
    const last = admins[0].id as string;
    const disable = await t.call('admin', { method: 'PATCH', url: `/api/users/${last}`, payload: { disabled: true } });
    assert.deepEqual([disable.statusCode, disable.json().field], [409, 'disabled']);
    assert.equal((await t.call('admin', { method: 'PATCH', url: `/api/users/${last}`, payload: { role: 'operator' } })).statusCode, 409);
    assert.equal((await t.call('admin', { method: 'DELETE', url: `/api/users/${last}` })).statusCode, 409);
    const { id } = await createPerson(t, { username: 'gone.soon', role: 'operator' }, STRONG);
    const s = await signIn(t, 'gone.soon', STRONG, fromAddress());
    assert.equal((await t.call('admin', { method: 'DELETE', url: `/api/users/${id}` })).statusCode, 204);
    assert.equal((await s.call({ method: 'GET', url: '/api/grids' })).statusCode, 401);
    assert.equal((await t.call('admin', { method: 'GET', url: `/api/users/${id}` })).statusCode, 404);
  });
});

describe('API keys', () => {
  test('a key\'s scope is checked, listed, audited and lands on its actor', async () => {
    const bad = await t.call('admin', { method: 'POST', url: '/api/keys', payload: { name: 'street cams', role: 'operator', scope: ['NOPE'] } });
    assert.deepEqual([bad.statusCode, bad.json().field], [400, 'scope']);
    const made = await t.call('admin', { method: 'POST', url: '/api/keys', payload: { name: 'street cams', role: 'operator', scope: ['D1-S1'] } });
    assert.equal(made.statusCode, 201, made.body);
    assert.deepEqual(made.json().scope, ['D1-S1']);
    const me = await t.app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${made.json().secret}` } });
    assert.deepEqual(me.json(), { keyId: made.json().id, name: 'street cams', role: 'operator', scope: ['D1-S1'] });
    const authMe = await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: `Bearer ${made.json().secret}` } });
    assert.deepEqual(authMe.json(), { via: 'key', user: null, key: { id: made.json().id, name: 'street cams', role: 'operator', scope: ['D1-S1'] } });
    const listed = (await t.call('admin', { method: 'GET', url: '/api/keys' })).json().items.find((k: { id: string }) => k.id === made.json().id);
    assert.deepEqual(listed.scope, ['D1-S1']);
    const audit = await t.call('admin', { method: 'GET', url: `/api/audit?entity=api_keys&entityId=${made.json().id}` });
    assert.deepEqual(audit.json().items[0].after.scope, ['D1-S1']);
    const unscoped = await t.app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${t.keys.operator}` } });
    assert.equal(unscoped.json().scope, undefined, 'no scope: everything');
  });
});

describe('a stale cookie and a cookie of the wrong shape', () => {
  test('are refused with 401, a key in the same request wins', async () => {
    const s = await signIn(t, 'wang.fang', STRONG, fromAddress());
    const cookie = s.cookie;
    await s.call({ method: 'POST', url: '/api/auth/logout' });
    const stale = asPerson(t, cookie, s.csrfToken, s.user);
    const res = await stale.call({ method: 'GET', url: '/api/grids' });
    assert.deepEqual([res.statusCode, res.json().message], [401, 'the session has ended or expired; sign in again']);
    const junk = await t.app.inject({ method: 'GET', url: '/api/grids', headers: { cookie: 'gw_session=../../etc/passwd' } });
    assert.equal(junk.statusCode, 401);
    const withKey = await t.app.inject({ method: 'GET', url: '/api/grids', headers: { cookie: `gw_session=${cookie}`, authorization: `Bearer ${t.keys.operator}` } });
    assert.equal(withKey.statusCode, 200);
  });
});
