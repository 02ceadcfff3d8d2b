// The dashboard's (研判) device figures over HTTP. The incident figures are
// /api/stats/{incidents,durations,sla,sla/by} (gateway/incidents/http/routes.ts).
import type { FastifyInstance } from 'fastify';
import { inCoverage, READ_ROLES, type RegistryService } from '../../device-registry/index.ts';
import { deviceHealth } from './device-health.ts';

export function dashboardRoutes(app: FastifyInstance, deps: { registry: RegistryService }): void {
  app.get('/api/stats/devices', {
    config: { roles: READ_ROLES, scope: 'filtered' },
    schema: { tags: ['stats'], summary: 'Device health now: online rate of cameras and sensors by kind and by grid cell, and the ten offline the longest' },
  }, async (req) => {
    const coverage = await app.scopes.covered(req.actor);
    return deviceHealth(deps.registry, (gridCode) => inCoverage(coverage, gridCode));
  });
}
