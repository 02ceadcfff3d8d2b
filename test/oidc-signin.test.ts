// Single sign-on end to end against a real OpenID provider (oidc-provider, in
// this process): the browser goes from the gateway's login to the provider's
// login and consent pages and back, and ends with a gw_session cookie that
// /api/auth/me honours with the role and scope mapped from the claims.
// Also: roleMap, no role, no grid cell, a bad returnTo, a wrong state, a
// replayed callback, and a provider that is down (at discovery and at the
// token endpoint) or hangs.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestGateway } from './helpers/gateway.ts';
import { TestBrowser } from './helpers/oidc-browser.ts';
import { CALLBACK, me, PEOPLE, signIn, startSso, type SsoSetup } from './helpers/oidc-gateway.ts';
import { CLIENT_SECRET } from './helpers/oidc-provider.ts';

let s: SsoSetup;

before(async () => {
  s = await startSso();
});
after(async () => {
  if (process.env.OIDC_DUMP_LOGS) process.stdout.write(s.t.logs().split('\n').filter((l) => l.includes('oidc')).join('\n'));
  await s?.stop();
});

const json = { accept: 'application/json' };

test('the sign-in page learns that single sign-on is on, and its label', async () => {
  const res = await s.t.app.inject({ method: 'GET', url: '/api/auth/config' });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { oidc: { enabled: true, label: '城市统一身份认证', loginUrl: '/api/auth/oidc/login' } });
});

test('sign-in through the provider: PKCE S256, state and nonce; a session with the mapped role, scope and department', async () => {
  const browser = new TestBrowser();
  const first = await browser.request(`${s.base}/api/auth/oidc/login?returnTo=${encodeURIComponent('/wall?layout=4')}`);
  assert.equal(first.status, 302);
  const auth = new URL(first.location!);
  assert.equal(auth.origin, s.provider.issuer);
  const q = auth.searchParams;
  assert.equal(q.get('code_challenge_method'), 'S256');
  assert.match(q.get('code_challenge') ?? '', /^[\w-]{43}$/);
  assert.ok(q.get('state') && q.get('nonce'), 'state and nonce are sent');
  assert.equal(q.get('redirect_uri'), `${s.base}${CALLBACK}`);
  assert.equal(q.get('scope'), 'openid profile gw');
  const flowCookie = first.headers.getSetCookie().find((c) => c.startsWith('gw_oidc='));
  assert.match(flowCookie ?? '', /HttpOnly/);
  assert.match(flowCookie ?? '', /SameSite=Lax/);
  assert.ok(!flowCookie!.includes(q.get('state')!), 'the flow cookie is sealed: no state, verifier or nonce in clear');

  const { callback, callbackUrl } = await signIn(s, 'li.street', { browser, returnTo: '/wall?layout=4' });
  assert.equal(callback.status, 302, callback.body);
  assert.equal(callback.location, `${s.base}/wall?layout=4`);
  const session = callback.headers.getSetCookie().find((c) => c.startsWith('gw_session='));
  assert.match(session ?? '', /HttpOnly/);
  assert.match(session ?? '', /SameSite=Lax/);
  assert.doesNotMatch(session ?? '', /Secure/, 'plain HTTP here: no Secure flag');
  assert.equal(browser.cookie('gw_oidc'), undefined, 'the flow cookie is single-use');

  const who = await me(s, browser);
  assert.equal(who.status, 200, JSON.stringify(who.body));
  const user = who.body!.user as Record<string, unknown>;
  assert.equal(who.body!.via, 'session');
  assert.equal(user.username, 'li.street');
  assert.equal(user.displayName, '李街道');
  assert.equal(user.role, 'operator');
  assert.deepEqual(user.scope, ['D1-S1']);
  assert.equal(user.department, 'dept-1');
  assert.equal(user.source, 'oidc');
  assert.equal(typeof who.body!.csrfToken, 'string');

  // Nothing secret in the log: the client secret, the code, the ID token.
  const logs = s.t.logs();
  assert.ok(!logs.includes(CLIENT_SECRET), 'client secret in the log');
  assert.ok(!logs.includes(callbackUrl.searchParams.get('code')!), 'authorization code in the log');
  assert.ok(!logs.includes(s.provider.lastIdToken()!), 'ID token in the log');
  assert.match(logs, /signed in through single sign-on/);
  assert.match(logs, /oidc\/callback\?code=\[REDACTED\]/, 'the callback is logged, its code redacted');
});

test('roleMap: the entry written first wins (admin, whose scope is everything); the next sign-in updates the same person', async () => {
  const { browser, callback } = await signIn(s, 'wang.chief');
  assert.equal(callback.status, 302, callback.body);
  const first = (await me(s, browser)).body!.user as Record<string, unknown>;
  assert.equal(first.role, 'admin');
  assert.equal(first.scope, null);

  const dispatcher = await signIn(s, 'zhou.dispatch');
  const user = (await me(s, dispatcher.browser)).body!.user as Record<string, unknown>;
  assert.equal(user.role, 'dispatcher');
  assert.deepEqual(user.scope, ['D1-S1', 'D1-S2'], 'a scope claim given as one string of codes');

  // The city moves 王主任 to dispatching for street D1-S2: the next sign-in brings the role down, same account.
  PEOPLE['wang.chief'] = { ...PEOPLE['wang.chief'], gw_role: ['staff', 'dispatchers'], gw_grids: ['D1-S2'] };
  const again = await signIn(s, 'wang.chief', {});
  assert.equal(again.callback.status, 302);
  const now = (await me(s, again.browser)).body!.user as Record<string, unknown>;
  assert.equal(now.id, first.id, 'one account per (issuer, subject)');
  assert.equal(now.role, 'dispatcher');
  assert.deepEqual(now.scope, ['D1-S2']);
  const list = await s.t.call('admin', { method: 'GET', url: '/api/users' });
  assert.equal(list.statusCode, 200, list.body);
  const wangs = (list.json() as { items: Array<Record<string, unknown>> }).items.filter((u) => u.username === 'wang.chief');
  assert.equal(wangs.length, 1);
});

test('a person whose claims map to no role is refused with a clear message, and gets no session', async () => {
  const page = await signIn(s, 'zhao.visitor');
  assert.equal(page.callback.status, 302);
  assert.equal(page.callback.location, `${s.base}/?signin_error=sso_no_role`, 'a browser lands on the sign-in page with the reason');
  assert.equal(page.browser.cookie('gw_session'), undefined);

  const api = await signIn(s, 'zhao.visitor', { callbackAccept: 'application/json' });
  assert.equal(api.callback.status, 403);
  const body = JSON.parse(api.callback.body) as Record<string, unknown>;
  assert.equal(body.code, 'GW_ERR_FORBIDDEN');
  assert.equal(body.messageCode, 'sso_no_role');
  assert.match(String(body.message), /no role in this gateway/);
  assert.equal(api.browser.cookie('gw_session'), undefined);
  assert.match(s.t.logs(), /claim 'gw_role': its values \(visitors\) map to no role/);
});

test('a non-admin without grid cells, or with a grid cell the registry does not have, is refused', async () => {
  const none = await signIn(s, 'qian.nogrid', { callbackAccept: 'application/json' });
  assert.equal(none.callback.status, 403);
  assert.equal((JSON.parse(none.callback.body) as Record<string, unknown>).messageCode, 'sso_no_scope');
  const unknown = await signIn(s, 'sun.badgrid', { callbackAccept: 'application/json' });
  assert.equal(unknown.callback.status, 403);
  const body = JSON.parse(unknown.callback.body) as Record<string, unknown>;
  assert.equal(body.messageCode, 'sso_account_invalid');
  assert.match(String(body.message), /NO-SUCH-CELL/);
  assert.equal(unknown.browser.cookie('gw_session'), undefined);
});

test('returnTo must be a path on the gateway', async () => {
  for (const returnTo of ['https://evil.example/', '//evil.example/x', '/\\evil.example']) {
    const res = await s.t.app.inject({ method: 'GET', url: `/api/auth/oidc/login?returnTo=${encodeURIComponent(returnTo)}`, headers: json });
    assert.equal(res.statusCode, 400, returnTo);
    assert.equal(res.json().field, 'returnTo');
  }
});

test('a callback with another state, a replayed callback, or one without the flow cookie is refused (401), no session', async () => {
  const wrongState = await signIn(s, 'li.street', { callbackAccept: 'application/json', editCallback: (u) => u.searchParams.set('state', 'forged-state') });
  assert.equal(wrongState.callback.status, 401, wrongState.callback.body);
  assert.equal((JSON.parse(wrongState.callback.body) as Record<string, unknown>).messageCode, 'sso_refused');
  assert.equal(wrongState.browser.cookie('gw_session'), undefined);
  assert.equal(wrongState.browser.cookie('gw_oidc'), undefined, 'a refused flow is spent too');
  assert.match(s.t.logs(), /single sign-on refused[^\n]*state|state[^\n]*single sign-on refused/);

  const ok = await signIn(s, 'li.street');
  assert.equal(ok.callback.status, 302);
  const replay = await ok.browser.request(ok.callbackUrl.href, { headers: json });
  assert.equal(replay.status, 401, 'the flow cookie went with the first use');

  const stranger = new TestBrowser();
  const stolen = await stranger.request(ok.callbackUrl.href, { headers: json });
  assert.equal(stolen.status, 401, 'a callback URL alone, in another browser, opens nothing');
  assert.equal(stranger.cookie('gw_session'), undefined);
});

test('the provider down at the token endpoint, or hanging: a clear 503 (or the sign-in page with the reason), no crash, no hang', async () => {
  for (const outage of ['refuse', 'hang'] as const) {
    const browser = new TestBrowser();
    const callbackUrl = await browser.signInAtProvider(`${s.base}/api/auth/oidc/login`, 'li.street', `${s.base}${CALLBACK}`);
    s.provider.outage = outage;
    try {
      const res = await browser.request(callbackUrl, { headers: json });
      assert.equal(res.status, 503, `${outage}: ${res.body}`);
      const body = JSON.parse(res.body) as Record<string, unknown>;
      assert.equal(body.code, 'GW_ERR_UNAVAILABLE');
      assert.equal(body.messageCode, 'sso_unreachable');
    } finally {
      s.provider.outage = 'none';
    }
  }
  assert.equal((await s.t.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  // Back up: the next sign-in works.
  const ok = await signIn(s, 'li.street');
  assert.equal(ok.callback.status, 302);
});

test('the provider down or hanging at the first sign-in: 503 for the API, the sign-in page for a browser; discovery is tried again at the next sign-in', async () => {
  const late = await startSso();
  try {
    late.provider.outage = 'refuse';
    const api = await late.t.app.inject({ method: 'GET', url: '/api/auth/oidc/login', headers: json });
    assert.equal(api.statusCode, 503, api.body);
    assert.equal(api.json().messageCode, 'sso_unreachable');
    const page = await new TestBrowser().request(`${late.base}/api/auth/oidc/login?returnTo=/wall`);
    assert.equal(page.status, 302);
    assert.equal(page.location, `${late.base}/?signin_error=sso_unreachable`);
    assert.match(late.t.logs(), /single sign-on cannot start/);
    // A provider that takes connections and never answers: the same, after auth.oidc.timeoutSeconds (10 s here), not a hang.
    late.provider.outage = 'hang';
    const hung = await late.t.app.inject({ method: 'GET', url: '/api/auth/oidc/login', headers: json });
    assert.equal(hung.statusCode, 503, hung.body);
    assert.match(late.t.logs(), /timed out/);

    late.provider.outage = 'none';
    const { callback, browser } = await signIn(late, 'li.street');
    assert.equal(callback.status, 302, callback.body);
    assert.equal((await me(late, browser)).status, 200);
  } finally {
    await late.stop();
  }
});

test('a disabled account is refused at its next sign-in through the provider', async () => {
  const first = await signIn(s, 'zhou.dispatch');
  const id = ((await me(s, first.browser)).body!.user as Record<string, unknown>).id as string;
  const off = await s.t.call('admin', { method: 'PATCH', url: `/api/users/${id}`, payload: { disabled: true } });
  assert.equal(off.statusCode, 200, off.body);
  try {
    assert.equal((await me(s, first.browser)).status, 401, 'disabling signs the person out');
    const again = await signIn(s, 'zhou.dispatch', { callbackAccept: 'application/json' });
    assert.equal(again.callback.status, 403, again.callback.body);
    assert.equal((JSON.parse(again.callback.body) as Record<string, unknown>).messageCode, 'sso_user_disabled');
    assert.equal(again.browser.cookie('gw_session'), undefined);
  } finally {
    await s.t.call('admin', { method: 'PATCH', url: `/api/users/${id}`, payload: { disabled: false } });
  }
});

test('another node with the same token secret (as a cluster shares) finishes a sign-in this node started', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gw-oidc-node2-'));
  copyFileSync(join(s.t.dataDir, 'media-token.key'), join(dataDir, 'media-token.key'));
  const other = await startSso({ provider: s.provider, dataDir });
  try {
    const browser = new TestBrowser();
    const callback = new URL(await browser.signInAtProvider(`${s.base}/api/auth/oidc/login?returnTo=/wall`, 'li.street', `${s.base}${CALLBACK}`));
    // The balancer sends the browser's return to the other node (cookies go by host, not port).
    const onOther = new URL(`${other.base}${callback.pathname}${callback.search}`);
    const res = await browser.request(onOther.href);
    assert.equal(res.status, 302, res.body);
    assert.equal(res.location, `${other.base}/wall`);
    const who = await me(other, browser);
    assert.equal(who.status, 200);
    assert.equal((who.body!.user as Record<string, unknown>).role, 'operator');
  } finally {
    await other.stop();
  }
  // A node with another secret cannot open the flow: refused, not crashed.
  const stranger = await startSso({ provider: s.provider });
  try {
    const browser = new TestBrowser();
    const callback = new URL(await browser.signInAtProvider(`${s.base}/api/auth/oidc/login`, 'li.street', `${s.base}${CALLBACK}`));
    const res = await browser.request(`${stranger.base}${callback.pathname}${callback.search}`, { headers: json });
    assert.equal(res.status, 401);
    assert.match(stranger.t.logs(), /does not open/);
  } finally {
    await stranger.stop();
  }
});

test('single sign-on off (the default): the sign-in page is told so, and its routes answer 404 (a browser: the sign-in page)', async () => {
  const plain = await startTestGateway();
  try {
    assert.deepEqual((await plain.app.inject({ method: 'GET', url: '/api/auth/config' })).json(), { oidc: { enabled: false, label: null, loginUrl: null } });
    for (const url of ['/api/auth/oidc/login', '/api/auth/oidc/callback?code=x&state=y']) {
      const api = await plain.app.inject({ method: 'GET', url, headers: json });
      assert.equal(api.statusCode, 404, url);
      assert.equal(api.json().messageCode, 'sso_not_configured');
      const page = await plain.app.inject({ method: 'GET', url, headers: { accept: 'text/html' } });
      assert.equal(page.statusCode, 302);
      assert.equal(page.headers.location, '/?signin_error=sso_not_configured');
    }
  } finally {
    await plain.stop();
  }
});
