// Signing people in to the wall in a real browser, for the sign-in and People
// tests: the demo started with a known admin password, the demo people's
// passwords read from what it printed once, and a page signed in by name and
// password through the sign-in form.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS } from './browser.ts';
import type { DemoGateway } from './demo.ts';

export const WAIT = { timeout: 60_000 };
/** The first admin's password, given on the command line (auth.adminPassword: no change required). */
export const ADMIN_PASSWORD = 'Kommando-Zentrale-2026';
export const SHOTS = join(ARTIFACTS, 'signin');

/** Screenshots of these tests go to artifacts/screenshots/signin/<name>.png. */
export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

const DEMO_PEOPLE = ['engineer', 'operator', 'dispatcher', 'operator-east'];

/** The demo people's passwords, as the demo printed them once at its first start (just after the gateway listens). */
export async function demoPasswords(demo: DemoGateway): Promise<Record<string, string>> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const out: Record<string, string> = { admin: ADMIN_PASSWORD };
    for (const m of demo.output().matchAll(/^ {3}(engineer|operator|dispatcher|operator-east) +(\S+) +\w+/gm)) out[m[1]!] = m[2]!;
    if (DEMO_PEOPLE.every((name) => out[name])) return out;
    if (Date.now() > deadline) throw new Error(`the demo did not print its people's passwords:\n${demo.output().slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A fresh browser context (its own cookie jar) on the sign-in page. */
export async function signInPage(browser: Browser, url: string, locale: 'zh-CN' | 'en' = 'zh-CN', hash = ''): Promise<Page> {
  const context = await browser.newContext({ locale, viewport: { width: 1600, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (err) => console.log(`page error: ${err.stack ?? err.message}`));
  await page.goto(`${url}/${hash}`);
  await page.waitForSelector('[data-testid=signin-form]', WAIT);
  return page;
}

/** Types the name and password into the sign-in form and sends it (the outcome is the caller's to wait for). */
export async function submitSignIn(page: Page, username: string, password: string): Promise<void> {
  await page.fill('[data-testid=signin-form] input[name=username]', username);
  await page.fill('[data-testid=signin-form] input[name=password]', password);
  await page.click('[data-testid=signin-form] button[type=submit]');
}

/** A fresh context signed in as this person, on the shell. */
export async function signedIn(browser: Browser, url: string, username: string, password: string, hash = ''): Promise<Page> {
  const page = await signInPage(browser, url, 'zh-CN', hash);
  await submitSignIn(page, username, password);
  await page.waitForSelector('[data-testid=who]', WAIT);
  return page;
}

/** The demo's API as the admin key (no cookie, no CSRF token), answering the status and body. */
export async function adminCall<T = unknown>(demo: DemoGateway, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(demo.url + path, {
    method,
    headers: { authorization: `Bearer ${demo.keys.admin}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}
