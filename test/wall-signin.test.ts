// Signing in to the wall as a person, in Chromium against the real demo: each
// role by user name and password lands on its views and signs out; the street
// operator (operator-east, 东门街道) sees only that street's cameras and
// incidents; a wrong password and an unknown name get the same message; a
// locked name says how long to wait; a required password change comes first
// with the policy's rules at the field; signing out everywhere sends another
// browser back to the sign-in page; the single sign-on button and what a
// failed single sign-on says. Screenshots in artifacts/screenshots/signin/.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { Role } from '../device-registry/index.ts';
import { launchBrowser } from './helpers/browser.ts';
import { startDemo, type DemoGateway } from './helpers/demo.ts';
import { ADMIN_PASSWORD, WAIT, adminCall, demoPasswords, shot, signInPage, signedIn, submitSignIn } from './helpers/signin.ts';

const EAST = '310101001'; // 东门街道 in configs/demo.yaml
const SSO_LABEL = '城市统一身份认证';

let demo: DemoGateway;
let browser: Browser;
let passwords: Record<string, string>;

/** A loopback port nothing listens on: the identity provider is down. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

before(async () => {
  const sso = await closedPort();
  demo = await startDemo([
    '--auth.adminPassword', ADMIN_PASSWORD,
    // Three failures lock a name for five minutes; the address limit stays out of the way of the other tests (all from 127.0.0.1).
    '--auth.lockout.accountFailures', '3', '--auth.lockout.addressFailures', '1000', '--auth.lockout.baseSeconds', '300',
    '--auth.oidc.enabled', 'true', '--auth.oidc.label', SSO_LABEL, '--auth.oidc.issuer', `http://127.0.0.1:${sso}/realms/city`,
    '--auth.oidc.allowHttp', 'true', '--auth.oidc.clientId', 'city-gateway', '--auth.oidc.timeoutSeconds', '5',
  ]);
  passwords = await demoPasswords(demo);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await demo?.stop();
});

/**
 * A person made for one test through the API (the admin key). An admin's new
 * person must change the password at the first sign-in; `ready` does that
 * through the API (sign-in, then the change with the CSRF token) so the
 * browser finds them ready to work.
 */
async function person(username: string, role: Role, extra: Record<string, unknown> = {}, ready = true): Promise<{ id: string; password: string }> {
  const first = `Kx-${Math.random().toString(36).slice(2, 10)}-Lm93`;
  const res = await adminCall<{ user: { id: string } }>(demo, 'POST', '/api/users', { username, role, password: first, ...extra });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  if (!ready) return { id: res.body.user.id, password: first };
  const login = await fetch(`${demo.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: first }) });
  assert.equal(login.status, 200);
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const password = `Jv-${Math.random().toString(36).slice(2, 10)}-Qr27`;
  const changed = await fetch(`${demo.url}/api/auth/password`, {
    method: 'POST', headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken }, body: JSON.stringify({ currentPassword: first, newPassword: password }),
  });
  assert.equal(changed.status, 204, await changed.text());
  await fetch(`${demo.url}/api/auth/logout`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrfToken } });
  return { id: res.body.user.id, password };
}

async function waitForStatus(id: string, status: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const incident = await demo.api<{ status: string }>('admin', `/api/incidents/${encodeURIComponent(id)}`);
    if (incident.status === status) return;
    if (Date.now() > deadline) assert.fail(`incident ${id} is ${incident.status}, not ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const navViews = (page: Page) => page.$$eval('.topbar nav a', (as) => as.map((a) => (a as HTMLElement).dataset.testid!.replace('nav-', '')));
const close = (page: Page) => page.context().close();

test('the sign-in page in zh-CN and en, with the single sign-on button', async () => {
  const zh = await signInPage(browser, demo.url, 'zh-CN');
  await zh.waitForSelector('[data-testid=signin-sso]', WAIT);
  assert.equal((await zh.textContent('[data-testid=signin-sso]'))?.trim(), '使用统一身份认证登录');
  assert.equal((await zh.textContent('.sso-label'))?.trim(), SSO_LABEL, "the provider's label from /api/auth/config");
  assert.match((await zh.getAttribute('[data-testid=signin-sso]', 'href'))!, /^\/api\/auth\/oidc\/login\?returnTo=%2F/);
  assert.equal((await zh.textContent('[data-testid=use-api-key]'))?.trim(), '使用 API 密钥');
  const labels = await zh.$$eval('[data-testid=signin-form] label', (ls) => ls.map((l) => l.textContent?.trim()));
  assert.deepEqual(labels, ['用户名', '密码']);
  await shot(zh, 'signin-zh-CN');
  await shot(zh, 'signin-sso-button');
  await close(zh);

  const en = await signInPage(browser, demo.url, 'en');
  await en.waitForSelector('[data-testid=signin-sso]', WAIT);
  assert.deepEqual(await en.$$eval('[data-testid=signin-form] label', (ls) => ls.map((l) => l.textContent?.trim())), ['User name', 'Password']);
  assert.equal((await en.textContent('[data-testid=signin-form] button[type=submit]'))?.trim(), 'Sign in');
  await shot(en, 'signin-en');
  await close(en);
});

test('a single sign-on whose provider is down comes back to the sign-in page saying so, in Chinese', async () => {
  const page = await signInPage(browser, demo.url, 'zh-CN');
  await page.click('[data-testid=signin-sso]');
  await page.waitForSelector('[data-testid=signin-sso-error]', WAIT);
  assert.equal(await page.getAttribute('[data-testid=signin-sso-error]', 'data-code'), 'sso_unreachable');
  assert.equal((await page.textContent('[data-testid=signin-sso-error]'))?.trim(), '统一身份认证服务无响应，请稍后再试');
  assert.doesNotMatch(page.url(), /signin_error/, 'the code is taken out of the address, so a reload does not say it again');
  await shot(page, 'signin-sso-failed');
  await close(page);
});

const LANDING: Array<[string, Role, string, string[]]> = [
  ['admin', 'admin', 'wall', ['wall', 'map', 'dashboard', 'dispatch', 'sensors', 'console']],
  ['engineer', 'engineer', 'console', ['console', 'map', 'wall', 'sensors']],
  ['operator', 'operator', 'wall', ['wall', 'map', 'dashboard', 'sensors']],
  ['dispatcher', 'dispatcher', 'dispatch', ['dispatch', 'map', 'dashboard', 'wall', 'sensors']],
];
const ROLE_NAMES: Record<Role, string> = { admin: '管理员', engineer: '工程师', operator: '视频巡查员', dispatcher: '调度员' };

for (const [username, role, landing, views] of LANDING) {
  test(`${username} signs in with user name and password, lands on ${landing}, and signs out`, async () => {
    const page = await signedIn(browser, demo.url, username, passwords[username]!);
    await page.waitForSelector(`.shell[data-role=${role}][data-view=${landing}]`, WAIT);
    assert.deepEqual(await navViews(page), views);
    const who = (await page.textContent('[data-testid=who]'))!;
    assert.match(who, new RegExp(`· ${ROLE_NAMES[role]}$`), `the header names the role: ${who}`);
    if (role !== 'admin') assert.match(who, /\(demo\)/, `the display name, not the user name: ${who}`);
    // The session is the cookie: a reload resumes it.
    await page.reload();
    await page.waitForSelector(`.shell[data-role=${role}]`, WAIT);

    await page.click('[data-testid=user-menu]');
    await page.waitForSelector('[data-testid=user-menu-items]');
    if (role === 'operator') await shot(page, 'user-menu');
    await page.click('[data-testid=menu-sign-out]');
    await page.waitForSelector('[data-testid=signin-form]', WAIT);
    assert.equal(await page.$('[data-testid=signin-expired]'), null, 'signing out is not an expired session');
    await page.reload();
    await page.waitForSelector('[data-testid=signin-form]', WAIT);
    assert.equal(await page.$('[data-testid=who]'), null, 'the session ended at the gateway: a reload does not resume it');
    await close(page);
  });
}

test('the street operator sees only 东门街道: its cameras in the camera list, its incidents in the alarms (live too), and plays its camera', async () => {
  const [channels, grids] = await Promise.all([
    demo.api<{ items: Array<{ id: string; gridCode?: string }> }>('admin', '/api/channels?limit=500'),
    demo.api<{ items: Array<{ code: string; parentCode: string | null }> }>('admin', '/api/grids?limit=500'),
  ]);
  const parent = new Map(grids.items.map((g) => [g.code, g.parentCode]));
  const inEast = (code: string | undefined): boolean => {
    for (let c: string | null | undefined = code; c; c = parent.get(c)) if (c === EAST) return true;
    return false;
  };
  const east = channels.items.filter((c) => inEast(c.gridCode)).map((c) => c.id);
  const elsewhere = channels.items.filter((c) => !inEast(c.gridCode)).map((c) => c.id);
  assert.ok(east.includes('cam-dongmen-01') && elsewhere.includes('cam-hedi-02') && elsewhere.includes('cam-drone-01'), 'the demo has cameras on both sides');

  const report = async (gridCode: string, title: string) => {
    const res = await adminCall<{ incident: { id: string } }>(demo, 'POST', '/api/incidents', { type: 'road_damage', severity: 'major', title, gridCode });
    assert.ok(res.status === 201 || res.status === 200, JSON.stringify(res.body));
    return res.body.incident.id;
  };
  const eastIncident = await report('310101001001001', '东门广场路面塌陷（测试）');
  const westIncident = await report('310101002001001', '河堤步道路面塌陷（测试）');

  const page = await signedIn(browser, demo.url, 'operator-east', passwords['operator-east']!, '#/wall');
  await page.waitForSelector(`[data-testid=camera-tree] [data-camera="${east[0]}"]`, WAIT);
  await page.waitForSelector(`[data-testid=alarm-panel] [data-incident="${eastIncident}"]`, WAIT);
  // The demo's GB28181 NVR may announce a channel meanwhile (the wall reads the list every 15 s): compare until both agree.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const listed = (await page.$$eval('[data-testid=camera-tree] [data-camera]', (els) => els.map((e) => (e as HTMLElement).dataset.camera!))).sort();
    const now = (await demo.api<{ items: Array<{ id: string; gridCode?: string }> }>('admin', '/api/channels?limit=500')).items;
    const eastNow = now.filter((c) => inEast(c.gridCode)).map((c) => c.id).sort();
    for (const id of listed) assert.ok(eastNow.includes(id), `${id} in the camera list is in 东门街道`);
    if (JSON.stringify(listed) === JSON.stringify(eastNow)) break;
    if (Date.now() > deadline) assert.deepEqual(listed, eastNow, 'exactly the cameras of 东门街道');
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  assert.equal(await page.$(`[data-incident="${westIncident}"]`), null, "another street's incident is not shown");
  const shown = await page.$$eval('[data-testid=alarm-panel] [data-incident]', (els) => els.map((e) => (e as HTMLElement).dataset.incident!));
  for (const id of shown) {
    const incident = await demo.api<{ gridCode?: string }>('admin', `/api/incidents/${encodeURIComponent(id)}`);
    assert.ok(inEast(incident.gridCode), `alarm ${id} is in 东门街道 (${incident.gridCode})`);
  }
  // Live, through the person's event stream (a URL token of their session): a new east incident arrives, a west one does not.
  const liveWest = await report('310101002001001', '河堤步道积水（测试）');
  const liveEast = await report('310101001001', '东门社区积水（测试）');
  await page.waitForSelector(`[data-testid=alarm-panel] [data-incident="${liveEast}"]`, WAIT);
  assert.equal(await page.$(`[data-incident="${liveWest}"]`), null, "another street's new incident does not arrive");
  // A write from the wall (accept) carries the session's CSRF token, and the record names the person.
  await page.click(`[data-incident="${liveEast}"] button:has-text("受理")`);
  await waitForStatus(liveEast, 'accepted');
  const { flow } = await demo.api<{ flow: Array<{ action: string; actor: { keyId: string | null; name: string } }> }>('admin', `/api/incidents/${encodeURIComponent(liveEast)}`);
  const accepted = flow.find((f) => f.action === 'accept');
  assert.equal(accepted?.actor.name, 'operator-east', 'the flow log names the person');
  assert.equal(accepted?.actor.keyId, null, 'no key: a person');
  // The person's media token plays their camera.
  await page.click('[data-camera=cam-dongmen-01]');
  await page.waitForSelector('.tile[data-channel=cam-dongmen-01][data-state=playing]', WAIT);

  await page.click('[data-testid=user-menu]');
  assert.match((await page.textContent('[data-testid=user-scope]'))!, /东门街道/, 'the menu names the scope by its grid name');
  await shot(page, 'street-operator-wall');
  await close(page);
});

test('a wrong password and an unknown name get the same generic message', async () => {
  const page = await signInPage(browser, demo.url, 'zh-CN');
  await submitSignIn(page, 'dispatcher', 'not-the-password-1');
  await page.waitForSelector('[data-testid=signin-wrong]', WAIT);
  const wrong = (await page.textContent('[data-testid=signin-wrong]'))?.trim();
  assert.equal(wrong, '用户名或密码错误');
  assert.equal(await page.inputValue('input[name=password]'), '', 'the password is cleared');
  await page.evaluate(() => document.querySelector('[data-testid=signin-wrong]')?.remove());
  await submitSignIn(page, 'nobody-here', 'not-the-password-1');
  await page.waitForSelector('[data-testid=signin-wrong]', WAIT);
  assert.equal((await page.textContent('[data-testid=signin-wrong]'))?.trim(), wrong);
  assert.equal(await page.$('[data-testid=signin-expired]'), null, 'a wrong password is not an ended session');
  await close(page);
});

test('a name locked after failed sign-ins says how long to wait, and refuses even the right password meanwhile', async () => {
  const { password } = await person('locked-lu', 'operator', {}, false);
  const page = await signInPage(browser, demo.url, 'zh-CN');
  for (let i = 0; i < 3; i++) {
    await submitSignIn(page, 'locked-lu', `wrong-password-${i}`);
    await page.waitForSelector('[data-testid=signin-wrong]', WAIT);
    await page.evaluate(() => document.querySelector('[data-testid=signin-wrong]')?.remove());
  }
  await submitSignIn(page, 'locked-lu', password);
  await page.waitForSelector('[data-testid=signin-locked]', WAIT);
  const text = (await page.textContent('[data-testid=signin-locked]'))!;
  const m = /请 (?:(\d+) 分 (\d+) 秒|(\d+) 分钟|(\d+) 秒) 后再试/.exec(text);
  assert.ok(m, `the wait is said: ${text}`);
  const seconds = m[1] ? Number(m[1]) * 60 + Number(m[2]) : m[3] ? Number(m[3]) * 60 : Number(m[4]);
  assert.ok(seconds > 200 && seconds <= 300, `about five minutes (Retry-After): ${seconds}`);
  assert.ok(await page.isDisabled('[data-testid=signin-form] button[type=submit]'), 'no sending while locked');
  assert.equal(await page.$('[data-testid=who]'), null);
  await shot(page, 'signin-locked');
  await close(page);
});

test('after an admin reset the password change comes first, with the policy at the field; then the wall', async () => {
  const { id } = await person('reset-ren', 'operator', { displayName: '任值班' }, false);
  const reset = await adminCall<{ temporaryPassword: string }>(demo, 'POST', `/api/users/${id}/reset-password`);
  assert.equal(reset.status, 200);
  const temporary = reset.body.temporaryPassword;

  const page = await signInPage(browser, demo.url, 'zh-CN');
  await submitSignIn(page, 'reset-ren', temporary);
  await page.waitForSelector('[data-testid=must-change-password]', WAIT);
  assert.equal(await page.$('.shell'), null, 'nothing else before the change');
  const form = '[data-testid=password-form]';
  const change = async (current: string, next: string, again = next) => {
    await page.fill(`${form} input[name=currentPassword]`, current);
    await page.fill(`${form} input[name=newPassword]`, next);
    await page.fill(`${form} input[name=confirm]`, again);
    await page.click(`${form} button[type=submit]`);
  };
  await change(temporary, 'short1');
  await page.waitForSelector('[data-testid=error-newPassword]', WAIT);
  assert.equal((await page.textContent('[data-testid=error-newPassword]'))?.trim(), '至少 10 个字符');
  await change(temporary, 'my-reset-ren-pass');
  await page.waitForSelector('[data-testid=error-newPassword][data-code=password_has_username]', WAIT);
  assert.equal((await page.textContent('[data-testid=error-newPassword]'))?.trim(), '不能包含用户名');
  await change(temporary, 'password123');
  await page.waitForSelector('[data-testid=error-newPassword][data-code=password_common]', WAIT);
  await change('not-the-temporary', 'Blue-Lantern-4417');
  await page.waitForSelector('[data-testid=error-currentPassword]', WAIT);
  assert.equal((await page.textContent('[data-testid=error-currentPassword]'))?.trim(), '不是您当前的密码');
  await change(temporary, 'Blue-Lantern-4417', 'Blue-Lantern-4418');
  await page.waitForSelector('[data-testid=error-confirm]', WAIT);
  await shot(page, 'must-change-password');

  await change(temporary, 'Blue-Lantern-4417');
  await page.waitForSelector('.shell[data-role=operator][data-view=wall]', WAIT);
  assert.match((await page.textContent('[data-testid=who]'))!, /^任值班 · 视频巡查员/);
  await page.waitForSelector('[data-testid=camera-tree] [data-camera]', WAIT); // the API answers now
  await close(page);
  const again = await signedIn(browser, demo.url, 'reset-ren', 'Blue-Lantern-4417');
  assert.equal(await again.$('[data-testid=must-change-password]'), null);
  await close(again);
});

test("signing out everywhere ends another browser's session: its next request returns it to the sign-in page", async () => {
  const { password } = await person('two-desks', 'dispatcher', { displayName: '两台工作站' });
  const first = await signedIn(browser, demo.url, 'two-desks', password);
  const second = await signedIn(browser, demo.url, 'two-desks', password);
  await second.waitForSelector('.shell[data-view=dispatch]', WAIT);

  await first.click('[data-testid=user-menu]');
  await first.click('[data-testid=menu-sign-out-everywhere]');
  await first.click('[data-testid=menu-sign-out-everywhere-confirm]');
  await first.waitForSelector('[data-testid=signin-form]', WAIT);

  // The second desk polls the gateway every few seconds: its next request is a 401.
  await second.waitForSelector('[data-testid=signin-expired]', WAIT);
  assert.equal((await second.textContent('[data-testid=signin-expired]'))?.trim(), '会话已过期或已在其他地方退出，请重新登录');
  assert.equal(await second.$('.shell'), null);
  await second.reload();
  await second.waitForSelector('[data-testid=signin-form]', WAIT);
  await close(first);
  await close(second);
});

test('changing the password from the user menu keeps this session and ends the other', async () => {
  const { password } = await person('menu-mei', 'operator');
  const page = await signedIn(browser, demo.url, 'menu-mei', password);
  const other = await signedIn(browser, demo.url, 'menu-mei', password);
  await page.click('[data-testid=user-menu]');
  await page.click('[data-testid=menu-change-password]');
  await page.fill('[data-testid=password-form] input[name=currentPassword]', password);
  await page.fill('[data-testid=password-form] input[name=newPassword]', 'Quiet-Harbor-7302');
  await page.fill('[data-testid=password-form] input[name=confirm]', 'Quiet-Harbor-7302');
  await page.click('[data-testid=password-form] button[type=submit]');
  await page.waitForSelector('[data-testid=password-changed]', WAIT);
  await other.waitForSelector('[data-testid=signin-expired]', WAIT);
  // The wall's writes carry the CSRF token; one without it is refused.
  const status = await page.evaluate(async () => (await fetch('/api/url-tokens', { method: 'POST' })).status);
  assert.equal(status, 403, 'a cookie write without the CSRF token is refused');
  await page.reload();
  await page.waitForSelector('.shell[data-role=operator]', WAIT);
  await close(page);
  await close(other);
});

test('a kiosk wall still signs in with an API key', async () => {
  const page = await signInPage(browser, demo.url, 'zh-CN');
  await page.click('[data-testid=use-api-key]');
  await page.fill('input[name=apiKey]', demo.keys.operator);
  await page.click('[data-testid=login-form] button[type=submit]');
  await page.waitForSelector('.shell[data-role=operator]', WAIT);
  await page.click('[data-testid=user-menu]');
  assert.equal(await page.$('[data-testid=menu-sign-out-everywhere]'), null, 'a key has no sessions to end');
  await close(page);
});
