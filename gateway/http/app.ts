// Builds the HTTP app without listening, so tests drive it with app.inject()
// and main.ts listens. Routes: /api (registry), /docs, /healthz, /readyz,
// /metrics and the web wall at /.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { auth, installValidators, registryRoutes, scopeChecks, Scopes, type ApiKeys, type RegistryService, type UrlTokens } from '../../device-registry/index.ts';
import type { Accounts } from '../../device-registry/auth/accounts.ts';
import { clientErrorHandler, frameworkErrors, installErrorHandler } from './error-handler.ts';
import { healthRoutes, type Readiness } from './health.ts';
import { metricsRoutes } from './metrics.ts';

const WALL_DIST = resolve(dirname(fileURLToPath(import.meta.url)), '../../web-wall/dist');

export interface AppDeps {
  logger: Logger;
  service: RegistryService;
  keys: ApiKeys;
  /** People, sign-in sessions and lockout (absent: API keys and URL tokens only). */
  accounts?: Accounts;
  /** Short-lived tokens for ?access_token= (event stream, snapshots). */
  urlTokens: UrlTokens;
  metrics: Registry;
  readiness: Readiness;
  bodyLimit: number;
  trustProxy?: boolean;
  /** The built web wall (default web-wall/dist). */
  wallDir?: string;
  /** The grid-cell scope resolver (分级分权); one is made from `service` when not given. */
  scopes?: Scopes;
  /** Routes of the other rooms (video, …), registered behind the same auth. */
  routes?: Array<(app: FastifyInstance) => void>;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.bodyLimit,
    trustProxy: deps.trustProxy ?? false,
    // Request ids in logs and error bodies, so an operator's report can be matched to a log line.
    requestIdHeader: 'x-request-id',
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // Refusals before any route runs (router, Node's HTTP parser) also leave as catalogue errors.
    frameworkErrors,
    clientErrorHandler,
  });
  installValidators(app);
  installErrorHandler(app);
  app.removeContentTypeParser('text/plain'); // the API speaks JSON (and CSV for imports)

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'City ingest gateway API', version: '0.1.0', description: 'Cameras, sensors and grid cells in; incidents out.' },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'An API key: Authorization: Bearer gwk_…' },
          session: { type: 'apiKey', in: 'cookie', name: 'gw_session', description: 'A signed-in person (POST /api/auth/login); writes also need the x-csrf-token header' },
        },
      },
      security: [{ apiKey: [] }, { session: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  healthRoutes(app, deps.readiness);
  metricsRoutes(app, deps.metrics);
  await app.register(auth, { keys: deps.keys, urlTokens: deps.urlTokens, accounts: deps.accounts });
  await app.register(scopeChecks, { scopes: deps.scopes ?? new Scopes(deps.service, deps.logger.child({ module: 'scope' })) });
  await app.register(registryRoutes, { service: deps.service, keys: deps.keys, urlTokens: deps.urlTokens, accounts: deps.accounts });
  for (const add of deps.routes ?? []) add(app);

  const wallDir = resolve(deps.wallDir ?? WALL_DIST);
  if (existsSync(resolve(wallDir, 'index.html'))) {
    await app.register(fastifyStatic, { root: wallDir, wildcard: false });
  } else {
    // Until the web wall is built, the front page is the API documentation.
    app.get('/', { config: { public: true }, schema: { hide: true } }, (_req, reply) => reply.redirect('/docs'));
  }
  return app;
}
