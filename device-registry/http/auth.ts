// Authentication and role checks for every route. A route that forgets to say
// who may call it fails at start-up, not in production. Who is calling, in this
// order: an API key (Authorization: Bearer, x-api-key), the gw_session cookie
// of a signed-in person, then, on the routes a browser fetches by itself
// (tokenInQuery), a short-lived URL token.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Accounts } from '../auth/accounts.ts';
import type { ApiKeys } from '../auth/api-keys.ts';
import { sameToken, sessionCookie, userActor, type ActiveSession } from '../auth/sessions.ts';
import type { UrlTokens } from '../auth/signed-tokens.ts';
import { GwError } from '../errors.ts';
import type { Actor } from '../store/registry-store.ts';
import './fastify-types.ts';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** What a URL token names when it was issued to a signed-in person: their session, never the cookie. */
const SESSION_SUBJECT = 'session:';

const sessions = new WeakMap<FastifyRequest, ActiveSession>();
/** The subject of the URL token a request came with (a key id or `session:<ref>`). */
const urlSubjects = new WeakMap<FastifyRequest, string>();
/** For a request made as a person (cookie or URL token): is their session still live? */
const liveness = new WeakMap<FastifyRequest, () => Promise<boolean>>();

/** The session behind a cookie-authenticated request (undefined for a key or a URL token). */
export const requestSession = (req: FastifyRequest): ActiveSession | undefined => sessions.get(req);

/**
 * Whether the session behind a long-lived request (an event stream) still
 * lives: streams ask on a `users` event for their person (sign-out, disabled,
 * password change or reset). True for a key: its revocation is its own event.
 */
export const stillSignedIn = (req: FastifyRequest): Promise<boolean> => liveness.get(req)?.() ?? Promise.resolve(true);

/**
 * What a token issued for this request names (URL and media tokens): the API
 * key, or the caller's session, so the token stops working when the session ends.
 */
export function tokenSubject(req: FastifyRequest): string {
  const session = sessions.get(req);
  if (session) return `${SESSION_SUBJECT}${session.session.ref}`;
  const fromUrl = urlSubjects.get(req);
  if (fromUrl) return fromUrl;
  const keyId = req.actor?.keyId;
  if (!keyId) throw new GwError('GW_ERR_FORBIDDEN', 'only an API key or a signed-in person can hold a token');
  return keyId;
}

function headerSecret(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const header = req.headers['x-api-key'];
  if (typeof header === 'string') return header.trim();
  return undefined;
}

export interface AuthOptions {
  keys: ApiKeys;
  urlTokens: UrlTokens;
  /** People and sessions; without them only API keys and URL tokens are accepted (room tests). */
  accounts?: Accounts;
}

/** The actor behind a token's subject (a key id or `session:<ref>`), while the key or the session lives. */
export async function tokenActor(subject: string, opts: AuthOptions): Promise<Actor | undefined> {
  if (!subject.startsWith(SESSION_SUBJECT)) return opts.keys.activeActor(subject);
  const active = await opts.accounts?.sessions.resolveRef(subject.slice(SESSION_SUBJECT.length));
  return active && userActor(active.user);
}

/**
 * `?access_token=` takes a short-lived URL token only: an API key lives for
 * months, and a URL is kept in history, proxy logs and Referer headers.
 */
async function urlTokenActor(req: FastifyRequest, token: string, opts: AuthOptions): Promise<Actor> {
  if (!opts.urlTokens.looksLike(token)) {
    throw new GwError('GW_ERR_UNAUTHENTICATED', 'access_token takes a short-lived URL token (POST /api/url-tokens), not an API key: keys must stay out of URLs', 'access_token');
  }
  const check = opts.urlTokens.check(token);
  if (!check.ok) throw new GwError('GW_ERR_UNAUTHENTICATED', `the URL token is refused: ${check.why}`, 'access_token');
  const actor = await tokenActor(check.keyId, opts);
  urlSubjects.set(req, check.keyId);
  if (actor && check.keyId.startsWith(SESSION_SUBJECT)) {
    const ref = check.keyId.slice(SESSION_SUBJECT.length);
    liveness.set(req, async () => Boolean(await opts.accounts?.sessions.resolveRef(ref)));
  }
  if (!actor) {
    const whose = check.keyId.startsWith(SESSION_SUBJECT) ? 'the session behind this URL token has ended' : 'the key behind this URL token is revoked';
    throw new GwError('GW_ERR_UNAUTHENTICATED', whose, 'access_token');
  }
  return actor;
}

/** A signed-in person's request: CSRF on writes, and nothing but /api/auth/… until a required password change is done. */
function checkSessionRequest(req: FastifyRequest, active: ActiveSession): void {
  if (WRITES.has(req.method)) {
    const given = req.headers['x-csrf-token'];
    if (!sameToken(typeof given === 'string' ? given : undefined, active.session.csrfToken)) {
      throw new GwError('GW_ERR_CSRF', 'a write made with the session cookie needs the header x-csrf-token (from sign-in or GET /api/auth/me)', 'x-csrf-token');
    }
  }
  if (active.user.mustChangePassword && !req.routeOptions.url?.startsWith('/api/auth/')) {
    throw new GwError('GW_ERR_PASSWORD_CHANGE_REQUIRED', 'change your password first (POST /api/auth/password)');
  }
}

async function authPlugin(app: FastifyInstance, opts: AuthOptions) {
  app.addHook('onRoute', (route) => {
    const config = route.config ?? {};
    if (route.url.startsWith('/api') && !config.public && !config.roles?.length) {
      throw new Error(`route ${String(route.method)} ${route.url} does not declare its roles`);
    }
  });

  app.addHook('onRequest', async (req) => {
    const config = req.routeOptions.config;
    if (config.public || !config.roles) return;
    const secret = headerSecret(req);
    const queryToken = config.tokenInQuery ? (req.query as Record<string, unknown> | undefined)?.access_token : undefined;
    const cookie = opts.accounts && !secret ? sessionCookie(req.headers.cookie) : undefined;
    const active = cookie ? await opts.accounts!.sessions.resolve(cookie) : undefined;
    let actor: Actor | undefined;
    if (secret) {
      actor = await opts.keys.authenticate(secret);
      if (!actor) throw new GwError('GW_ERR_UNAUTHENTICATED', 'the API key is unknown or revoked');
    } else if (active) {
      checkSessionRequest(req, active);
      sessions.set(req, active);
      liveness.set(req, async () => Boolean(await opts.accounts!.sessions.resolveRef(active.session.ref)));
      actor = userActor(active.user);
    } else if (typeof queryToken === 'string') {
      actor = await urlTokenActor(req, queryToken, opts);
    } else if (cookie) {
      throw new GwError('GW_ERR_UNAUTHENTICATED', 'the session has ended or expired; sign in again');
    } else {
      throw new GwError('GW_ERR_UNAUTHENTICATED', 'sign in, or send an API key (Authorization: Bearer <key>)');
    }
    if (!actor.role || !config.roles.includes(actor.role)) {
      throw new GwError('GW_ERR_FORBIDDEN', `role '${actor.role}' may not ${req.method} ${req.routeOptions.url}; allowed: ${config.roles.join(', ')}`);
    }
    req.actor = actor;
  });
}

export const auth = fp(authPlugin, { name: 'registry-auth' });
