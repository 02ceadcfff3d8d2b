// Prometheus metrics at /metrics: process defaults, HTTP traffic, the
// registry, and each running room's own (gateway/<room>/metrics.ts). Every
// label set is bounded: no label names a device, a sensor or an incident
// (video's per-channel series name the channel's registry id), and none
// carries a URL or a secret.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ENTITY_NAMES, type RegistryService } from '../../device-registry/index.ts';
import type { GatewayConfig } from '../config/schema.ts';
import type { DetectionRoom } from '../detection/index.ts';
import { registerDetectionMetrics } from '../detection/metrics.ts';
import { alarmType } from '../gb28181/alarms.ts';
import type { Gb28181Room } from '../gb28181/index.ts';
import { registerGb28181Metrics } from '../gb28181/metrics.ts';
import { registerUpwardMetrics, type UpwardRoom } from '../gb28181/upward/index.ts';
import type { IncidentRoom } from '../incidents/index.ts';
import { registerIncidentMetrics } from '../incidents/metrics.ts';
import type { SensorsRoom } from '../sensors/index.ts';
import { registerSensorMetrics } from '../sensors/metrics.ts';
import type { VideoRoom } from '../video/index.ts';
import { registerVideoMetrics } from '../video/metrics.ts';

/** The rooms this process runs (those off are left out), and what their metrics need. */
export interface MetricSources {
  config: GatewayConfig;
  log: Logger;
  incidents: IncidentRoom;
  video?: VideoRoom;
  gb28181?: Gb28181Room;
  /** The cascade's upward media (sessions upper platforms play). */
  upward?: UpwardRoom;
  sensors?: SensorsRoom;
  detection?: DetectionRoom;
}

export function createMetrics(service: RegistryService, rooms?: MetricSources): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'gateway_' });
  let storeFailing = false;
  new Gauge({
    name: 'gateway_registry_entities',
    help: 'Entities in the registry',
    labelNames: ['entity'],
    registers: [registry],
    async collect() {
      try {
        for (const entity of ENTITY_NAMES) this.set({ entity }, (await service.store.list(entity, { limit: 1, offset: 0 })).total);
        storeFailing = false;
      } catch (err) {
        // An unreachable store must not fail the scrape (nor /metrics answer 500): the last counts stand.
        if (!storeFailing) rooms?.log.warn({ err: (err as Error).message }, 'registry metrics: the store did not answer; last values kept');
        storeFailing = true;
      }
    },
  });
  const changes = new Counter({
    name: 'gateway_registry_changes_total', help: 'Registry changes', labelNames: ['entity', 'action'], registers: [registry],
  });
  service.events.on('device.changed', (e) => changes.inc({ entity: e.entity, action: e.action }));
  if (rooms) {
    const log = rooms.log.child({ module: 'metrics' });
    registerIncidentMetrics(registry, rooms.incidents, { knownTypes: configuredIncidentTypes(rooms.config), log });
    if (rooms.video) registerVideoMetrics(registry, rooms.video.manager);
    if (rooms.gb28181) registerGb28181Metrics(registry, rooms.gb28181);
    if (rooms.upward) registerUpwardMetrics(registry, rooms.upward);
    if (rooms.sensors) registerSensorMetrics(registry, rooms.sensors);
    if (rooms.detection) registerDetectionMetrics(registry, rooms.detection);
  }
  return registry;
}

/** Incident types the configuration and the code name: detection rules, sensor kinds' rules, the GB28181 alarm table. */
export function configuredIncidentTypes(config: GatewayConfig): string[] {
  const types = new Set<string>();
  for (const profile of Object.values(config.detection.profiles)) for (const rule of profile.rules) types.add(rule.incidentType);
  for (const [kind, spec] of Object.entries(config.sensors.kinds)) {
    for (const suffix of ['high', 'low', 'rate']) types.add(`${kind}_${suffix}`);
    for (const rule of Object.values(spec.rules)) for (const type of Object.values(rule.types ?? {})) if (type) types.add(type);
  }
  for (let method = 1; method <= 8; method++) {
    types.add(alarmType(method, undefined));
    for (let type = 0; type <= 16; type++) types.add(alarmType(method, type));
  }
  return [...types];
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
