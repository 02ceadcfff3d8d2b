// The gateway as a real process on a real port: first start prints the admin
// key once, data survives a restart, SIGTERM lets in-flight work finish, and
// bad configuration, a busy port or an unwritable data dir stop it at once
// with every problem listed.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { spawnGateway } from './helpers/process.ts';

const dir = mkdtempSync(join(tmpdir(), 'gw-proc-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const dataDir = join(dir, 'data');
const base = ['--config', 'configs/demo.yaml', '--dataDir', dataDir, '--http.host', '127.0.0.1', '--http.port', '0', '--video.rtmp.port', '0', '--sensors.broker.port', '0', '--gb28181.port', '0'];

const api = (url: string, key: string, path: string, init: RequestInit = {}) =>
  fetch(`${url}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...init.headers } });

let adminKey = '';

test('first start: demo registry seeded, admin key printed once, API served on a real port', async () => {
  const gw = spawnGateway(base);
  const url = await gw.listening();
  adminKey = /GATEWAY ADMIN KEY: (\S+)/.exec(gw.stdout())?.[1] ?? '';
  assert.match(adminKey, /^gwk_/);
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  assert.equal((await fetch(`${url}/api/channels`)).status, 401);
  const channels = await (await api(url, adminKey, '/api/channels')).json();
  assert.equal(channels.total, 5);
  assert.ok(channels.items.some((c: { name: string }) => c.name === '东门广场-01'));
  const created = await api(url, adminKey, '/api/sensors', {
    method: 'POST',
    body: JSON.stringify({ id: 'gas-9', name: '燃气-9', kind: 'gas', mqtt: { clientId: 'gas-9', username: 'gas-9', password: 'gas-9-password' }, gridCode: '310101' }),
  });
  assert.equal(created.status, 201);
  const docs = await fetch(`${url}/docs/json`);
  assert.ok(Object.keys((await docs.json()).paths).includes('/api/channels/{id}'));
  gw.proc.kill('SIGTERM');
  assert.equal(await gw.exit, 0);
  assert.match(gw.stdout(), /"msg":"gateway stopped"/);
});

test('restart: same data, no new key printed, the seed does not duplicate', async () => {
  const gw = spawnGateway(base);
  const url = await gw.listening();
  assert.doesNotMatch(gw.stdout(), /GATEWAY ADMIN KEY/);
  assert.equal((await (await api(url, adminKey, '/api/channels')).json()).total, 5);
  assert.equal((await api(url, adminKey, '/api/sensors/gas-9')).status, 200);
  gw.proc.kill('SIGTERM');
  assert.equal(await gw.exit, 0);
});

test('SIGTERM during a bulk import: the import finishes and is on disk', async () => {
  const gw = spawnGateway(base);
  const url = await gw.listening();
  const rows = Array.from({ length: 3000 }, (_, i) => `bulk-${i},批量-${i},rtsp,rtsp://10.9.${i >> 8}.${i & 255}/ch1,310101`);
  const body = ['id,name,kind,source.url,gridCode', ...rows].join('\n');
  const pending = api(url, adminKey, '/api/import?entity=channels', { method: 'POST', body, headers: { 'content-type': 'text/csv' } });
  // SIGTERM once the gateway has the request (a fixed pause raced a busy machine: the request came after the close, 503).
  const received = () => /"url":"\/api\/import[^"]*","ip"[^\n]*"msg":"incoming request"/.test(gw.stdout());
  for (const deadline = Date.now() + 20_000; !received(); ) {
    assert.ok(Date.now() < deadline, 'the gateway logged the import request');
    await new Promise((r) => setTimeout(r, 5));
  }
  gw.proc.kill('SIGTERM');
  const res = await pending;
  assert.equal(res.status, 200);
  assert.equal((await res.json()).written, 3000);
  assert.equal(await gw.exit, 0);

  const again = spawnGateway(base);
  const url2 = await again.listening();
  assert.equal((await (await api(url2, adminKey, '/api/channels?q=bulk-&limit=1')).json()).total, 3000);
  again.proc.kill('SIGTERM');
  assert.equal(await again.exit, 0);
});

test('a configured admin key is installed instead of a printed one', async () => {
  const key = 'configured-admin-key-0123456789';
  const gw = spawnGateway(['--dataDir', join(dir, 'configured'), '--http.host', '127.0.0.1', '--http.port', '0', '--video.rtmp.port', '0', '--sensors.broker.port', '0', '--gb28181.port', '0'], { GATEWAY_AUTH__ADMIN_KEY: key });
  const url = await gw.listening();
  assert.doesNotMatch(gw.stdout(), /GATEWAY ADMIN KEY/);
  assert.equal((await api(url, key, '/api/me')).status, 200);
  gw.proc.kill('SIGINT');
  assert.equal(await gw.exit, 0);
});

test('bad configuration: exits non-zero listing every problem by path', async () => {
  const gw = spawnGateway(['--http.port', '99999', '--log.level', 'loud', '--dataDir', dataDir, '--sensors.broker.port', '0', '--gb28181.port', '0']);
  assert.equal(await gw.exit, 78);
  assert.match(gw.stderr(), /http\.port: must be <= 65535/);
  assert.match(gw.stderr(), /log\.level: must be one of/);
});

test('busy port and unwritable data dir: both reported, nothing started', async () => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as AddressInfo).port;
  const notADir = join(dir, 'a-file');
  writeFileSync(notADir, 'x');
  try {
    const gw = spawnGateway(['--dataDir', join(notADir, 'data'), '--http.host', '127.0.0.1', '--http.port', String(port), '--video.rtmp.port', '0', '--sensors.broker.port', '0', '--gb28181.port', '0']);
    assert.equal(await gw.exit, 78);
    assert.match(gw.stderr(), new RegExp(`http\\.port: port ${port} on 127\\.0\\.0\\.1 is already in use`));
    assert.match(gw.stderr(), /dataDir: .* is not a writable directory \(ENOTDIR\)/);
  } finally {
    blocker.close();
  }
});

test('a broken seed is reported by path', async () => {
  const seed = join(dir, 'bad-seed.yaml');
  writeFileSync(seed, 'seed:\n  channels:\n    - { id: c1, name: x, kind: rtsp, source: { url: "http://nope" } }\n');
  const gw = spawnGateway(['--config', seed, '--dataDir', join(dir, 'seeded'), '--http.port', '0', '--video.rtmp.port', '0', '--sensors.broker.port', '0', '--gb28181.port', '0']);
  assert.equal(await gw.exit, 78);
  assert.match(gw.stderr(), /seed\.channels\.0\.source\.url: not an rtsp:\/\/ URL/);
});
