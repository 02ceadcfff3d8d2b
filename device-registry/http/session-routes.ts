// Sign-in and sign-out for people: POST /api/auth/login sets the gw_session
// cookie and answers the CSRF token; logout, logout-all, me, password change.
// A wrong password and an unknown name get the same 401, a locked name or
// address the same 429 with Retry-After: nothing says who has an account.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Accounts } from '../auth/accounts.ts';
import { publicUser } from '../auth/users.ts';
import { GwError } from '../errors.ts';
import { ErrorBody } from '../schemas/common.ts';
import { LoginInput, Me, PasswordChange, SignedIn } from '../schemas/user.ts';
import { requestSession } from './auth.ts';
import { READ_ROLES } from './roles.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 429: ErrorBody };
const tags = ['sign-in'];
const WRONG = 'user name or password is wrong';

function sessionOf(req: FastifyRequest) {
  const active = requestSession(req);
  if (!active) throw new GwError('GW_ERR_FORBIDDEN', 'this is for a signed-in person (the session cookie), not an API key');
  return active;
}

export function sessionRoutes(app: FastifyInstance, accounts: Accounts): void {
  const { users, sessions, throttle } = accounts;

  app.post('/api/auth/login', {
    config: { public: true },
    schema: { tags, summary: 'Sign in with user name and password: sets the gw_session cookie; answers the CSRF token for writes', body: LoginInput, response: { 200: SignedIn, ...errors } },
  }, async (req, reply) => {
    const { username, password } = req.body as LoginInput;
    const address = req.ip;
    const user = await throttle.oneAtATime(username, async () => {
      const wait = await throttle.retryAfter(username, address);
      if (wait > 0) {
        reply.header('retry-after', String(wait));
        throw new GwError('GW_ERR_TOO_MANY_REQUESTS', 'too many failed sign-ins; wait and try again');
      }
      const found = await users.verifyCredentials(username, password);
      if (!found) {
        await throttle.failed(username, address);
        // The name is not logged: people type their password into it.
        req.log.info({ module: 'accounts', address }, 'sign-in refused');
        throw new GwError('GW_ERR_UNAUTHENTICATED', WRONG);
      }
      await throttle.succeeded(username);
      return found;
    });
    const { csrfToken } = await sessions.signIn(req, reply, user);
    const at = Date.now();
    await users.recordSignIn(user.id);
    req.log.info({ module: 'accounts', userId: user.id }, 'signed in');
    return { user: publicUser({ ...user, lastSignInAt: at }), csrfToken };
  });

  app.post('/api/auth/logout', {
    config: { roles: READ_ROLES },
    schema: { tags, summary: 'Sign out: ends this session and clears its cookie', response: { 204: Type.Null(), ...errors } },
  }, async (req, reply) => {
    await sessions.end(sessionOf(req).session);
    reply.header('set-cookie', sessions.clearCookieHeader(req)).code(204);
  });

  app.post('/api/auth/logout-all', {
    config: { roles: READ_ROLES },
    schema: { tags, summary: 'Sign out everywhere: ends every session of the signed-in person', response: { 204: Type.Null(), ...errors } },
  }, async (req, reply) => {
    const { user } = sessionOf(req);
    const ended = await sessions.endAll(user.id);
    req.log.info({ module: 'accounts', userId: user.id, ended }, 'signed out everywhere');
    reply.header('set-cookie', sessions.clearCookieHeader(req)).code(204);
  });

  app.get('/api/auth/me', {
    config: { roles: READ_ROLES },
    schema: { tags, summary: 'Who is calling: the signed-in person (with the CSRF token) or the API key', response: { 200: Me, ...errors } },
  }, async (req) => {
    const active = requestSession(req);
    if (active) return { via: 'session', user: publicUser(active.user), csrfToken: active.session.csrfToken };
    const actor = req.actor!;
    return { via: 'key', user: null, key: { id: actor.keyId ?? '', name: actor.name, role: actor.role!, scope: actor.scope ? [...actor.scope] : null } };
  });

  app.post('/api/auth/password', {
    config: { roles: READ_ROLES },
    schema: { tags, summary: 'Change your password (the current one first); ends your other sessions', body: PasswordChange, response: { 204: Type.Null(), ...errors } },
  }, async (req, reply) => {
    const { session, user } = sessionOf(req);
    const { currentPassword, newPassword } = req.body as PasswordChange;
    // Guessing the current password from a stolen session counts against the account like sign-ins.
    await throttle.oneAtATime(user.username, async () => {
      const wait = await throttle.retryAfter(user.username, req.ip);
      if (wait > 0) {
        reply.header('retry-after', String(wait));
        throw new GwError('GW_ERR_TOO_MANY_REQUESTS', 'too many failed attempts; wait and try again');
      }
      try {
        await users.changePassword(user, currentPassword, newPassword, session.idHash);
      } catch (err) {
        if (err instanceof GwError && err.field === 'currentPassword') await throttle.failed(user.username, req.ip);
        throw err;
      }
    });
    sessions.announce(user.id);
    req.log.info({ module: 'accounts', userId: user.id }, 'password changed; other sessions ended');
    reply.code(204);
  });
}
