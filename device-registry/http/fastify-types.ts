// What the registry adds to Fastify's types: each route declares who may call it.
import type { Role } from '../schemas/common.ts';
import type { Actor } from '../store/registry-store.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles allowed to call the route; every /api route must declare them or be public. */
    roles?: readonly Role[];
    public?: boolean;
    /** Accept a short-lived URL token as ?access_token= (for URLs a browser fetches itself: EventSource, <img>). */
    tokenInQuery?: boolean;
  }
  interface FastifyRequest {
    actor?: Actor;
  }
}

export {};
