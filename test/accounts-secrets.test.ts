// No secret leaves: planted passwords, a session cookie value, its CSRF token
// and a reset's temporary password are searched for in every response body,
// every log line (debug level) and /metrics after sign-ins that work and fail,
// password changes and an admin reset. The temporary password may appear in
// the one response that hands it over, and nowhere else.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { printedAdmin, sessionCookieOf } from './helpers/accounts.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';

let t: TestGateway;
before(async () => {
  t = await startTestGateway();
});
after(() => t.stop());

test('passwords, session cookies, CSRF and temporary passwords stay out of bodies, logs and metrics', async () => {
  const bodies: string[] = [];
  const inject = async (o: InjectOptions): Promise<LightMyRequestResponse> => {
    const res = await t.app.inject(o);
    bodies.push(res.body);
    return res;
  };
  const asAdminKey = (o: InjectOptions) => inject({ ...o, headers: { authorization: `Bearer ${t.adminKey}`, ...o.headers } });

  const planted = 'Planted-Secret-Pw-9c1f';
  const planted2 = 'Second-Planted-Pw-77aa';
  const created = await asAdminKey({ method: 'POST', url: '/api/users', payload: { username: 'leak.check', role: 'operator', password: planted } });
  assert.equal(created.statusCode, 201);
  const id = created.json().user.id as string;

  // Sign-in with the forced change done, then a good sign-in whose cookie is planted too.
  const first = await inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'leak.check', password: planted } });
  const firstCookie = sessionCookieOf(first);
  const change = await inject({
    method: 'POST', url: '/api/auth/password', payload: { currentPassword: planted, newPassword: planted2 },
    headers: { cookie: `gw_session=${firstCookie}`, 'x-csrf-token': first.json().csrfToken },
  });
  assert.equal(change.statusCode, 204);
  const ok = await inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'leak.check', password: planted2 } });
  assert.equal(ok.statusCode, 200);
  const cookie = sessionCookieOf(ok);
  const csrf = ok.json().csrfToken as string;
  const asPerson = (o: InjectOptions) => inject({ ...o, headers: { cookie: `gw_session=${cookie}`, 'x-csrf-token': csrf, ...o.headers } });
  await asPerson({ method: 'GET', url: '/api/auth/me' });
  await asPerson({ method: 'GET', url: '/api/grids' });
  await asPerson({ method: 'POST', url: '/api/departments', payload: { id: 'd-x', name: 'x' } });
  await asPerson({ method: 'POST', url: '/api/url-tokens' });

  // Failures: a wrong password, the password typed into the name field, an unknown name, a weak new password, a wrong current one.
  await inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'leak.check', password: `${planted2}-typo` } });
  await inject({ method: 'POST', url: '/api/auth/login', payload: { username: planted2, password: planted2 } });
  await inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'nobody', password: planted } });
  await asPerson({ method: 'POST', url: '/api/auth/password', payload: { currentPassword: planted2, newPassword: 'leak.check-weak' } });
  await asPerson({ method: 'POST', url: '/api/auth/password', payload: { currentPassword: planted, newPassword: 'Another-Good-Pw-31' } });
  await asAdminKey({ method: 'POST', url: '/api/users', payload: { username: 'weak.pw', role: 'operator', password: planted2.slice(0, 6) } });
  await inject({ method: 'GET', url: '/api/grids', headers: { cookie: `gw_session=${cookie}x` } });

  // An admin reset: its temporary password in that response only.
  const reset = await asAdminKey({ method: 'POST', url: `/api/users/${id}/reset-password` });
  const temporary = reset.json().temporaryPassword as string;
  bodies.pop();
  await inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'leak.check', password: temporary } });
  await asPerson({ method: 'GET', url: '/api/grids' });
  await asAdminKey({ method: 'GET', url: '/api/users' });
  await asAdminKey({ method: 'GET', url: `/api/users/${id}` });
  await asAdminKey({ method: 'GET', url: '/api/audit?limit=1000' });
  const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
  const admin = printedAdmin(t);

  const secrets: Record<string, string> = { planted, planted2, cookie, cookieBody: cookie.slice(4), firstCookie, csrf, temporary, adminPassword: admin.password };
  const places: Record<string, string> = { 'response bodies': bodies.join('\n'), log: t.logs(), metrics: metrics.body };
  assert.ok(t.logs().includes('sign-in refused'), 'the failures were logged (without the secrets)');
  for (const [place, text] of Object.entries(places)) {
    for (const [name, secret] of Object.entries(secrets)) {
      if (place === 'response bodies' && name === 'csrf') continue; // handed to the page by design (sign-in, /api/auth/me)
      assert.equal(text.includes(secret), false, `${name} found in ${place}`);
    }
    assert.equal(text.includes('scrypt$'), false, `a password hash found in ${place}`);
  }
});
