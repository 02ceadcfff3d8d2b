// What the registry adds to Fastify's types: each route declares who may call it
// and how the caller's scope (分级分权) limits it.
import type { Scopes } from '../auth/scope.ts';
import type { GwError } from '../errors.ts';
import type { Role } from '../schemas/common.ts';
import type { Actor } from '../store/registry-store.ts';

/** The things a route can be about, found by an id in its path. */
export type ScopedKind = 'channel' | 'sensor' | 'grid' | 'gbDevice' | 'incident';

/**
 * How a route is limited by the caller's scope (scope-plugin.ts checks every /api route declares one):
 * - `'global'`: not about scoped data (sign-in, health, configuration, models, the caller's own keys);
 * - `'filtered'`: a list or stream that leaves out what is out of scope itself;
 * - `{ by, param }`: about one channel, sensor, grid cell, GB28181 device or incident, its id in `param`;
 *   out of scope is the route's own 404 (`notFound` when the route says an unknown id differently).
 */
export type RouteScope =
  | 'global'
  | 'filtered'
  | { by: ScopedKind; param: string; notFound?: (params: Record<string, string>) => GwError };

export interface ScopeRouteEntry {
  method: string;
  url: string;
  scope: RouteScope | 'public' | 'admin-only';
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles allowed to call the route; every /api route must declare them or be public. */
    roles?: readonly Role[];
    public?: boolean;
    /** Access limited by the caller's grid cells; see RouteScope. */
    scope?: RouteScope;
    /** Accept a short-lived URL token as ?access_token= (for URLs a browser fetches itself: EventSource, <img>). */
    tokenInQuery?: boolean;
  }
  interface FastifyRequest {
    actor?: Actor;
  }
  interface FastifyInstance {
    /** The scope resolver (device-registry/auth/scope.ts), shared by every room's routes. */
    scopes: Scopes;
    /** Every /api route with the scope it declared, as registered (the table-driven scope test reads it). */
    scopeRoutes: ScopeRouteEntry[];
  }
}

export {};
