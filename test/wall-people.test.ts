// The console's People (人员) and API keys pages in Chromium against the real
// demo: the admin sees every person with role, department, scope as grid
// names, source and last sign-in; a 400 (and a taken name) lands at its field;
// a person created there (scope picked from the grid tree, the temporary
// password shown once with a copy button) signs in, changes the password
// first and sees only their cells; an edit that disables them ends their
// session; a reset shows a new temporary password; delete. A key created with
// a role and a scope works with that role and scope and stops when revoked.
// Engineers have no such pages.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './helpers/browser.ts';
import { startDemo, type DemoGateway } from './helpers/demo.ts';
import { ADMIN_PASSWORD, WAIT, adminCall, demoPasswords, shot, signInPage, signedIn, submitSignIn } from './helpers/signin.ts';

let demo: DemoGateway;
let browser: Browser;
let admin: Page;
let passwords: Record<string, string>;

before(async () => {
  demo = await startDemo(['--auth.adminPassword', ADMIN_PASSWORD]);
  passwords = await demoPasswords(demo);
  browser = await launchBrowser();
  admin = await signedIn(browser, demo.url, 'admin', ADMIN_PASSWORD, '#/console/people');
  await admin.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: demo.url });
});
after(async () => {
  await browser?.close();
  await demo?.stop();
});

const row = (username: string) => `[data-testid=people-list] tr[data-user="${username}"]`;
const form = '[data-testid=people-form]';
const cells = (page: Page, username: string) => page.$$eval(`${row(username)} td`, (tds) => tds.map((td) => td.textContent?.trim() ?? ''));

async function openPeople(): Promise<void> {
  await admin.click('[data-testid=console-tab-people]');
  await admin.waitForSelector('[data-testid=people-list]', WAIT);
}

/** Changes a first or temporary password in the must-change form and waits for the shell. */
async function changeFirstPassword(page: Page, current: string, next: string): Promise<void> {
  await page.waitForSelector('[data-testid=must-change-password]', WAIT);
  await page.fill('[data-testid=password-form] input[name=currentPassword]', current);
  await page.fill('[data-testid=password-form] input[name=newPassword]', next);
  await page.fill('[data-testid=password-form] input[name=confirm]', next);
  await page.click('[data-testid=password-form] button[type=submit]');
  await page.waitForSelector('[data-testid=who]', WAIT);
}

test('the People page lists the demo people with role, scope by grid name, source and last sign-in', async () => {
  await openPeople();
  // operator-east signs in once, so a last sign-in shows.
  const east = await signedIn(browser, demo.url, 'operator-east', passwords['operator-east']!);
  await east.context().close();
  await admin.reload();
  await admin.waitForSelector(row('operator-east'), WAIT);
  for (const name of ['admin', 'engineer', 'operator', 'dispatcher', 'operator-east']) await admin.waitForSelector(row(name));
  const [username, displayName, role, department, scope, source, status, lastSignIn] = await cells(admin, 'operator-east');
  assert.deepEqual([username, displayName, role, department, scope, source, status], ['operator-east', '东门街道值班员 (demo)', '视频巡查员', '—', '东门街道', '本地账号', '正常']);
  assert.match(lastSignIn!, /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}$/, `a time: ${lastSignIn}`);
  const dispatcher = await cells(admin, 'dispatcher');
  assert.equal(dispatcher[3], '城管执法大队', 'the department by its name');
  assert.equal(dispatcher[4], '全部');
  assert.equal((await cells(admin, 'engineer'))[7], '从未登录');
  await shot(admin, 'people');
});

test('a bad user name and a taken one are said at the field, and nothing is created', async () => {
  await openPeople();
  await admin.click('[data-testid=add-person]');
  await admin.waitForSelector(form);
  await admin.fill(`${form} [name=username]`, 'bad name!');
  await admin.click(`${form} [data-testid=save]`);
  await admin.waitForSelector(`${form} [data-field-error=username]`, WAIT);
  assert.equal(await admin.textContent(`${form} [data-field-error=username]`), '应为 1–64 个字母、数字或 _ . @ -（以字母或数字开头）');
  await admin.fill(`${form} [name=username]`, 'Operator');
  await admin.click(`${form} [data-testid=save]`);
  await admin.waitForFunction((sel) => document.querySelector(sel)?.textContent === '该用户名已被使用（不区分大小写）', `${form} [data-field-error=username]`, WAIT);
  const users = await demo.api<{ items: Array<{ username: string }> }>('admin', '/api/users');
  assert.ok(!users.items.some((u) => u.username === 'bad name!'));
  assert.equal(users.items.filter((u) => u.username.toLowerCase() === 'operator').length, 1);
  await admin.click(`${form} button:has-text("取消")`);
});

test('a person created on the People page (scope from the grid tree, password shown once) signs in and sees only their cells', async () => {
  await openPeople();
  await admin.click('[data-testid=add-person]');
  await admin.waitForSelector(form);
  await admin.fill(`${form} [name=username]`, 'zhao-patrol');
  await admin.fill(`${form} [name=displayName]`, '赵巡查');
  await admin.selectOption(`${form} [name=role]`, 'operator');
  await admin.check(`${form} [data-testid=scope-picker] input[value="310101001001"]`); // 东门社区
  assert.ok(await admin.isChecked(`${form} [data-testid=scope-picker] input[value="310101001001001"]`), 'a cell below is included');
  assert.ok(await admin.isDisabled(`${form} [data-testid=scope-picker] input[value="310101001001001"]`));
  await shot(admin, 'people-form');
  await admin.click(`${form} [data-testid=save]`);
  await admin.waitForSelector('[data-testid=temporary-password]', WAIT);
  const temporary = await admin.inputValue('[data-testid=temporary-password-secret]');
  assert.match(temporary, /^[A-Za-z0-9]{16}$/);
  await admin.click('[data-testid=temporary-password-copy]');
  await admin.waitForFunction(() => document.querySelector('[data-testid=temporary-password-copy]')?.textContent === '已复制', undefined, WAIT);
  assert.equal(await admin.evaluate(() => navigator.clipboard.readText()), temporary, 'the copy button put it on the clipboard');
  await shot(admin, 'people-temporary-password');
  const made = await cells(admin, 'zhao-patrol');
  assert.equal(made[1], '赵巡查');
  assert.equal(made[4], '东门社区');
  assert.match(made[6]!, /待改密码/);
  await admin.click('[data-testid=temporary-password] button:has-text("我已记下")');
  assert.equal(await admin.$('[data-testid=temporary-password]'), null, 'shown once: gone when noted');

  const zhao = await signInPage(browser, demo.url);
  await submitSignIn(zhao, 'zhao-patrol', temporary);
  await changeFirstPassword(zhao, temporary, 'River-Lamp-5521');
  await zhao.waitForSelector('.shell[data-role=operator][data-view=wall]');
  await zhao.waitForSelector('[data-testid=camera-tree] [data-camera="cam-dongmen-01"]', WAIT);
  const cams = await zhao.$$eval('[data-testid=camera-tree] [data-camera]', (els) => els.map((e) => (e as HTMLElement).dataset.camera));
  assert.ok(!cams.includes('cam-hedi-02') && !cams.includes('cam-drone-01'), `only 东门社区's cameras: ${cams.join(', ')}`);
  assert.match((await zhao.textContent('[data-testid=who]'))!, /^赵巡查 · 视频巡查员/);

  // Disabled on the People page: the open session ends at its next request, and signing in is refused.
  await openPeople();
  await admin.click(`${row('zhao-patrol')} [data-testid=edit-person]`);
  await admin.waitForSelector(`${form} [name=disabled]`, WAIT);
  await admin.selectOption(`${form} [name=role]`, 'dispatcher');
  await admin.check(`${form} [name=disabled]`);
  await admin.click(`${form} [data-testid=save]`);
  await admin.waitForSelector(`${row('zhao-patrol')}[data-state=offline]`, WAIT);
  const after = await cells(admin, 'zhao-patrol');
  assert.equal(after[2], '调度员');
  assert.match(after[6]!, /已停用/);
  await zhao.waitForSelector('[data-testid=signin-expired]', WAIT);
  await submitSignIn(zhao, 'zhao-patrol', 'River-Lamp-5521');
  await zhao.waitForSelector('[data-testid=signin-wrong]', WAIT);
  await zhao.context().close();
});

test('a reset shows a new temporary password once; the person must change it; delete removes them', async () => {
  const { body } = await adminCall<{ user: { id: string } }>(demo, 'POST', '/api/users', { username: 'qian-desk', role: 'dispatcher', displayName: '钱调度' });
  await openPeople();
  await admin.reload();
  await admin.waitForSelector(row('qian-desk'), WAIT);
  await admin.click(`${row('qian-desk')} [data-testid=reset-password]`);
  await admin.click(`${row('qian-desk')} [data-testid=confirm-reset]`);
  await admin.waitForSelector('[data-testid=temporary-password]', WAIT);
  assert.match((await admin.textContent('[data-testid=temporary-password] h2'))!, /钱调度/);
  const temporary = await admin.inputValue('[data-testid=temporary-password-secret]');
  await admin.click('[data-testid=temporary-password] button:has-text("我已记下")');

  const qian = await signInPage(browser, demo.url);
  await submitSignIn(qian, 'qian-desk', temporary);
  await changeFirstPassword(qian, temporary, 'Amber-Kite-6610');
  await qian.waitForSelector('.shell[data-role=dispatcher]', WAIT);

  await admin.click(`${row('qian-desk')} [data-testid=delete]`);
  await admin.click(`${row('qian-desk')} [data-testid=confirm-delete]`);
  await admin.waitForFunction((sel) => !document.querySelector(sel), row('qian-desk'), WAIT);
  assert.equal((await adminCall(demo, 'GET', `/api/users/${body.user.id}`)).status, 404);
  await qian.waitForSelector('[data-testid=signin-expired]', WAIT);
  await qian.context().close();
});

test('an API key made on the keys page has its role and scope, its secret shown once; revoked, it is refused', async () => {
  await admin.click('[data-testid=console-tab-keys]');
  await admin.waitForSelector('[data-testid=keys-list]', WAIT);
  const keyForm = '[data-testid=key-form]';
  await admin.click(`${keyForm} [data-testid=create-key]`);
  await admin.waitForSelector(`${keyForm} [data-field-error=name]`, WAIT);
  await admin.fill(`${keyForm} [name=name]`, '东门大屏');
  await admin.selectOption(`${keyForm} [name=role]`, 'operator');
  await admin.check(`${keyForm} [data-testid=scope-picker] input[value="310101001"]`);
  await admin.click(`${keyForm} [data-testid=create-key]`);
  await admin.waitForSelector('[data-testid=new-key]', WAIT);
  const secret = await admin.inputValue('[data-testid=new-key-secret]');
  assert.match(secret, /^gwk_/);
  await shot(admin, 'keys');
  const me = await fetch(`${demo.url}/api/me`, { headers: { authorization: `Bearer ${secret}` } });
  assert.equal(me.status, 200);
  const who = (await me.json()) as { role: string; scope: string[] };
  assert.equal(who.role, 'operator');
  assert.deepEqual(who.scope, ['310101001']);
  const keyRow = admin.locator('[data-testid=keys-list] tr', { hasText: '东门大屏' });
  assert.equal((await keyRow.locator('td').nth(2).textContent())?.trim(), '东门街道');
  await admin.click('[data-testid=new-key] button:has-text("我已记下")');
  await keyRow.locator('[data-testid=revoke-key]').click();
  await keyRow.locator('[data-testid=confirm-revoke]').click();
  await keyRow.locator('.badge.offline').waitFor(WAIT);
  assert.equal((await fetch(`${demo.url}/api/me`, { headers: { authorization: `Bearer ${secret}` } })).status, 401);
});

test('engineers have no People or API keys pages', async () => {
  const engineer = await signedIn(browser, demo.url, 'engineer', passwords.engineer!, '#/console/people');
  await engineer.waitForSelector('[data-testid=console]', WAIT);
  assert.equal(await engineer.getAttribute('[data-testid=console]', 'data-tab'), 'channels');
  const tabs = await engineer.$$eval('.console-tabs a', (as) => as.map((a) => (a as HTMLElement).dataset.testid));
  assert.deepEqual(tabs, ['console-tab-channels', 'console-tab-sensors', 'console-tab-import', 'console-tab-onvif']);
  await engineer.context().close();
});

test('with single sign-on off (this demo) the sign-in page offers no single sign-on button', async () => {
  const page = await signInPage(browser, demo.url);
  await page.waitForSelector('[data-testid=use-api-key]', WAIT);
  // Once /api/auth/config has answered, the button would be there.
  await page.waitForFunction(() => performance.getEntriesByType('resource').some((e) => e.name.endsWith('/api/auth/config')), undefined, WAIT);
  await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 500))); // its answer painted
  assert.equal(await page.$('[data-testid=signin-sso]'), null);
  await page.context().close();
});
