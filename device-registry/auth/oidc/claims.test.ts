import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mapClaims } from './claims.ts';
import type { OidcConfig } from './config.ts';

const config: Pick<OidcConfig, 'claims' | 'roleMap' | 'defaultRole'> = {
  claims: { username: 'preferred_username', displayName: 'name', role: 'groups', scope: 'gw_grids', department: 'gw_department' },
  roleMap: { 'city-admins': 'admin', 'street-operators': 'operator', dispatchers: 'dispatcher' },
  defaultRole: null,
};

test('claims map to user name, display name, role, scope and department', () => {
  const out = mapClaims(config, { preferred_username: 'li.street', name: '李街道', groups: ['staff', 'street-operators'], gw_grids: ['D1-S1', 'D1-S1'], gw_department: 'dept-1' });
  assert.deepEqual(out, { ok: true, identity: { username: 'li.street', displayName: '李街道', role: 'operator', scope: ['D1-S1'], department: 'dept-1' } });
});

test('several matching values: the roleMap entry written first wins', () => {
  const out = mapClaims(config, { preferred_username: 'a', groups: ['dispatchers', 'city-admins'], gw_grids: 'D1' });
  assert.ok(out.ok && out.identity.role === 'admin');
  assert.ok(out.ok && out.identity.scope === null, "an admin's scope is everything");
});

test('a scope given as one string is split by spaces or commas', () => {
  const out = mapClaims(config, { preferred_username: 'a', groups: 'dispatchers', gw_grids: 'D1-S1, D1-S2 D2' });
  assert.ok(out.ok);
  assert.deepEqual(out.ok && out.identity.scope, ['D1-S1', 'D1-S2', 'D2']);
});

test('a value the roleMap does not know gives no role: refused, unless defaultRole', () => {
  const claims = { preferred_username: 'visitor', groups: ['visitors'], gw_grids: ['D1'] };
  const refused = mapClaims(config, claims);
  assert.equal(refused.ok, false);
  assert.ok(!refused.ok && refused.reason === 'no_role' && refused.detail.includes('visitors'));
  const fallback = mapClaims({ ...config, defaultRole: 'operator' }, claims);
  assert.ok(fallback.ok && fallback.identity.role === 'operator');
});

test('an empty roleMap takes role names as they are, nothing else', () => {
  const plain = { ...config, roleMap: {} };
  assert.ok(mapClaims(plain, { preferred_username: 'a', groups: ['engineer'], gw_grids: ['D1'] }).ok);
  assert.equal(mapClaims(plain, { preferred_username: 'a', groups: ['city-admins'], gw_grids: ['D1'] }).ok, false);
});

test('no user name, or a non-admin without grid cells, is refused with the reason', () => {
  const noName = mapClaims(config, { groups: ['dispatchers'], gw_grids: ['D1'] });
  assert.ok(!noName.ok && noName.reason === 'no_username');
  const noScope = mapClaims(config, { preferred_username: 'a', groups: ['dispatchers'] });
  assert.ok(!noScope.ok && noScope.reason === 'no_scope');
  const unscoped = mapClaims({ ...config, claims: { ...config.claims, scope: null } }, { preferred_username: 'a', groups: ['dispatchers'] });
  assert.ok(unscoped.ok && unscoped.identity.scope === null, 'no scope claim configured: everything');
});

test('a dotted claim name reads a nested claim (Keycloak realm_access.roles)', () => {
  const keycloak = { ...config, claims: { ...config.claims, role: 'realm_access.roles' } };
  const out = mapClaims(keycloak, { preferred_username: 'a', realm_access: { roles: ['offline_access', 'city-admins'] } });
  assert.ok(out.ok && out.identity.role === 'admin');
  assert.ok(out.ok && out.identity.displayName === 'a', 'the user name stands in for a missing display name');
});
