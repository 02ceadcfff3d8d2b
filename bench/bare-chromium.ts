// Headless Chromium with nothing attached but a thin DevTools connection that
// enables only what a memory benchmark reads (Runtime, Performance). Playwright
// enables the Network domain on every page it drives, and Chromium's network
// agent then keeps a copy of every response body (each HLS segment the tiles
// load) for the inspector: a page playing video under Playwright grows by its
// bitrate until that buffer is full, which a wall in a hall (no DevTools) never
// does. Used by bench/big-screen.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { CHROMIUM } from '../test/helpers/browser.ts';

const FLAGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
  '--autoplay-policy=no-user-gesture-required', '--remote-debugging-port=0',
];

export interface BarePage {
  /** One DevTools command on the page. */
  send<T = unknown>(method: string, params?: object): Promise<T>;
  /** A page expression's value (JSON-serialisable), awaited. */
  evaluate<T>(expression: string): Promise<T>;
  /** Polls an expression until it is truthy. */
  waitFor(expression: string, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

async function devToolsPort(dir: string, chrome: ChildProcess): Promise<number> {
  for (let i = 0; i < 600; i++) {
    if (chrome.exitCode !== null) throw new Error(`chromium exited (${chrome.exitCode})`);
    try {
      return Number(readFileSync(join(dir, 'DevToolsActivePort'), 'utf8').split('\n')[0]);
    } catch {
      await new Promise((r) => setTimeout(r, 100)); // not written yet
    }
  }
  throw new Error('chromium did not open its DevTools port in 60 s');
}

/** Chromium at `viewport`, showing `url`, signed in with an API key (stored as the wall's "remember me" does). */
export async function openBare(url: string, apiKey: string, viewport: { width: number; height: number }): Promise<BarePage> {
  const dir = mkdtempSync(join(tmpdir(), 'bare-chromium-'));
  const chrome = spawn(CHROMIUM, [...FLAGS, `--user-data-dir=${dir}`, `--window-size=${viewport.width},${viewport.height}`, 'about:blank'], { stdio: 'ignore' });
  // A benchmark that dies does not leave its browser behind.
  process.once('exit', () => chrome.kill());
  const port = await devToolsPort(dir, chrome);
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{ type: string; webSocketDebuggerUrl: string }>;
  const target = targets.find((t) => t.type === 'page');
  if (!target) throw new Error('chromium has no page');
  const ws = new WebSocket(target.webSocketDebuggerUrl, { maxPayload: 1 << 30 });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  let next = 1;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
    const w = msg.id === undefined ? undefined : waiting.get(msg.id);
    if (!w) return; // an event: nothing here subscribes
    waiting.delete(msg.id!);
    if (msg.error) w.reject(new Error(msg.error.message));
    else w.resolve(msg.result);
  });
  const send = <T,>(method: string, params: object = {}) => new Promise<T>((resolve, reject) => {
    const id = next++;
    waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
    ws.send(JSON.stringify({ id, method, params }));
  });
  const evaluate = async <T,>(expression: string): Promise<T> => {
    const r = await send<{ result: { value: T }; exceptionDetails?: { text: string } }>('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
    if (r.exceptionDetails) throw new Error(`page: ${r.exceptionDetails.text}`);
    return r.result.value;
  };
  const waitFor = async (expression: string, timeoutMs: number) => {
    const until = Date.now() + timeoutMs;
    // A page between two documents (a reload, a sign-in) answers "not attached": asked again.
    while (!(await evaluate<boolean>(`Boolean(${expression})`).catch(() => false))) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${expression}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  await send('Emulation.setDeviceMetricsOverride', { ...viewport, deviceScaleFactor: 1, mobile: false });
  const origin = new URL(url).origin;
  await send('Page.navigate', { url });
  // about:blank is "complete" too: wait for the wall's own document.
  await waitFor(`location.origin === ${JSON.stringify(origin)} && document.readyState === 'complete'`, 60_000);
  await evaluate(`localStorage.setItem('gw.apiKey', ${JSON.stringify(apiKey)})`);
  await send('Page.reload'); // the wall reads the stored key when it loads
  return {
    send, evaluate, waitFor,
    close: async () => {
      ws.close();
      chrome.kill();
      await new Promise((r) => chrome.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
