// The incident room's entry: the door (raise), the closed loop, the queue,
// push (SSE, webhooks), health alarms and statistics, started and stopped together.
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { RegistryService } from '../../device-registry/index.ts';
import type { RaiseIncident } from './candidate.ts';
import type { IncidentsConfig } from './config.ts';
import { GridLocator } from './grid-locator.ts';
import { HealthWatch } from './health-watch.ts';
import { incidentRoutes } from './http/routes.ts';
import { sseRoutes } from './http/sse.ts';
import { IncidentService } from './service.ts';
import { IncidentStats } from './stats.ts';
import { SqliteIncidentStore } from './store/sqlite-incident-store.ts';
import { Webhooks } from './webhooks.ts';

export type { IncidentCandidate, RaiseIncident } from './candidate.ts';
export { IncidentsConfig } from './config.ts';
export { IncidentService } from './service.ts';

export interface IncidentRoom {
  service: IncidentService;
  raise: RaiseIncident;
  routes(app: FastifyInstance): void;
  ping(): Promise<void>;
  stop(): Promise<void>;
}

const TICK_MS = 5000;

export function startIncidents(config: IncidentsConfig, deps: { registry: RegistryService; dataDir: string; log: Logger }): IncidentRoom {
  const log = deps.log.child({ module: 'incidents' });
  const store = new SqliteIncidentStore(join(deps.dataDir, 'incidents.db'), config.timeZone);
  const service = new IncidentService(store, deps.registry, new GridLocator(deps.registry), config, log);
  const webhooks = new Webhooks(store.db, config.webhooks, log.child({ component: 'webhooks' }));
  service.bus.on('event', (e) => {
    if (e.seq !== undefined) webhooks.enqueue(e);
  });
  webhooks.start();
  const raise: RaiseIncident = (candidate) => service.raise(candidate);
  const health = new HealthWatch(deps.registry, raise, config.health, log.child({ component: 'health' }));
  const tick = setInterval(() => {
    try {
      service.escalateOverdue();
      store.pruneEvents(Date.now() - config.eventRetentionHours * 3_600_000);
    } catch (err) {
      log.error({ err }, 'incident housekeeping failed');
    }
  }, TICK_MS);
  const stats = new IncidentStats(store.db, deps.registry);
  return {
    service,
    raise,
    routes: (app) => {
      incidentRoutes(app, { service, stats, webhooks });
      sseRoutes(app, service);
    },
    ping: async () => store.ping(),
    stop: async () => {
      clearInterval(tick);
      health.stop();
      webhooks.stop();
      store.close();
    },
  };
}
