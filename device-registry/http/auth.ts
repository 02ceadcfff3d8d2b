// Authentication and role checks for every route. A route that forgets to say
// who may call it fails at start-up, not in production.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { ApiKeys } from '../auth/api-keys.ts';
import type { UrlTokens } from '../auth/signed-tokens.ts';
import { GwError } from '../errors.ts';
import type { Actor } from '../store/registry-store.ts';
import './fastify-types.ts';

function headerSecret(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const header = req.headers['x-api-key'];
  if (typeof header === 'string') return header.trim();
  return undefined;
}

/**
 * `?access_token=` takes a short-lived URL token only: an API key lives for
 * months, and a URL is kept in history, proxy logs and Referer headers.
 */
async function urlTokenActor(token: string, keys: ApiKeys, tokens: UrlTokens): Promise<Actor> {
  if (!tokens.looksLike(token)) {
    throw new GwError('GW_ERR_UNAUTHENTICATED', 'access_token takes a short-lived URL token (POST /api/url-tokens), not an API key: keys must stay out of URLs', 'access_token');
  }
  const check = tokens.check(token);
  if (!check.ok) throw new GwError('GW_ERR_UNAUTHENTICATED', `the URL token is refused: ${check.why}`, 'access_token');
  const actor = await keys.activeActor(check.keyId);
  if (!actor) throw new GwError('GW_ERR_UNAUTHENTICATED', 'the key behind this URL token is revoked', 'access_token');
  return actor;
}

async function authPlugin(app: FastifyInstance, opts: { keys: ApiKeys; urlTokens: UrlTokens }) {
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
    let actor: Actor | undefined;
    if (secret) {
      actor = await opts.keys.authenticate(secret);
      if (!actor) throw new GwError('GW_ERR_UNAUTHENTICATED', 'the API key is unknown or revoked');
    } else if (typeof queryToken === 'string') {
      actor = await urlTokenActor(queryToken, opts.keys, opts.urlTokens);
    } else {
      throw new GwError('GW_ERR_UNAUTHENTICATED', 'an API key is required (Authorization: Bearer <key>)');
    }
    if (!actor.role || !config.roles.includes(actor.role)) {
      throw new GwError('GW_ERR_FORBIDDEN', `role '${actor.role}' may not ${req.method} ${req.routeOptions.url}; allowed: ${config.roles.join(', ')}`);
    }
    req.actor = actor;
  });
}

export const auth = fp(authPlugin, { name: 'registry-auth' });
