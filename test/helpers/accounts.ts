// Signing people in against a test gateway: the first admin's password from
// what the gateway printed, sign-in with its cookie and CSRF token, and calls
// made as that person.
import assert from 'node:assert/strict';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { TestGateway } from './gateway.ts';

export interface Person {
  cookie: string;
  csrfToken: string;
  user: { id: string; username: string; mustChangePassword: boolean; role: string };
  /** A call with the session cookie (and the CSRF token unless `csrf: false` or another one given). */
  call: (opts: InjectOptions & { csrf?: string | false }) => Promise<LightMyRequestResponse>;
}

/** The first admin user the gateway printed once at start. */
export function printedAdmin(t: TestGateway): { username: string; password: string } {
  const username = /GATEWAY ADMIN USER: (\S+)/.exec(t.printed())?.[1];
  const password = /GATEWAY ADMIN PASSWORD: (\S+)/.exec(t.printed())?.[1];
  assert.ok(username && password, `the first start printed the admin user: ${t.printed()}`);
  return { username, password };
}

/** The gw_session value from a Set-Cookie header. */
export function sessionCookieOf(res: LightMyRequestResponse): string {
  const header = [res.headers['set-cookie']].flat().find((c) => c?.startsWith('gw_session='));
  assert.ok(header, `a gw_session cookie is set: ${JSON.stringify(res.headers)}`);
  return header.split(';')[0]!.slice('gw_session='.length);
}

export function login(t: TestGateway, username: string, password: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password }, headers });
}

/** A person calling with a cookie and a CSRF token. */
export function asPerson(t: TestGateway, cookie: string, csrfToken: string, user: Person['user']): Person {
  return {
    cookie, csrfToken, user,
    call: ({ csrf, ...o }) => t.app.inject({
      ...o,
      headers: { cookie: `gw_session=${cookie}`, ...(csrf === false ? {} : { 'x-csrf-token': csrf ?? csrfToken }), ...o.headers },
    }),
  };
}

export async function signIn(t: TestGateway, username: string, password: string, headers: Record<string, string> = {}): Promise<Person> {
  const res = await login(t, username, password, headers);
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json() as { user: Person['user']; csrfToken: string };
  return asPerson(t, sessionCookieOf(res), body.csrfToken, body.user);
}

/** Creates a person as admin (by key) with a chosen password, already changed (no first-sign-in change). */
export async function createPerson(t: TestGateway, body: Record<string, unknown>, password: string): Promise<{ id: string }> {
  const res = await t.call('admin', { method: 'POST', url: '/api/users', payload: body });
  assert.equal(res.statusCode, 201, res.body);
  const { user, temporaryPassword } = res.json() as { user: { id: string; username: string }; temporaryPassword: string };
  const first = await signIn(t, user.username, temporaryPassword);
  const changed = await first.call({ method: 'POST', url: '/api/auth/password', payload: { currentPassword: temporaryPassword, newPassword: password } });
  assert.equal(changed.statusCode, 204, changed.body);
  return { id: user.id };
}

/** Polls until `fn` is true (a busy machine: generous deadline, no fixed sleeps where a condition can be watched). */
export async function until(what: string, fn: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
