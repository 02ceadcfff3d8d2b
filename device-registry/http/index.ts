// The registry's HTTP surface as one Fastify plugin.
import type { FastifyInstance } from 'fastify';
import type { Accounts } from '../auth/accounts.ts';
import type { ApiKeys } from '../auth/api-keys.ts';
import type { UrlTokens } from '../auth/signed-tokens.ts';
import type { RegistryService } from '../service/registry-service.ts';
import { ENTITY_NAMES } from '../store/registry-store.ts';
import { auditRoutes } from './audit-routes.ts';
import { entityRoutes } from './entity-routes.ts';
import { importRoutes } from './import-routes.ts';
import { keyRoutes } from './key-routes.ts';
import { sessionRoutes } from './session-routes.ts';
import { userRoutes } from './user-routes.ts';

export interface RegistryRoutesOptions {
  service: RegistryService;
  keys: ApiKeys;
  urlTokens: UrlTokens;
  /** People, sign-in and sessions (absent in room tests that need API keys only). */
  accounts?: Accounts;
}

export async function registryRoutes(app: FastifyInstance, opts: RegistryRoutesOptions): Promise<void> {
  for (const entity of ENTITY_NAMES) entityRoutes(app, opts.service, entity);
  keyRoutes(app, opts.keys, opts.urlTokens);
  auditRoutes(app, opts.service.store);
  importRoutes(app, opts.service);
  if (opts.accounts) {
    sessionRoutes(app, opts.accounts);
    userRoutes(app, opts.accounts);
  }
}
