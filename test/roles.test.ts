// The role matrix: each role against each class of route, plus missing,
// wrong and revoked keys. Admins manage keys; engineers write the registry;
// operators and dispatchers read it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { InjectOptions } from 'fastify';
import type { Role } from '../device-registry/index.ts';
import { rtspChannel, seedBasics, startTestGateway, type TestGateway } from './helpers/gateway.ts';

let t: TestGateway;
let n = 0;
before(async () => {
  t = await startTestGateway();
  await seedBasics(t);
  await t.call('engineer', { method: 'POST', url: '/api/channels', payload: rtspChannel('cam-1') });
});
after(() => t.stop());

type Make = () => InjectOptions;
const uid = () => `r${++n}`;
const classes: Record<string, { requests: Make[]; allowed: Role[] }> = {
  'registry read': {
    allowed: ['admin', 'engineer', 'operator', 'dispatcher'],
    requests: [
      () => ({ method: 'GET', url: '/api/channels' }),
      () => ({ method: 'GET', url: '/api/channels/cam-1' }),
      () => ({ method: 'GET', url: '/api/sensors' }),
      () => ({ method: 'GET', url: '/api/grids/D1' }),
      () => ({ method: 'GET', url: '/api/departments' }),
      () => ({ method: 'GET', url: '/api/me' }),
    ],
  },
  'registry write': {
    allowed: ['admin', 'engineer'],
    requests: [
      () => ({ method: 'POST', url: '/api/channels', payload: rtspChannel(uid()) }),
      () => ({ method: 'PATCH', url: '/api/channels/cam-1', payload: { tags: [uid()] } }),
      () => ({ method: 'POST', url: '/api/departments', payload: { id: uid(), name: '部门' } }),
      () => ({ method: 'POST', url: '/api/grids', payload: { code: uid(), name: '网格', level: 'grid', parentCode: 'D1-S1' } }),
      () => ({ method: 'POST', url: '/api/import?entity=channels&dryRun=true', payload: [rtspChannel(uid())] }),
      () => ({ method: 'GET', url: '/api/export?entity=sensors&format=json' }),
      () => ({ method: 'GET', url: '/api/audit?limit=1' }),
    ],
  },
  'registry delete': {
    allowed: ['admin', 'engineer'],
    requests: [() => ({ method: 'DELETE', url: '/api/departments/DELME' })],
  },
  'key management': {
    allowed: ['admin'],
    requests: [
      () => ({ method: 'GET', url: '/api/keys' }),
      () => ({ method: 'POST', url: '/api/keys', payload: { name: uid(), role: 'operator' } }),
    ],
  },
};

for (const [name, { requests, allowed }] of Object.entries(classes)) {
  for (const role of ['admin', 'engineer', 'operator', 'dispatcher'] as Role[]) {
    const expectOk = allowed.includes(role);
    test(`${name} × ${role} → ${expectOk ? 'allowed' : '403'}`, async () => {
      for (const make of requests) {
        if (name === 'registry delete') await t.call('admin', { method: 'POST', url: '/api/departments', payload: { id: 'DELME', name: 'x' } });
        const req = make();
        const res = await t.call(role, req);
        if (expectOk) assert.ok(res.statusCode < 300, `${req.method} ${req.url}: ${res.statusCode} ${res.body}`);
        else {
          assert.equal(res.statusCode, 403, `${req.method} ${req.url}`);
          assert.equal(res.json().code, 'GW_ERR_FORBIDDEN');
        }
      }
      if (name === 'registry delete') await t.call('admin', { method: 'DELETE', url: '/api/departments/DELME' });
    });
  }
  test(`${name} × no key / unknown key → 401`, async () => {
    for (const make of requests) {
      const none = await t.call(null, make());
      assert.equal(none.statusCode, 401);
      assert.equal(none.json().code, 'GW_ERR_UNAUTHENTICATED');
      const wrong = await t.app.inject({ ...make(), headers: { authorization: 'Bearer gwk_not-a-real-key' } });
      assert.equal(wrong.statusCode, 401);
    }
  });
}

test('public routes need no key', async () => {
  for (const url of ['/healthz', '/readyz', '/metrics', '/docs/json']) {
    assert.equal((await t.app.inject({ method: 'GET', url })).statusCode, 200, url);
  }
});

test('the key may come as X-API-Key; a revoked key stops working at once', async () => {
  const created = (await t.call('admin', { method: 'POST', url: '/api/keys', payload: { name: 'temp', role: 'operator' } })).json();
  assert.match(created.secret, /^gwk_/);
  const ok = await t.app.inject({ method: 'GET', url: '/api/channels', headers: { 'x-api-key': created.secret } });
  assert.equal(ok.statusCode, 200);
  const listed = (await t.call('admin', { method: 'GET', url: '/api/keys' })).json().items;
  assert.ok(listed.some((k: { id: string; lastUsedAt: string | null }) => k.id === created.id && k.lastUsedAt !== null));
  assert.ok(!JSON.stringify(listed).includes(created.secret));
  const revoked = await t.call('admin', { method: 'DELETE', url: `/api/keys/${created.id}` });
  assert.equal(revoked.statusCode, 200);
  assert.ok(revoked.json().revokedAt);
  const after = await t.app.inject({ method: 'GET', url: '/api/channels', headers: { 'x-api-key': created.secret } });
  assert.equal(after.statusCode, 401);
});

test('the last admin key cannot be revoked', async () => {
  const keys = (await t.call('admin', { method: 'GET', url: '/api/keys' })).json().items as { id: string; role: string; revokedAt: string | null }[];
  const admin = keys.find((k) => k.role === 'admin' && !k.revokedAt)!;
  const res = await t.call('admin', { method: 'DELETE', url: `/api/keys/${admin.id}` });
  assert.equal(res.statusCode, 409);
});

test('every /api route declares its roles', async () => {
  const { default: Fastify } = await import('fastify');
  const { auth, ApiKeys, UrlTokens } = await import('../device-registry/index.ts');
  const app = Fastify();
  await app.register(auth, { keys: new ApiKeys(t.gw.service.store), urlTokens: new UrlTokens(Buffer.alloc(32), 600) });
  assert.throws(() => app.get('/api/forgotten', async () => 'x'), /does not declare its roles/);
  app.get('/api/declared', { config: { roles: ['admin'] } }, async () => 'x');
  await app.close();
});
