// The incident room's Prometheus metrics. Counted on the node that does the
// work (sum them over nodes): incidents raised by type and source kind, SLA
// breaches (escalations of overdue incidents) and webhook attempts by
// outcome. Read from the store, which every node shares (take the max over
// nodes): open incidents by status and dead letters waiting for a retry.
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { readCounter, readGauge, type Sample } from '../http/metric-kit.ts';
import type { IncidentRoom } from './index.ts';
import { CLOSED, STATUSES } from './transitions.ts';

const OPEN_STATUSES = STATUSES.filter((s) => !CLOSED.includes(s));
const MACHINE_TYPES = ['camera_offline', 'sensor_offline'];
/** Distinct type names kept as labels at most; beyond it everything is `other`. */
const MAX_TYPES = 200;
/** The store is asked at most this often, however many scrapers there are. */
const STORE_READ_MS = 5000;

/**
 * Incident types as a label, bounded. Machines raise types their
 * configuration bounds (detection rules, sensor kinds, the GB28181 alarm
 * table, camera and sensor health), so theirs keep their name. A person's
 * report may name any type: it keeps its name only when the configuration or
 * a machine uses that type too, else it is `other`. Machines of other systems
 * (POST /api/incidents/candidates) are bounded by the cap: after MAX_TYPES
 * names, every new one is `other`.
 */
export class IncidentTypeLabels {
  private readonly known: Set<string>;

  constructor(configured: Iterable<string>) {
    this.known = new Set([...MACHINE_TYPES, ...configured]);
  }

  label(type: string, sourceKind: string): string {
    if (this.known.has(type)) return type;
    if (sourceKind === 'manual' || this.known.size >= MAX_TYPES) return 'other';
    this.known.add(type);
    return type;
  }
}

type RoomView = Pick<IncidentRoom, 'service' | 'stored' | 'webhooks'>;

export function registerIncidentMetrics(registry: Registry, room: RoomView, opts: { knownTypes: Iterable<string>; log: Logger }): void {
  const types = new IncidentTypeLabels(opts.knownTypes);
  const raised = new Counter({
    name: 'gateway_incidents_raised_total', help: 'Incidents opened by this node, by type (bounded: see IncidentTypeLabels) and source kind', labelNames: ['type', 'source_kind'], registers: [registry],
  });
  const breaches = new Counter({ name: 'gateway_incidents_sla_breaches_total', help: 'Dispatched incidents past their SLA deadline (each escalates once)', registers: [registry] });
  room.stored.on('event', (e) => {
    if (e.type === 'incident.created') {
      const kind = String((e.payload.source as { kind?: unknown } | undefined)?.kind ?? 'unknown');
      raised.inc({ type: types.label(String(e.payload.type), kind), source_kind: kind });
    } else if (e.type === 'incident.escalated') breaches.inc();
  });

  const store = room.service.store;
  const fromStore = <L extends string>(what: string, read: () => Promise<Array<Sample<L>>>) => {
    let last: { at: number; samples: Array<Sample<L>> } | undefined;
    let failing = false;
    return async (): Promise<Array<Sample<L>>> => {
      if (last && Date.now() - last.at < STORE_READ_MS) return last.samples;
      try {
        last = { at: Date.now(), samples: await read() };
        failing = false;
      } catch (err) {
        // A store that cannot answer must not fail the scrape: the last values stand, logged once per outage.
        if (!failing) opts.log.warn({ err: (err as Error).message, metric: what }, 'incident metrics: the store did not answer; last values kept');
        failing = true;
      }
      return last?.samples ?? [];
    };
  };
  readGauge(registry, {
    name: 'gateway_incidents_open', help: 'Open incidents by status, from the shared store (the same on every node)', labelNames: ['status'],
    read: fromStore('gateway_incidents_open', async () =>
      Promise.all(OPEN_STATUSES.map(async (status): Promise<Sample<'status'>> => [{ status }, (await store.list({ status: [status], open: true, limit: 0, offset: 0 }, 'queue')).total]))),
  });
  readCounter(registry, {
    name: 'gateway_incident_webhook_deliveries_total', help: 'Webhook delivery attempts by this node: delivered, failed (to be retried), dead (given up: a dead letter)', labelNames: ['outcome'],
    read: () => Object.entries(room.webhooks.counts).map(([outcome, n]) => [{ outcome }, n]),
  });
  readGauge(registry, {
    name: 'gateway_incident_webhook_dead_letters', help: 'Dead letters kept for a retry, from the shared store (counted up to 1000 per webhook)',
    read: fromStore('gateway_incident_webhook_dead_letters', async () => {
      let n = 0;
      for (const hook of await store.webhooks.hooks(false)) n += (await store.webhooks.deliveries(hook.id, 'dead', 1000)).length;
      return [[{}, n]];
    }),
  });
}
