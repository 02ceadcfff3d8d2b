// GET /api/cluster: this node, what it runs, and every live node with its
// share — for the engineers watching a rollout or a failover.
import type { FastifyInstance } from 'fastify';
import { READ_ROLES } from '../../device-registry/index.ts';
import type { IncidentBus } from './incident-bus.ts';
import type { ClusterNode } from './node.ts';

export function clusterRoutes(app: FastifyInstance, node: ClusterNode, bus: IncidentBus | undefined): void {
  app.get('/api/cluster', {
    config: { roles: READ_ROLES, scope: 'global' }, // nodes and their leases: how the cluster runs, for engineers
    schema: { tags: ['cluster'], summary: 'This node (its leases, the channels it runs) and every live node with the channels it holds' },
  }, async () => ({ ...(await node.describe()), incidents: (await bus?.stats()) ?? null }));
}
