// GET /api/gb28181/upper: each upper platform's link (state with its reason,
// last registration, counters, channels shared). Never the password.
import type { FastifyInstance } from 'fastify';
import { WRITE_ROLES } from '../../../device-registry/index.ts';
import type { LinkStatus } from './upper-link.ts';

export function upperRoutes(app: FastifyInstance, deps: { status(): LinkStatus[] }): void {
  app.get('/api/gb28181/upper', {
    // Engineers and admins look after the links; the counts name no device, so a scoped key sees them too.
    config: { roles: WRITE_ROLES, scope: 'global' },
    schema: { tags: ['gb28181'], summary: 'Upper platforms (级联): registration state with its reason, last registration, counters, shared channels' },
  }, async () => ({ items: deps.status() }));
}
