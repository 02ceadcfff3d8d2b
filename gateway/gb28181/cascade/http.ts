// GET /api/gb28181/upper: each upper platform's link (state with its reason,
// last registration, counters, channels shared). Never the password. In a
// cluster, `heldBy` names the node holding the links (the others: standby).
import type { FastifyInstance } from 'fastify';
import { WRITE_ROLES } from '../../../device-registry/index.ts';
import type { LinkStatus } from './upper-link.ts';

export function upperRoutes(app: FastifyInstance, deps: { status(): LinkStatus[]; heldBy?(): string | null | undefined }): void {
  app.get('/api/gb28181/upper', {
    // Engineers and admins look after the links; the counts name no device, so a scoped key sees them too.
    config: { roles: WRITE_ROLES, scope: 'global' },
    schema: { tags: ['gb28181'], summary: 'Upper platforms (级联): registration state with its reason, last registration, counters, shared channels' },
  }, async () => {
    const heldBy = deps.heldBy?.();
    return { items: deps.status(), ...(heldBy !== undefined ? { heldBy } : {}) };
  });
}
