// Export jobs of a real gateway process: each is its creator's (another key of
// the same role gets the 404 of an id that never was, by header or URL token;
// an admin sees everyone's), and they survive the gateway: a graceful restart
// keeps done jobs downloadable, and after a kill -9 with exports queued and
// running every one of them is done (the running one started over) and no
// half-written file is left; a done one expires after keepHours. The wall's
// export panel lists one's own recent exports (Chromium, zh-CN and en).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import type { Browser } from 'playwright-core';
import { ARTIFACTS, launchBrowser, openWall, pageErrors } from './helpers/browser.ts';
import { spawnGateway, type GatewayProcess } from './helpers/process.ts';
import { CLIP_DIR, waitFor } from './helpers/video.ts';
import { startCameraSimulator, type CameraSimulator } from './sim/camera-sim.ts';

const run = promisify(execFile);
const ADMIN = 'recording-exports-admin-key-0123456789';
const SEGMENT_SECONDS = 2;
const dir = mkdtempSync(join(tmpdir(), 'gw-rec-exports-'));
const exportsDir = join(dir, 'exports');
const args = [
  '--dataDir', dir, '--http.host', '127.0.0.1', '--http.port', '0', '--video.enabled', 'true', '--video.rtmp.port', '0', '--video.rtmp.flvHttpPort', '0',
  '--video.startStaggerMs', '0', '--sensors.broker.port', '0', '--gb28181.port', '0', '--gb28181.media.portMin', '0', '--gb28181.media.portMax', '0',
  '--recording.segmentSeconds', String(SEGMENT_SECONDS), '--recording.exports.concurrent', '1', '--log.level', 'info',
];
const env = { GATEWAY_AUTH__ADMIN_KEY: ADMIN };
let sim: CameraSimulator;
let gw: GatewayProcess;
let base: string;
const keys: Record<'one' | 'two' | 'operator', { id: string; secret: string }> = {} as never;

type Job = { id: string; state: string; progress: number; bytes: number; seconds: number; node: string; download?: string; reason?: string; createdBy?: { id: string; name: string } };
type Seg = { start: string; end: string };

const call = (secret: string, path: string, init: RequestInit = {}) =>
  fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${secret}`, ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers } });
const json = async <T>(res: Response | Promise<Response>): Promise<T> => {
  const r = await res;
  assert.ok(r.ok, `${r.url}: ${r.status} ${await r.clone().text()}`);
  return (await r.json()) as T;
};

async function start(): Promise<void> {
  gw = spawnGateway(args, env);
  base = await gw.listening();
}
async function stop(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  gw.proc.kill(signal);
  await gw.exit;
}

before(async () => {
  sim = await startCameraSimulator({ clipDir: CLIP_DIR, streams: [{ path: 'cam', clip: 'h264-360p' }] });
  await sim.waitReady('cam', 60_000);
  await start();
  const made = await call(ADMIN, '/api/channels', { method: 'POST', body: JSON.stringify({ id: 'cam-ex', name: '北门 ex', kind: 'rtsp', source: { url: sim.url('cam') }, recording: { mode: 'continuous' } }) });
  assert.equal(made.status, 201, await made.text());
  for (const [name, role] of [['one', 'dispatcher'], ['two', 'dispatcher'], ['operator', 'operator']] as const) {
    keys[name] = await json(call(ADMIN, '/api/keys', { method: 'POST', body: JSON.stringify({ name: `exports ${name}`, role }) }));
  }
  await waitFor(async () => ((await footage()).length >= 6 ? true : undefined), 90_000, 'six segments');
});
after(async () => {
  if (gw && gw.proc.exitCode === null) await stop('SIGTERM');
  await sim?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const footage = async () =>
  (await json<{ segments: Seg[] }>(call(ADMIN, `/api/channels/cam-ex/recordings?from=${Date.now() - 3_600_000}&to=${Date.now() + 60_000}`))).segments;
/** Asks for an export of the footage recorded so far (minus the last second). */
async function exportAll(secret: string): Promise<Job> {
  const segs = await footage();
  const body = { from: segs[0]!.start, to: Date.parse(segs.at(-1)!.end) - 1000 };
  const res = await call(secret, '/api/channels/cam-ex/exports', { method: 'POST', body: JSON.stringify(body) });
  assert.equal(res.status, 202, await res.clone().text());
  return (await res.json()) as Job;
}
const doneJob = (secret: string, id: string, timeoutMs = 60_000) => waitFor(async () => {
  const job = await json<Job>(call(secret, `/api/exports/${id}`));
  assert.notEqual(job.state, 'failed', job.reason);
  return job.state === 'done' ? job : undefined;
}, timeoutMs, `export ${id} done`);
const urlToken = async (secret: string) => (await json<{ token: string }>(call(secret, '/api/url-tokens', { method: 'POST' }))).token;
async function mp4Seconds(bytes: ArrayBuffer): Promise<number> {
  const file = join(dir, `probe-${Math.random().toString(36).slice(2)}.mp4`);
  writeFileSync(file, Buffer.from(bytes));
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]);
  rmSync(file);
  return Number(stdout.trim());
}

let first: Job;
let second: Job;

test('an export is its creator\'s: another dispatcher gets the 404 of an unknown id (by key and by URL token); the list is one\'s own; an admin sees everyone\'s with createdBy', async () => {
  first = await doneJob(keys.one.secret, (await exportAll(keys.one.secret)).id);
  assert.equal(first.createdBy, undefined, 'a dispatcher\'s view does not name the creator');

  const unknown = '00000000-0000-4000-8000-000000000000';
  const missing = await call(keys.two.secret, `/api/exports/${unknown}`);
  const hidden = await call(keys.two.secret, `/api/exports/${first.id}`);
  assert.equal(hidden.status, 404);
  const [a, b] = [(await missing.json()) as { code: string; message: string }, (await hidden.json()) as { code: string; message: string }];
  assert.deepEqual({ code: b.code, message: b.message.replace(first.id, unknown) }, { code: a.code, message: a.message }, 'no hint that it exists');
  assert.equal((await call(keys.two.secret, `/api/exports/${first.id}/download`)).status, 404);
  assert.equal((await fetch(`${base}/api/exports/${first.id}/download?access_token=${await urlToken(keys.two.secret)}`)).status, 404);
  assert.equal((await call(keys.operator.secret, `/api/exports/${first.id}`)).status, 403, 'an operator may not export at all');

  const mine = await fetch(`${base}${first.download}?access_token=${await urlToken(keys.one.secret)}`);
  assert.equal(mine.status, 200);
  assert.equal((await mine.arrayBuffer()).byteLength, first.bytes);

  second = await exportAll(keys.two.secret);
  const listOf = async (secret: string) => (await json<{ items: Job[] }>(call(secret, '/api/exports'))).items;
  assert.deepEqual((await listOf(keys.one.secret)).map((j) => j.id), [first.id]);
  assert.deepEqual((await listOf(keys.two.secret)).map((j) => j.id), [second.id]);
  const all = await listOf(ADMIN);
  assert.deepEqual(all.map((j) => j.id), [second.id, first.id], 'newest first');
  assert.deepEqual(all.map((j) => j.createdBy), [{ id: keys.two.id, name: 'exports two' }, { id: keys.one.id, name: 'exports one' }]);
  assert.equal((await json<Job>(call(ADMIN, `/api/exports/${first.id}`))).state, 'done', 'an admin reads anyone\'s');
  await doneJob(keys.two.secret, second.id);
});

test('the wall\'s export panel lists the person\'s own recent exports with state and a download link (zh-CN and en)', async () => {
  const shots = join(ARTIFACTS, 'recording-exports');
  mkdirSync(shots, { recursive: true });
  const browser: Browser = await launchBrowser();
  try {
    for (const [who, locale, mine, theirs, done] of [['one', 'zh-CN', first, second, '下载 MP4'], ['two', 'en', second, first, 'Download MP4']] as const) {
      const page = await openWall(browser, base, keys[who].secret, '#/wall', { locale });
      await page.waitForSelector('[data-camera=cam-ex]');
      await page.click('[data-testid=tile-0]');
      await page.click('[data-camera=cam-ex]');
      await page.click('[data-testid=tile-0]');
      await page.waitForSelector('[data-testid=timeline][data-channel=cam-ex]');
      await page.click('[data-testid=export-button]');
      const item = await page.waitForSelector(`[data-testid=my-export][data-id="${mine.id}"][data-state=done]`, { timeout: 30_000 });
      const link = (await item.$('a'))!;
      assert.match(await link.innerText(), new RegExp(done));
      assert.match((await link.getAttribute('href'))!, new RegExp(`^/api/exports/${mine.id}/download\\?access_token=`));
      assert.equal(await page.$(`[data-testid=my-export][data-id="${theirs.id}"]`), null, 'not another\'s');
      assert.match(await page.innerText('[data-testid=my-exports]'), locale === 'en' ? /My exports/ : /我的导出/);
      const path = join(shots, `my-exports-${locale}.png`);
      await page.screenshot({ path });
      console.log(`screenshot: ${path}`);
      assert.deepEqual(pageErrors(page), []);
      await page.close();
    }
  } finally {
    await browser.close();
  }
});

test('a graceful restart: a done export still downloads (the same bytes); a file of no job in the exports folder is swept', async () => {
  const before = Buffer.from(await (await call(keys.one.secret, first.download!)).arrayBuffer());
  await stop('SIGTERM');
  writeFileSync(join(exportsDir, 'left-over.mp4'), 'not a job');
  await start();
  const again = await json<Job>(call(keys.one.secret, `/api/exports/${first.id}`));
  assert.equal(again.state, 'done');
  assert.equal((await call(keys.two.secret, `/api/exports/${first.id}`)).status, 404, 'still only its creator\'s');
  const after = Buffer.from(await (await call(keys.one.secret, first.download!)).arrayBuffer());
  assert.ok(after.equals(before), 'the same MP4');
  await waitFor(() => (readdirSync(exportsDir).includes('left-over.mp4') ? undefined : true), 30_000, 'the stray file swept');
});

test('kill -9 with exports running and queued: after the restart every one is done (the running one started over), whole, and no temporary file is left', async () => {
  // Five asked at once, one runs at a time: the kill comes while the first runs and the others wait.
  const asked = await Promise.all([1, 2, 3, 4, 5].map(() => exportAll(keys.one.secret)));
  await stop('SIGKILL');
  // What the store holds at the kill (the gateway's SQLite file).
  const db = new Database(join(dir, 'recordings.db'), { readonly: true });
  const states = db.prepare(`SELECT id, state FROM recording_exports WHERE id IN (${asked.map(() => '?').join(',')})`).all(...asked.map((j) => j.id)) as Array<{ id: string; state: string }>;
  db.close();
  console.log(`at the kill: ${states.map((s) => s.state).join(', ')}`);
  assert.equal(states.length, asked.length, 'every job was saved before its 202');
  assert.ok(states.some((s) => s.state === 'running'), 'the kill came while one ran');
  assert.ok(states.some((s) => s.state === 'queued'), 'and others waited');

  await start();
  for (const job of asked) {
    const done = await doneJob(keys.one.secret, job.id, 120_000);
    const res = await call(keys.one.secret, done.download!);
    assert.equal(res.status, 200);
    const seconds = await mp4Seconds(await res.arrayBuffer());
    assert.ok(Math.abs(seconds - done.seconds) <= 1, `MP4 of ${seconds} s for ${done.seconds} s`);
  }
  const names = readdirSync(exportsDir);
  assert.deepEqual(names.filter((n) => !n.endsWith('.mp4')), [], 'no concat list or temporary file left');
  for (const job of asked) assert.ok(names.includes(`${job.id}.mp4`));
  assert.match(gw.stdout(), /was running when the gateway stopped; started over/, 'the running one was started over (logged)');
});

test('a done export downloads until it expires (keepHours), then it is a 404, unlisted, and its file is gone', async () => {
  await stop('SIGTERM');
  args.push('--recording.exports.keepHours', '0.002'); // 7.2 s
  await start();
  const job = await doneJob(keys.one.secret, (await exportAll(keys.one.secret)).id);
  assert.equal((await call(keys.one.secret, job.download!)).status, 200);
  const expiresAt = Date.parse((job as Job & { expiresAt: string }).expiresAt);
  assert.ok(expiresAt - Date.now() <= 7200 && expiresAt > Date.now() - 1000, `expires at ${new Date(expiresAt).toISOString()}`);
  await waitFor(() => (readdirSync(exportsDir).includes(`${job.id}.mp4`) ? undefined : true), 60_000, 'the file swept after it expired');
  assert.equal((await call(keys.one.secret, `/api/exports/${job.id}`)).status, 404);
  assert.equal((await call(keys.one.secret, job.download!)).status, 404);
  assert.ok(!(await json<{ items: Job[] }>(call(keys.one.secret, '/api/exports'))).items.some((j) => j.id === job.id));
  assert.equal((await json<Job>(call(keys.one.secret, `/api/exports/${first.id}`))).state, 'done', 'one done under the old keepHours keeps its own expiry');
});
