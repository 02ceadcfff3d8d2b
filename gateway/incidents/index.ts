// The incident room's entry: the door (raise), the closed loop, the queue,
// push (SSE, webhooks), health alarms and statistics, started and stopped together.
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { PgPoolOptions, RegistryService } from '../../device-registry/index.ts';
import { dashboardRoutes } from '../dashboard/routes.ts';
import { LoopHealth } from '../loop-health.ts';
import type { RaiseIncident } from './candidate.ts';
import type { IncidentsConfig } from './config.ts';
import type { EventLog, StoredEventSink } from './event-log.ts';
import { GridLocator } from './grid-locator.ts';
import { HealthWatch } from './health-watch.ts';
import { incidentRoutes } from './http/routes.ts';
import { snapshotRoute } from './http/snapshot-route.ts';
import type { EvidenceStore } from '../evidence/index.ts';
import { sseRoutes } from './http/sse.ts';
import { IncidentService } from './service.ts';
import { IncidentStats } from './stats.ts';
import type { EventOutbox, IncidentStore } from './store/incident-store.ts';
import { PgIncidentStore } from './store/postgres/pg-incident-store.ts';
import { SqliteIncidentStore } from './store/sqlite/sqlite-incident-store.ts';
import type { StoredEvent } from './store/types.ts';
import { Webhooks } from './webhooks.ts';

export type { IncidentCandidate, RaiseIncident } from './candidate.ts';
export { IncidentsConfig } from './config.ts';
export type { EventLog, StoredEventSink } from './event-log.ts';
export { IncidentService } from './service.ts';
export type { EventOutbox, IncidentStore } from './store/incident-store.ts';

export interface IncidentRoom {
  service: IncidentService;
  /** Each stored event, once, on the node that stored it (metrics). */
  stored: EventEmitter<{ event: [StoredEvent] }>;
  webhooks: Webhooks;
  /** The store's event outbox, when it has one (PostgreSQL): the cluster relay reads it. */
  outbox?: EventOutbox;
  raise: RaiseIncident;
  routes(app: FastifyInstance): void;
  ping(): Promise<void>;
  stop(): Promise<void>;
}

export interface IncidentDeps {
  registry: RegistryService;
  dataDir: string;
  log: Logger;
  /** Scale-out: the incidents live in this PostgreSQL database, shared by every node. Unset: `incidents.db` (SQLite) in dataDir. */
  postgresUrl?: string;
  /** The incident store's pool (store.postgres.pools.incidents). */
  postgresPool?: PgPoolOptions;
  /**
   * Cluster fan-out: gets each stored event once, on the node that stored it,
   * instead of this node's bus; the cluster emits on `service.bus` what comes
   * back from the stream. Webhook deliveries are queued here either way.
   */
  onStoredEvent?: StoredEventSink;
  /** Where SSE replays from (the cluster's stream); default the store's event table. */
  eventLog?: EventLog;
  /** Where machine candidates go (the cluster's durable queue); default straight through the door. */
  queue?: RaiseIncident;
  /** Where snapshots saved to incidents from the wall are kept (POST /api/incidents/:id/snapshots). */
  evidence?: EvidenceStore;
}

const TICK_MS = 5000;

async function openStore(config: IncidentsConfig, deps: IncidentDeps): Promise<IncidentStore> {
  return deps.postgresUrl ? PgIncidentStore.open(deps.postgresUrl, config.timeZone, deps.postgresPool) : new SqliteIncidentStore(join(deps.dataDir, 'incidents.db'), config.timeZone);
}

export async function startIncidents(config: IncidentsConfig, deps: IncidentDeps): Promise<IncidentRoom> {
  const log = deps.log.child({ module: 'incidents' });
  const store = await openStore(config, deps);
  log.info({ engine: deps.postgresUrl ? 'postgresql' : 'sqlite' }, 'incident store open');
  const webhooks = new Webhooks(store.webhooks, config.webhooks, log.child({ component: 'webhooks' }));
  const stored = new EventEmitter<{ event: [StoredEvent] }>();
  const handOn = async (e: StoredEvent): Promise<void> => {
    stored.emit('event', e);
    const [out, queued] = await Promise.allSettled([
      (async () => (deps.onStoredEvent ? deps.onStoredEvent(e) : void service.bus.emit('event', e)))(),
      webhooks.enqueue(e),
    ]);
    if (queued.status === 'rejected') log.error({ err: queued.reason, seq: e.seq, incidentId: e.incidentId }, 'webhook deliveries not queued');
    if (out.status === 'rejected') throw out.reason;
  };
  const service = new IncidentService(store, deps.registry, new GridLocator(deps.registry), config, log, { onStoredEvent: handOn, eventLog: deps.eventLog });
  webhooks.start();
  const raise: RaiseIncident = deps.queue ?? ((candidate, opts) => service.raise(candidate, opts));
  const health = new HealthWatch(deps.registry, raise, config.health, log.child({ component: 'health' }));
  let housekeeping: Promise<void> | undefined;
  const housekeepingHealth = new LoopHealth(log, 'incident housekeeping');
  const tick = setInterval(() => {
    housekeeping ??= (async () => {
      await service.escalateOverdue();
      await store.pruneEvents(Date.now() - config.eventRetentionHours * 3_600_000);
    })()
      .then(() => housekeepingHealth.ok(), (err: unknown) => housekeepingHealth.failed(err))
      .finally(() => (housekeeping = undefined));
  }, TICK_MS);
  const stats = new IncidentStats(store.stats, deps.registry);
  return {
    service,
    stored,
    webhooks,
    outbox: store.outbox,
    raise,
    routes: (app) => {
      incidentRoutes(app, { service, stats, webhooks, raise });
      dashboardRoutes(app, { registry: deps.registry });
      if (deps.evidence) snapshotRoute(app, { service, evidence: deps.evidence });
      sseRoutes(app, service, deps.registry.events);
    },
    ping: () => store.ping(),
    stop: async () => {
      clearInterval(tick);
      health.stop();
      await housekeeping;
      await webhooks.stop();
      await store.close();
    },
  };
}
