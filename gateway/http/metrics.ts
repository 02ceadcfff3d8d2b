// Prometheus metrics at /metrics: process defaults, HTTP traffic and the registry.
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ENTITY_NAMES, type RegistryService } from '../../device-registry/index.ts';

export function createMetrics(service: RegistryService): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'gateway_' });
  new Gauge({
    name: 'gateway_registry_entities',
    help: 'Entities in the registry',
    labelNames: ['entity'],
    registers: [registry],
    async collect() {
      for (const entity of ENTITY_NAMES) this.set({ entity }, (await service.store.list(entity, { limit: 1, offset: 0 })).total);
    },
  });
  const changes = new Counter({
    name: 'gateway_registry_changes_total', help: 'Registry changes', labelNames: ['entity', 'action'], registers: [registry],
  });
  service.events.on('device.changed', (e) => changes.inc({ entity: e.entity, action: e.action }));
  return registry;
}

export function metricsRoutes(app: FastifyInstance, registry: Registry): void {
  const requests = new Histogram({
    name: 'gateway_http_request_duration_seconds',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  app.addHook('onResponse', async (req, reply) => {
    requests.observe({ method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
  app.get('/metrics', { config: { public: true }, schema: { hide: true } }, async (_req, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  );
}
