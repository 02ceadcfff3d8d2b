// Headless Debian Chromium driven by playwright-core (no browser download):
// a page signed in to the wall with a role's key, and screenshots saved under
// artifacts/screenshots/ for a person to look at.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = join(process.cwd(), 'artifacts', 'screenshots');
const FLAGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
  '--autoplay-policy=no-user-gesture-required',
];

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
}

export interface PageOptions {
  locale?: 'zh-CN' | 'en';
  viewport?: { width: number; height: number };
}

// A string, not a function: tsx would wrap a function's inner functions in a helper the page lacks.
const UNCAUGHT_REPORTER = `(() => {
  const describe = (v) => (v instanceof Error ? v.name + ': ' + v.message : typeof v + ' ' + String(v) + ' (' + (v && v.constructor ? v.constructor.name : '-') + ')');
  window.addEventListener('error', (e) => console.error('[uncaught] ' + describe(e.error) + ' at ' + e.filename + ':' + e.lineno + ':' + e.colno));
  window.addEventListener('unhandledrejection', (e) => console.error('[unhandled rejection] ' + describe(e.reason)));
})();`;

/** A fresh context (no stored key), the wall opened at `hash`, logged in with `key`. */
export async function openWall(browser: Browser, baseUrl: string, key: string, hash = '', opts: PageOptions = {}): Promise<Page> {
  const context = await browser.newContext({ locale: opts.locale ?? 'zh-CN', viewport: opts.viewport ?? { width: 1600, height: 900 } });
  // Where an uncaught error came from in the (minified) bundle, and what was thrown: a page error's own
  // message can be a minified name and its stack empty.
  await context.addInitScript({ content: UNCAUGHT_REPORTER });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (err) => {
    problems.push(err.message);
    console.log(`page error: ${err.stack || err.message}`);
  });
  page.on('console', (m) => {
    if (m.type() === 'error' && /^\[(uncaught|unhandled rejection)\]/.test(m.text())) console.log(`page error detail: ${m.text()}`);
  });
  (page as Page & { problems?: string[] }).problems = problems;
  await page.goto(`${baseUrl}/${hash}`);
  await page.click('[data-testid=use-api-key]'); // people sign in with a password; a key is the sign-in page's second way
  await page.fill('input[name=apiKey]', key);
  await page.click('[data-testid=login-form] button[type=submit]');
  await page.waitForSelector('[data-testid=who]');
  return page;
}

/** Puts a camera of the wall's tree into tile `index` and waits until the tile plays it. */
export async function playInTile(page: Page, channelId: string, index = 0, timeoutMs = 90_000): Promise<void> {
  const tile = `[data-testid=tile-${index}]`;
  await page.waitForSelector(`[data-camera="${channelId}"]`, { timeout: 30_000 });
  await page.click(tile);
  await page.click(`[data-camera="${channelId}"]`);
  await page.waitForSelector(`${tile}[data-state=playing]`, { timeout: timeoutMs });
}

/** Uncaught errors the page threw so far. */
export const pageErrors = (page: Page): string[] => (page as Page & { problems?: string[] }).problems ?? [];

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}
