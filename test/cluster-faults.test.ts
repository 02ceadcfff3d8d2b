// The engines a scale-out node depends on, missing or lost: PostgreSQL or
// NATS unreachable at start (a clear error naming the setting, after retrying),
// one that comes up late (the node waits for it), and NATS lost mid-run (the
// node keeps serving; machine raises are refused visibly, people's reports are
// kept and reach the wall once NATS is back).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CLUSTER_KEY } from './helpers/gateway-cluster.ts';
import { freePort } from './helpers/mosquitto.ts';
import { startNats, type Nats } from './helpers/nats.ts';
import { startPostgres, type Postgres } from './helpers/postgres.ts';
import { spawnGateway } from './helpers/process.ts';
import { openSse } from './helpers/sse.ts';
import { waitFor } from './helpers/video.ts';

let postgres: Postgres;
let nats: Nats;
const dir = mkdtempSync(join(tmpdir(), 'gw-faults-'));
before(async () => {
  postgres = await startPostgres();
  nats = await startNats();
});
after(async () => {
  await nats?.close();
  await postgres?.close();
  rmSync(dir, { recursive: true, force: true });
});

const base = (name: string) => ['--dataDir', join(dir, name), '--http.host', '127.0.0.1', '--http.port', '0', '--video.enabled', 'false', '--sensors.enabled', 'false', '--gb28181.enabled', 'false'];
const scaleOut = (dbUrl: string, natsUrl: string) => [
  '--store.database', 'postgres', '--store.postgres.url', dbUrl, '--store.events', 'nats', '--store.nats.servers', `[${natsUrl}]`,
  '--cluster.enabled', 'true', '--cluster.leaseTtlSeconds', '4', '--cluster.tickSeconds', '0.5',
];
const env = { GATEWAY_AUTH__ADMIN_KEY: CLUSTER_KEY };

test('PostgreSQL unreachable at start: retried, then a clear error naming store.postgres.url (password not shown); exit 78', async () => {
  const port = await freePort();
  const gw = spawnGateway([...base('no-pg'), '--store.database', 'postgres', '--store.postgres.url', `postgres://gw:s3cret@127.0.0.1:${port}/gateway`, '--store.postgres.connectTimeoutSeconds', '2'], env);
  assert.equal(await gw.exit, 78);
  assert.match(gw.stderr(), /store\.postgres\.url: PostgreSQL at postgres:\/\/\[REDACTED\]@127\.0\.0\.1:\d+\/gateway is unreachable after \d+ attempt/);
  assert.match(gw.stdout(), /not reachable yet; retrying/);
  assert.doesNotMatch(gw.stderr() + gw.stdout(), /s3cret/);
});

test('NATS unreachable at start: retried, then a clear error naming store.nats.servers; exit 78', async () => {
  const dbUrl = await postgres.createDatabase('no_nats');
  const gw = spawnGateway([...base('no-nats'), ...scaleOut(dbUrl, `nats://127.0.0.1:${await freePort()}`), '--store.nats.connectTimeoutSeconds', '2'], env);
  assert.equal(await gw.exit, 78);
  assert.match(gw.stderr(), /store\.nats\.servers: NATS at nats:\/\/127\.0\.0\.1:\d+ is unreachable/);
});

test('PostgreSQL that comes up after the node: the node waits for it; lost mid-run: 503 with a reason, not 500, and back when it returns', async () => {
  const dbUrl = await postgres.createDatabase('late_pg');
  await postgres.stop();
  const gw = spawnGateway([...base('late-pg'), ...scaleOut(dbUrl, nats.url)], env);
  try {
    await waitFor(() => (/PostgreSQL at .* not reachable yet; retrying/.test(gw.stdout()) ? true : undefined), 20_000, 'a retry logged');
    await postgres.start();
    const url = await gw.listening();
    assert.equal((await fetch(`${url}/readyz`)).status, 200);
    const channels = () => fetch(`${url}/api/channels`, { headers: { authorization: `Bearer ${CLUSTER_KEY}` } });
    assert.equal((await channels()).status, 200);

    await postgres.stop();
    const down = await channels();
    assert.equal(down.status, 503);
    assert.equal(((await down.json()) as { code: string }).code, 'GW_ERR_UNAVAILABLE');
    assert.equal((await fetch(`${url}/readyz`)).status, 503);
    await postgres.start();
    await waitFor(async () => ((await channels()).status === 200 ? true : undefined), 20_000, 'the API back with the database');
  } finally {
    gw.proc.kill('SIGTERM');
    await gw.exit;
  }
});

test('NATS lost mid-run: machine raises are refused with 503 (nothing silently dropped), reports are kept and reach the wall once NATS is back', async () => {
  const dbUrl = await postgres.createDatabase('nats_outage');
  const gw = spawnGateway([...base('nats-outage'), ...scaleOut(dbUrl, nats.url)], env);
  const url = await gw.listening();
  const api = (path: string, init: RequestInit = {}) => fetch(`${url}${path}`, { ...init, headers: { authorization: `Bearer ${CLUSTER_KEY}`, 'content-type': 'application/json' } });
  const candidate = { type: 'gas_leak', severity: 'critical', source: { kind: 'sensor', id: 'gas-7' }, occurredAt: Date.now(), title: '燃气 7' };
  try {
    const sse = await openSse(`${url}/api/events?types=incident.created`, { authorization: `Bearer ${CLUSTER_KEY}` });
    await nats.stop();
    const refused = await api('/api/incidents/candidates', { method: 'POST', body: JSON.stringify(candidate) });
    assert.equal(refused.status, 503);
    assert.equal(((await refused.json()) as { code: string }).code, 'GW_ERR_UNAVAILABLE');
    const ready = await fetch(`${url}/readyz`);
    assert.equal(ready.status, 503, 'not ready while NATS is away');
    // A person's report does not depend on NATS: stored at once, published when NATS returns.
    const t0 = Date.now();
    const report = await api('/api/incidents', { method: 'POST', body: JSON.stringify({ type: 'manhole_open', severity: 'major', title: '井盖 外', dedupeKey: 'outage-report' }) });
    assert.equal(report.status, 201);
    assert.ok(Date.now() - t0 < 3000, 'the report did not wait for NATS');
    const reportId = ((await report.json()) as { incident: { id: string } }).incident.id;

    await nats.start();
    await waitFor(() => (sse.events.some((e) => e.data.id === reportId) ? true : undefined), 30_000, 'the report on the wall after NATS came back');
    const accepted = await api('/api/incidents/candidates', { method: 'POST', body: JSON.stringify(candidate) });
    assert.equal(accepted.status, 202);
    await waitFor(() => (sse.events.some((e) => (e.data.source as { id: string }).id === 'gas-7') ? true : undefined), 15_000, 'the machine raise after NATS came back');
    assert.equal(sse.events.filter((e) => e.data.id === reportId).length, 1, 'the report once');
    sse.close();
  } catch (err) {
    process.stderr.write(`--- gateway output ---\n${gw.stdout().slice(-6000)}\n${gw.stderr().slice(-3000)}\n`);
    throw err;
  } finally {
    gw.proc.kill('SIGTERM');
    await gw.exit;
  }
});
