// Authentication and role checks for every route. A route that forgets to say
// who may call it fails at start-up, not in production.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { ApiKeys } from '../auth/api-keys.ts';
import { GwError } from '../errors.ts';
import './fastify-types.ts';

function presentedSecret(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const header = req.headers['x-api-key'];
  if (typeof header === 'string') return header.trim();
  if (req.routeOptions.config.tokenInQuery) {
    const token = (req.query as Record<string, unknown> | undefined)?.access_token;
    if (typeof token === 'string') return token;
  }
  return undefined;
}

async function authPlugin(app: FastifyInstance, opts: { keys: ApiKeys }) {
  app.addHook('onRoute', (route) => {
    const config = route.config ?? {};
    if (route.url.startsWith('/api') && !config.public && !config.roles?.length) {
      throw new Error(`route ${String(route.method)} ${route.url} does not declare its roles`);
    }
  });

  app.addHook('onRequest', async (req) => {
    const config = req.routeOptions.config;
    if (config.public || !config.roles) return;
    const secret = presentedSecret(req);
    if (!secret) throw new GwError('GW_ERR_UNAUTHENTICATED', 'an API key is required (Authorization: Bearer <key>)');
    const actor = await opts.keys.authenticate(secret);
    if (!actor) throw new GwError('GW_ERR_UNAUTHENTICATED', 'the API key is unknown or revoked');
    if (!actor.role || !config.roles.includes(actor.role)) {
      throw new GwError('GW_ERR_FORBIDDEN', `role '${actor.role}' may not ${req.method} ${req.routeOptions.url}; allowed: ${config.roles.join(', ')}`);
    }
    req.actor = actor;
  });
}

export const auth = fp(authPlugin, { name: 'registry-auth' });
