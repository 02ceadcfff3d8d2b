// GET /api/cluster: this node, what it runs, and every live node with its
// share — for the engineers watching a rollout or a failover.
import type { FastifyInstance } from 'fastify';
import { inCoverage, READ_ROLES } from '../../device-registry/index.ts';
import type { IncidentBus } from './incident-bus.ts';
import type { ClusterNode } from './node.ts';

export function clusterRoutes(app: FastifyInstance, node: ClusterNode, bus: IncidentBus | undefined): void {
  app.get('/api/cluster', {
    config: { roles: READ_ROLES, scope: 'filtered' },
    schema: { tags: ['cluster'], summary: 'This node (its leases, the channels it runs) and every live node with the channels it holds' },
  }, async (req) => {
    const described = await node.describe();
    // Counts stay whole (how loaded each node is); the channels named are the caller's (分级分权).
    const coverage = await app.scopes.covered(req.actor);
    const owned = [];
    for (const id of described.owned) if (inCoverage(coverage, coverage && (await app.scopes.gridOf('channels', id)))) owned.push(id);
    return { ...described, owned, incidents: (await bus?.stats()) ?? null };
  });
}
