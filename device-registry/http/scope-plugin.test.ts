// Every /api route says how the caller's scope limits it, or the app does not start.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Fastify from 'fastify';
import fp from 'fastify-plugin';
import { Scopes } from '../auth/scope.ts';
import { RegistryService } from '../service/registry-service.ts';
import { SqliteRegistryStore } from '../store/sqlite/sqlite-store.ts';
import { scopeChecks } from './scope-plugin.ts';

const dir = mkdtempSync(join(tmpdir(), 'gw-scope-plugin-'));
const store = new SqliteRegistryStore(join(dir, 'registry.db'));
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** An app with only the scope plugin (no auth: the declarations are what is checked). */
async function appWith(add: (app: ReturnType<typeof Fastify>) => void) {
  const app = Fastify();
  await app.register(fp(async () => {}, { name: 'registry-auth' })); // stands in for auth.ts, which the scope plugin follows
  await app.register(scopeChecks, { scopes: new Scopes(new RegistryService(store)) });
  add(app);
  return app;
}

test('a route without a scope declaration stops the start, naming it', async () => {
  await assert.rejects(appWith((a) => a.get('/api/things', { config: { roles: ['operator'] } }, async () => ({}))), /route GET \/api\/things does not declare its scope/);
});

test('a route scoped by a path parameter it does not have stops the start', async () => {
  await assert.rejects(
    appWith((a) => a.get('/api/things/:name', { config: { roles: ['operator'], scope: { by: 'channel', param: 'id' } } }, async () => ({}))),
    /scoped by the channel in ':id', which its path does not have/,
  );
});

test('declared, public, admin-only and sign-in routes start, and are listed with their scope', async () => {
  const app = await appWith((a) => {
    a.get('/api/things', { config: { roles: ['operator'], scope: 'filtered' } }, async () => ({}));
    a.get('/api/things/:id', { config: { roles: ['operator'], scope: { by: 'channel', param: 'id' } } }, async () => ({}));
    a.get('/api/open', { config: { public: true } }, async () => ({}));
    a.get('/api/secret', { config: { roles: ['admin'] } }, async () => ({}));
    a.post('/api/auth/whoami', { config: { roles: ['operator'] } }, async () => ({}));
    a.get('/healthz', async () => ({}));
  });
  await app.ready();
  const listed = Object.fromEntries(app.scopeRoutes.filter((r) => r.method !== 'HEAD').map((r) => [`${r.method} ${r.url}`, r.scope]));
  assert.deepEqual(listed, {
    'GET /api/things': 'filtered', 'GET /api/things/:id': { by: 'channel', param: 'id' }, 'GET /api/open': 'public', 'GET /api/secret': 'admin-only', 'POST /api/auth/whoami': 'global',
  });
  await app.close();
});
