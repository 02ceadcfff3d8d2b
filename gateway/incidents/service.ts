// The incident door and the closed loop: every candidate is validated, placed
// in a grid cell and deduplicated; every step is checked against the
// transition table and the caller's role, and written with its flow record.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { check, GwError, invalid, notFound, type Actor, type RegistryService } from '../../device-registry/index.ts';
import { IncidentCandidate } from './candidate.ts';
import type { IncidentsConfig } from './config.ts';
import type { GridLocator } from './grid-locator.ts';
import type { SqliteIncidentStore } from './store/sqlite-incident-store.ts';
import type { IncidentFilter, IncidentRow, RaiseOutcome, StoredEvent } from './store/types.ts';
import { findTransition, type Status } from './transitions.ts';
import { SEVERITIES, publicFlow, publicIncident } from './view.ts';

/** Non-durable live events (detection boxes for the overlay) travel with the stored ones. */
export interface LiveEvent {
  seq?: undefined;
  type: string;
  payload: Record<string, unknown>;
}

interface IncidentEvents {
  event: [StoredEvent | LiveEvent];
}

const SYSTEM = { keyId: null, name: 'system', role: null };

export interface ActBody {
  version: number;
  note?: string;
  attachments?: string[];
  departmentId?: string;
  assignee?: string;
  rating?: number;
}

export class IncidentService {
  readonly bus = new EventEmitter<IncidentEvents>();

  constructor(
    readonly store: SqliteIncidentStore,
    private readonly registry: RegistryService,
    private readonly locator: GridLocator,
    private readonly config: IncidentsConfig,
    private readonly log: Logger,
  ) {
    this.bus.setMaxListeners(0); // one per SSE client
  }

  private publish(event: StoredEvent | undefined): void {
    if (event) this.bus.emit('event', event);
  }

  publishLive(type: string, payload: Record<string, unknown>): void {
    this.bus.emit('event', { type, payload });
  }

  /** Where the incident is: the candidate's point, else the source device's; its cell by outline, else the device's. */
  private async place(c: IncidentCandidate): Promise<{ lat: number | null; lng: number | null; gridCode: string | null }> {
    const entity = c.source.kind === 'sensor' || c.source.kind === 'sensor-health' ? 'sensors' : c.source.kind === 'detector' || c.source.kind === 'channel-health' || c.source.kind === 'gb28181' ? 'channels' : undefined;
    const device = entity ? await this.registry.getStored(entity, c.source.id) : undefined;
    const location = c.location ?? (device?.doc.location as { lat: number; lng: number } | undefined);
    if (c.gridCode && (await this.registry.getStored('grids', c.gridCode))) return { lat: location?.lat ?? null, lng: location?.lng ?? null, gridCode: c.gridCode };
    const located = location ? await this.locator.locate(location.lat, location.lng) : undefined;
    const gridCode = located?.gridCode ?? (device?.doc.gridCode as string | undefined) ?? null;
    return { lat: location?.lat ?? null, lng: location?.lng ?? null, gridCode };
  }

  async raise(candidate: unknown): Promise<{ incident?: ReturnType<typeof publicIncident>; outcome: RaiseOutcome }> {
    const errors = check(IncidentCandidate, candidate);
    if (errors.length) throw invalid(errors);
    const c = candidate as IncidentCandidate;
    const place = await this.place(c);
    const result = this.store.raise({
      id: randomUUID(), type: c.type, category: c.category ?? null, severity: c.severity, title: c.title ?? null, description: c.description ?? null,
      sourceKind: c.source.kind, sourceId: c.source.id, dedupeKey: c.dedupeKey ?? `${c.source.kind}:${c.source.id}:${c.type}`,
      occurredAt: c.occurredAt, ...place, evidence: (c.evidence ?? {}) as Record<string, unknown>, clear: c.clear === true,
    }, Date.now(), this.config.cooldownSeconds * 1000, SYSTEM);
    if (!result.row) return { outcome: result.outcome };
    this.publish(result.event);
    if (result.outcome === 'created') this.log.info({ incidentId: result.row.id, code: result.row.code, type: c.type, source: `${c.source.kind}:${c.source.id}` }, 'incident raised');
    return { incident: publicIncident(result.row), outcome: result.outcome };
  }

  /** A report by a person: never deduplicated with another report unless a key is given. */
  async report(body: Record<string, unknown>, actor: Actor) {
    const candidate = { ...body, source: { kind: 'manual', id: actor.keyId ?? actor.name }, occurredAt: (body.occurredAt as number) ?? Date.now() };
    const dedupeKey = (body.dedupeKey as string | undefined) ?? `manual:${randomUUID()}`;
    const result = await this.raise({ ...candidate, dedupeKey });
    return result;
  }

  private mustGet(id: string): IncidentRow {
    const row = this.store.get(id);
    if (!row) throw notFound('incident', id);
    return row;
  }

  async act(id: string, action: string, body: ActBody, actor: Actor) {
    const t = findTransition(action);
    if (!t) throw new GwError('GW_ERR_NOT_FOUND', `no action '${action}'`, 'action');
    if (!actor.role || !t.roles.includes(actor.role)) throw new GwError('GW_ERR_FORBIDDEN', `role '${actor.role}' may not ${action} (allowed: ${t.roles.join(', ')})`, 'action');
    const row = this.mustGet(id);
    if (!t.from.includes(row.status)) {
      throw new GwError('GW_ERR_ILLEGAL_TRANSITION', `cannot ${action} incident ${row.code}: it is ${row.status} (${action} needs ${t.from.join(' or ')})`, 'action');
    }
    if (row.claimBy && row.claimUntil && row.claimUntil > Date.now() && row.claimBy !== actor.keyId && actor.role !== 'admin') {
      throw new GwError('GW_ERR_CLAIMED', `incident ${row.code} is claimed by ${row.claimBy}`, 'id');
    }
    for (const need of t.needs ?? []) {
      if (body[need] === undefined || body[need] === '') throw new GwError('GW_ERR_VALIDATION', `${action} needs ${need}`, need);
    }
    const now = Date.now();
    const set: Record<string, unknown> = {};
    if (action === 'dispatch') {
      if (!(await this.registry.getStored('departments', body.departmentId!))) throw new GwError('GW_ERR_VALIDATION', `department '${body.departmentId}' does not exist`, 'departmentId');
      Object.assign(set, { departmentId: body.departmentId, assignee: body.assignee ?? null, dispatchedAt: now, slaDeadline: now + this.config.slaMinutes[row.severity] * 60_000, escalated: false });
    }
    if (action === 'rate') set.rating = body.rating;
    if (t.to === 'archived' || t.to === 'rejected' || t.to === 'invalid') set.closedAt = now;
    const { row: updated, event } = this.store.transition({
      id, expectedVersion: body.version, from: row.status, to: t.to, set,
      flow: { actor, action, from: row.status, to: t.to, note: body.note ?? null, attachments: body.attachments ?? [], data: Object.keys(set).length ? set : null },
      event: 'incident.transition',
    }, now);
    this.publish(event);
    return publicIncident(updated);
  }

  claim(id: string, actor: Actor, leaseSeconds = this.config.claimLeaseSeconds) {
    const now = Date.now();
    return publicIncident(this.store.claim(id, actor.keyId ?? actor.name, now + leaseSeconds * 1000, now));
  }

  release(id: string, actor: Actor) {
    return publicIncident(this.store.release(id, actor.keyId ?? actor.name));
  }

  /** The next incident a dispatcher should work, claimed for them. */
  claimNext(actor: Actor, statuses: readonly Status[] = ['reported', 'accepted', 'feedback', 'verified', 'rated']) {
    const now = Date.now();
    const row = this.store.claimNext(actor.keyId ?? actor.name, now + this.config.claimLeaseSeconds * 1000, now, statuses);
    return row ? publicIncident(row) : undefined;
  }

  get(id: string) {
    const row = this.mustGet(id);
    return { ...publicIncident(row), flow: this.store.flow(id).map(publicFlow) };
  }

  list(filter: IncidentFilter, order: 'queue' | 'newest') {
    const { rows, total } = this.store.list(filter, order);
    return { items: rows.map(publicIncident), total, limit: filter.limit, offset: filter.offset };
  }

  /** Dispatched incidents past their SLA: one step more severe, on record, announced. */
  escalateOverdue(): number {
    let n = 0;
    for (const row of this.store.overdue(Date.now())) {
      const worse = SEVERITIES[Math.max(0, SEVERITIES.indexOf(row.severity) - 1)]!;
      const result = this.store.escalate(row.id, worse, {
        actor: SYSTEM, action: 'escalate', from: null, to: null, note: `SLA missed (deadline ${new Date(row.slaDeadline!).toISOString()}): severity ${row.severity} → ${worse}`, attachments: [], data: null,
      }, Date.now());
      if (result) {
        n++;
        this.log.warn({ incidentId: row.id, code: row.code }, 'incident overdue: escalated');
        this.publish(result.event);
      }
    }
    return n;
  }
}
