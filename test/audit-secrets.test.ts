// Every registry change leaves an audit entry (who, when, what, before, after),
// the log cannot be rewritten, and no secret appears in any response, audit
// entry or log line.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import type { InjectOptions } from 'fastify';
import type { Role } from '../device-registry/index.ts';
import { seedBasics, sensor, startTestGateway, type TestGateway } from './helpers/gateway.ts';

let t: TestGateway;
const bodies: string[] = [];
const SECRETS = { rtsp: 'Rtsp-Pa55word', sensor: 'sensor-pa55word', push: 'push-key-0123456789abcdef', inPath: 'Xm3yePa55' };

async function call(role: Role, req: InjectOptions) {
  const res = await t.call(role, req);
  bodies.push(res.body);
  return res;
}

before(async () => {
  t = await startTestGateway();
  await seedBasics(t);
});
after(() => t.stop());

test('create, update and delete of each entity are on record with actor and before/after', async () => {
  const me = (await call('engineer', { method: 'GET', url: '/api/me' })).json();
  await call('engineer', { method: 'POST', url: '/api/channels', payload: { id: 'cam-1', name: '东门', kind: 'rtsp', source: { url: `rtsp://admin:${SECRETS.rtsp}@10.0.0.1/live` } } });
  await call('engineer', { method: 'PATCH', url: '/api/channels/cam-1', payload: { name: '东门广场' } });
  await call('engineer', { method: 'POST', url: '/api/channels', payload: { id: 'cam-2', name: '无人机', kind: 'rtmp', source: { pushKey: SECRETS.push } } });
  await call('engineer', { method: 'POST', url: '/api/sensors', payload: sensor('gas-1', { mqtt: { clientId: 'gas-1', username: 'gas-1', password: SECRETS.sensor } }) });
  await call('engineer', { method: 'PATCH', url: '/api/sensors/gas-1', payload: { mqtt: { password: `${SECRETS.sensor}-2` } } });
  await call('engineer', { method: 'DELETE', url: '/api/channels/cam-1' });
  await call('engineer', { method: 'PATCH', url: '/api/grids/D1-S2', payload: { name: '河滨街道(新)' } });

  const audit = (await call('engineer', { method: 'GET', url: '/api/audit?entity=channels&entityId=cam-1' })).json();
  assert.deepEqual(audit.items.map((e: { action: string }) => e.action), ['delete', 'update', 'create']);
  const [del, upd, cre] = audit.items;
  assert.equal(cre.before, null);
  assert.equal(cre.after.name, '东门');
  assert.equal(cre.after.source.credentialsSet, true);
  assert.equal(upd.before.name, '东门');
  assert.equal(upd.after.name, '东门广场');
  assert.equal(del.after, null);
  assert.deepEqual(cre.actor, { keyId: me.keyId, name: me.name, role: 'engineer' });
  assert.ok(Date.parse(cre.at) <= Date.parse(del.at));

  const byActor = (await call('admin', { method: 'GET', url: `/api/audit?actor=${me.keyId}&action=update` })).json();
  assert.deepEqual(byActor.items.map((e: { entity: string }) => e.entity).sort(), ['channels', 'grids', 'sensors']);
  const future = (await call('admin', { method: 'GET', url: `/api/audit?from=${new Date(Date.now() + 60_000).toISOString()}` })).json();
  assert.equal(future.total, 0);
});

test('key creation and revocation are audited too', async () => {
  const key = (await call('admin', { method: 'POST', url: '/api/keys', payload: { name: 'wall-1', role: 'operator' } })).json();
  await call('admin', { method: 'DELETE', url: `/api/keys/${key.id}` });
  const audit = (await call('admin', { method: 'GET', url: `/api/audit?entity=api_keys&entityId=${key.id}` })).json();
  assert.deepEqual(audit.items.map((e: { action: string }) => e.action), ['revoke', 'create']);
  bodies.push(JSON.stringify(audit).replace(key.secret, '')); // the audit must not hold it either
  assert.ok(!JSON.stringify(audit).includes(key.secret));
});

test('the audit log is append-only, even for someone with the database file', async () => {
  const db = new Database(join(t.dataDir, 'registry.db'));
  try {
    assert.throws(() => db.prepare('UPDATE audit SET actor_name = ?').run('someone else'), /append-only/);
    assert.throws(() => db.prepare('DELETE FROM audit').run(), /append-only/);
  } finally {
    db.close();
  }
});

test('tokens in query strings are redacted from request logs', async () => {
  await t.app.inject({ method: 'GET', url: `/api/channels?access_token=${t.keys.operator}` });
  assert.match(t.logs(), /access_token=\[REDACTED\]/);
});

test('credentials a camera takes in its URL path or query are shown redacted, kept on a round trip, and not guessed', async () => {
  const dvr = `rtsp://10.0.0.9:554/user=admin&password=${SECRETS.inPath}&channel=1&stream=0.sdp`;
  const created = (await call('engineer', { method: 'POST', url: '/api/channels', payload: { id: 'dvr-1', name: '老式录像机', kind: 'rtsp', source: { url: dvr } } })).json();
  assert.equal(created.source.url, 'rtsp://10.0.0.9:554/user=admin&password=[REDACTED]&channel=1&stream=0.sdp');
  assert.equal(created.source.credentialsSet, true);
  // What the API showed, sent back as is (a form's round trip), keeps the stored password.
  const patched = await call('engineer', { method: 'PATCH', url: '/api/channels/dvr-1', payload: { name: '老式录像机-1', source: { url: created.source.url } } });
  assert.equal(patched.statusCode, 200, patched.body);
  assert.deepEqual((await t.gw.service.getStored('channels', 'dvr-1'))!.doc.source, { url: dvr });
  const guessed = await call('engineer', { method: 'PATCH', url: '/api/channels/dvr-1', payload: { source: { url: 'rtsp://10.0.0.9:554/live?token=[REDACTED]' } } });
  assert.deepEqual([guessed.statusCode, guessed.json().field], [400, 'source.url']);
});

test('no secret appears in any response body, audit entry or log line', async () => {
  const exports = await call('engineer', { method: 'GET', url: '/api/export?entity=channels&format=csv' });
  assert.equal(exports.statusCode, 200);
  await call('engineer', { method: 'GET', url: '/api/export?entity=sensors&format=json' });
  await call('admin', { method: 'GET', url: '/api/audit?limit=1000' });
  await call('admin', { method: 'GET', url: '/api/keys' });
  const secrets = [...Object.values(SECRETS), `${SECRETS.sensor}-2`, ...Object.values(t.keys)];
  const logs = t.logs();
  assert.ok(logs.split('\n').length > 20, 'the log was captured');
  for (const secret of secrets) {
    for (const body of bodies) assert.ok(!body.includes(secret), `a response holds ${secret.slice(0, 6)}…`);
    assert.ok(!logs.includes(secret), `the log holds ${secret.slice(0, 6)}…`);
  }
  assert.ok(t.printed().includes(t.adminKey), 'the admin key is printed once, outside the log');
});
