// 分级分权 on every route: each /api route says how the caller's scope limits it
// (config.scope, see fastify-types.ts), and one that does not fails at start-up,
// like a route without roles. Routes about one thing (`{ by, param }`) are
// checked here before their handler: out of scope is the same 404 as an id that
// does not exist, never a 403 that would say it exists. Lists and streams
// (`'filtered'`) leave out-of-scope items out themselves with `app.scopes`.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { PlacedEntity, Scopes } from '../auth/scope.ts';
import { notFound } from '../errors.ts';
import type { ScopedKind, ScopeRouteEntry } from './fastify-types.ts';
import './fastify-types.ts';

const ENTITY_OF: Record<ScopedKind, PlacedEntity | 'incident'> = {
  channel: 'channels', sensor: 'sensors', grid: 'grids', gbDevice: 'gbDevices', incident: 'incident',
};
const LABEL_OF: Record<ScopedKind, string> = {
  channel: 'channel', sensor: 'sensor', grid: 'grid cell', gbDevice: 'GB28181 device', incident: 'incident',
};

/**
 * Routes that need no declaration: public ones (no caller to scope) and admin-only ones
 * (an admin's scope is always everything); sign-in routes (`/api/auth/…`) are about the caller themself.
 */
function implied(url: string, config: { public?: boolean; roles?: readonly string[] }): ScopeRouteEntry['scope'] | undefined {
  if (config.public) return 'public';
  if (config.roles?.length && config.roles.every((r) => r === 'admin')) return 'admin-only';
  if (url.startsWith('/api/auth/')) return 'global';
  return undefined;
}

async function scopePlugin(app: FastifyInstance, opts: { scopes: Scopes }) {
  const { scopes } = opts;
  const declared: ScopeRouteEntry[] = [];
  app.decorate('scopes', scopes);
  app.decorate('scopeRoutes', declared);

  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api')) return;
    const config = route.config ?? {};
    const scope = config.scope ?? implied(route.url, config);
    if (!scope) throw new Error(`route ${String(route.method)} ${route.url} does not declare its scope (config.scope: 'global', 'filtered' or { by, param })`);
    if (typeof scope === 'object' && !route.url.includes(`:${scope.param}`)) {
      throw new Error(`route ${String(route.method)} ${route.url} is scoped by the ${scope.by} in ':${scope.param}', which its path does not have`);
    }
    for (const method of [route.method].flat()) declared.push({ method: String(method), url: route.url, scope });
  });

  // After validation, so a bad body is the same 400 whether or not the id is in scope.
  app.addHook('preHandler', async (req: FastifyRequest) => {
    const scope = req.routeOptions.config.scope;
    if (!scope || typeof scope === 'string' || !req.actor) return;
    const params = (req.params ?? {}) as Record<string, string>;
    const id = params[scope.param];
    if (id === undefined) return;
    if ((await scopes.check(req.actor, ENTITY_OF[scope.by], String(id))) !== 'out') return;
    req.log.debug({ scopedBy: scope.by, id }, 'out of the caller\'s scope: answered as not found');
    throw scope.notFound ? scope.notFound(params) : notFound(LABEL_OF[scope.by], String(id), scope.param);
  });

  app.addHook('onReady', async () => {
    await scopes.warm();
  });
}

export const scopeChecks = fp(scopePlugin, { name: 'registry-scope', dependencies: ['registry-auth'] });
