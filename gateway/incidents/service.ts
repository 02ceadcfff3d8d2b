// The incident door and the closed loop: every candidate is validated, placed
// in a grid cell and deduplicated; every step is checked against the
// transition table and the caller's role, and written with its flow record.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { check, coded, GwError, invalid, notFound, type Actor, type RegistryService } from '../../device-registry/index.ts';
import { say } from '../../device-registry/messages.ts';
import { IncidentCandidate } from './candidate.ts';
import type { IncidentsConfig } from './config.ts';
import type { GridLocator } from './grid-locator.ts';
import { storeEventLog, type EventLog, type StoredEventSink } from './event-log.ts';
import type { IncidentStore } from './store/incident-store.ts';
import { producerEvidence, type EvidenceItem } from './store/rules.ts';
import type { IncidentFilter, IncidentRow, RaiseOutcome, StoredEvent } from './store/types.ts';
import { findTransition, type Status } from './transitions.ts';
import { SEVERITIES, publicFlow, publicIncident } from './view.ts';
import { codeOnly } from './title-message.ts';

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
/** Who holds a claim or made a report: the key, or the signed-in person (a person has no key id). */
const claimant = (a: Actor): string => a.keyId ?? (a.userId ? `user:${a.userId}` : a.name);

/** `dispatch needs departmentId`, coded (the English is what API users have always read). */
const needsMessage = (action: string, need: 'note' | 'departmentId' | 'rating') =>
  need === 'departmentId' ? say('dispatch_needs_department') // only dispatch needs a department (transitions.ts)
    : say(need === 'note' ? 'action_needs_note' : 'action_needs_rating', { action });

export interface ActBody {
  version: number;
  note?: string;
  attachments?: string[];
  departmentId?: string;
  assignee?: string;
  rating?: number;
}

export interface IncidentServiceOptions {
  /** Replaces the local bus emit for stored events (see StoredEventSink); live events stay on the bus. */
  onStoredEvent?: StoredEventSink;
  /** Where SSE replays from; defaults to the store's event table. */
  eventLog?: EventLog;
}

export class IncidentService {
  readonly bus = new EventEmitter<IncidentEvents>();
  /** SSE replay reads here (http/sse.ts), never the store directly, so a cluster can swap in JetStream's history. */
  readonly eventLog: EventLog;
  private readonly sink: StoredEventSink;

  constructor(
    readonly store: IncidentStore,
    private readonly registry: RegistryService,
    private readonly locator: GridLocator,
    private readonly config: IncidentsConfig,
    private readonly log: Logger,
    opts: IncidentServiceOptions = {},
  ) {
    this.bus.setMaxListeners(0); // one per SSE client
    this.eventLog = opts.eventLog ?? storeEventLog(store);
    this.sink = opts.onStoredEvent ?? ((e) => void this.bus.emit('event', e));
  }

  /**
   * The one way out for stored events: each is handed to the sink once, after
   * its write committed. A failing sink is logged, not thrown: the change is
   * on record, and the caller's retry would only count a repeat.
   */
  private async publish(event: StoredEvent | undefined): Promise<void> {
    if (!event) return;
    if (event.type === 'incident.created' && this.decorate) {
      // What another room adds to a new incident's event (the map's nearest cameras); without it the event still goes.
      try {
        Object.assign(event.payload, await this.decorate(event.payload));
      } catch (err) {
        this.log.warn({ err, seq: event.seq, incidentId: event.incidentId }, 'incident.created not decorated');
      }
    }
    try {
      await this.sink(event);
    } catch (err) {
      this.log.error({ err, seq: event.seq, type: event.type, incidentId: event.incidentId }, 'stored event not handed on');
    }
  }

  private decorate?: (incident: Record<string, unknown>) => Promise<Record<string, unknown> | undefined>;

  /** Fields another room adds to each incident.created event as it is handed on (alarm linkage: gateway/map/linkage.ts); undefined removes it. */
  decorateCreated(fn: ((incident: Record<string, unknown>) => Promise<Record<string, unknown> | undefined>) | undefined): void {
    this.decorate = fn;
  }

  publishLive(type: string, payload: Record<string, unknown>): void {
    this.bus.emit('event', { type, payload });
  }

  /** Where the incident is: the candidate's point, else the source device's; its cell by outline, else the device's. */
  private async place(c: IncidentCandidate): Promise<{ lat: number | null; lng: number | null; gridCode: string | null }> {
    const entity = c.source.kind === 'sensor' || c.source.kind === 'sensor-health' ? 'sensors' : c.source.kind === 'detector' || c.source.kind === 'channel-health' || c.source.kind === 'gb28181' || c.source.kind === 'onvif' ? 'channels' : undefined;
    const device = entity ? await this.registry.getStored(entity, c.source.id) : undefined;
    const location = c.location ?? (device?.doc.location as { lat: number; lng: number } | undefined);
    if (c.gridCode && (await this.registry.getStored('grids', c.gridCode))) return { lat: location?.lat ?? null, lng: location?.lng ?? null, gridCode: c.gridCode };
    const located = location ? await this.locator.locate(location.lat, location.lng) : undefined;
    const gridCode = located?.gridCode ?? (device?.doc.gridCode as string | undefined) ?? null;
    return { lat: location?.lat ?? null, lng: location?.lng ?? null, gridCode };
  }

  /**
   * The door. `candidateId` (a queue message id) makes the raise idempotent: a
   * second raise with it changes nothing and answers the first outcome.
   */
  async raise(candidate: unknown, opts: { candidateId?: string } = {}): Promise<{ incident?: ReturnType<typeof publicIncident>; outcome: RaiseOutcome }> {
    const errors = check(IncidentCandidate, candidate);
    if (errors.length) throw invalid(errors);
    const { candidateId } = opts;
    if (candidateId !== undefined && (typeof candidateId !== 'string' || candidateId.length === 0 || candidateId.length > 256)) {
      throw new GwError('GW_ERR_VALIDATION', 'candidateId must be a string of 1 to 256 characters', 'candidateId');
    }
    const c = candidate as IncidentCandidate;
    const place = await this.place(c);
    const result = await this.store.raise({
      id: randomUUID(), type: c.type, category: c.category ?? null, severity: c.severity, title: c.title ?? null, description: c.description ?? null,
      sourceKind: c.source.kind, sourceId: c.source.id, dedupeKey: c.dedupeKey ?? `${c.source.kind}:${c.source.id}:${c.type}`,
      occurredAt: c.occurredAt, ...place, evidence: producerEvidence((c.evidence ?? {}) as Record<string, unknown>), clear: c.clear === true,
      ...(candidateId !== undefined ? { candidateId } : {}),
    }, Date.now(), this.config.cooldownSeconds * 1000, SYSTEM);
    if (result.replayed) this.log.debug({ candidateId, outcome: result.outcome, incidentId: result.row?.id }, 'candidate already raised: nothing changed');
    if (!result.row) return { outcome: result.outcome };
    await this.publish(result.event);
    if (result.outcome === 'created' && !result.replayed) this.log.info({ incidentId: result.row.id, code: result.row.code, type: c.type, source: `${c.source.kind}:${c.source.id}` }, 'incident raised');
    return { incident: publicIncident(result.row), outcome: result.outcome };
  }

  /** A report by a person: never deduplicated with another report unless a key is given. */
  async report(body: Record<string, unknown>, actor: Actor) {
    const candidate = { ...body, source: { kind: 'manual', id: claimant(actor) }, occurredAt: (body.occurredAt as number) ?? Date.now() };
    const dedupeKey = (body.dedupeKey as string | undefined) ?? `manual:${randomUUID()}`;
    const result = await this.raise({ ...candidate, dedupeKey });
    return result;
  }

  private async mustGet(id: string): Promise<IncidentRow> {
    const row = await this.store.get(id);
    if (!row) throw notFound('incident', id);
    return row;
  }

  /** `departments`: those the actor may dispatch to (their scope's, auth/scope.ts); any other is refused as unknown. */
  async act(id: string, action: string, body: ActBody, actor: Actor, departments?: ReadonlySet<string> | null) {
    const t = findTransition(action);
    if (!t) throw new GwError('GW_ERR_NOT_FOUND', `no action '${action}'`, 'action');
    if (!actor.role || !t.roles.includes(actor.role)) throw coded('GW_ERR_FORBIDDEN', say('role_may_not', { role: String(actor.role), action, allowed: t.roles.join(', ') }), 'action');
    const row = await this.mustGet(id);
    if (!t.from.includes(row.status)) {
      throw coded('GW_ERR_ILLEGAL_TRANSITION', say('illegal_transition', { action, incident: row.code, status: row.status, allowed: t.from.join(' or ') }), 'action');
    }
    if (row.claimBy && row.claimUntil && row.claimUntil > Date.now() && row.claimBy !== claimant(actor) && actor.role !== 'admin') {
      throw coded('GW_ERR_CLAIMED', say('claimed_by', { incident: row.code, by: row.claimBy }), 'id');
    }
    for (const need of t.needs ?? []) {
      if (body[need] === undefined || body[need] === '') throw coded('GW_ERR_VALIDATION', needsMessage(action, need), need);
    }
    const now = Date.now();
    const set: Record<string, unknown> = {};
    if (action === 'dispatch') {
      const outOfScope = departments && !departments.has(body.departmentId!);
      if (outOfScope || !(await this.registry.getStored('departments', body.departmentId!))) throw coded('GW_ERR_VALIDATION', say('department_not_found', { id: body.departmentId! }), 'departmentId');
      Object.assign(set, { departmentId: body.departmentId, assignee: body.assignee ?? null, dispatchedAt: now, slaDeadline: now + this.config.slaMinutes[row.severity] * 60_000, escalated: false });
    }
    if (action === 'rate') set.rating = body.rating;
    if (t.to === 'archived' || t.to === 'rejected' || t.to === 'invalid') set.closedAt = now;
    const { row: updated, event } = await this.store.transition({
      id, expectedVersion: body.version, from: row.status, to: t.to, set,
      flow: { actor, action, from: row.status, to: t.to, note: body.note ?? null, attachments: body.attachments ?? [], data: Object.keys(set).length ? set : null },
      event: 'incident.transition',
    }, now);
    await this.publish(event);
    return publicIncident(updated);
  }

  /**
   * A record on the flow that changes nothing else (a snapshot an operator saved from the wall, a clip): on record and announced; status and version stay.
   * `evidence`: an item that joins an evidence list with the record (a clip in `evidence.clips`); one whose url is there already writes nothing.
   */
  async note(id: string, body: { action: string; note?: string; attachments: string[]; data?: Record<string, unknown>; evidence?: EvidenceItem }, actor: Actor) {
    const flow = { actor, action: body.action, from: null, to: null, note: body.note ?? null, attachments: body.attachments, data: body.data ?? null };
    const result = await this.store.note(id, flow, Date.now(), body.evidence);
    if (!result) throw notFound('incident', id);
    if (result.event) await this.publish(result.event);
    return publicIncident(result.row);
  }

  async claim(id: string, actor: Actor, leaseSeconds = this.config.claimLeaseSeconds) {
    const now = Date.now();
    return publicIncident(await this.store.claim(id, claimant(actor), now + leaseSeconds * 1000, now));
  }

  async release(id: string, actor: Actor) {
    return publicIncident(await this.store.release(id, claimant(actor)));
  }

  /** The next incident a dispatcher should work, claimed for them. */
  async claimNext(actor: Actor, statuses: readonly Status[] = ['reported', 'accepted', 'feedback', 'verified', 'rated'], grids?: readonly string[]) {
    const now = Date.now();
    const row = await this.store.claimNext(claimant(actor), now + this.config.claimLeaseSeconds * 1000, now, statuses, grids);
    return row ? publicIncident(row) : undefined;
  }

  async get(id: string) {
    const row = await this.mustGet(id);
    return { ...publicIncident(row), flow: (await this.store.flow(id)).map(publicFlow) };
  }

  async list(filter: IncidentFilter, order: 'queue' | 'newest') {
    const { rows, total } = await this.store.list(filter, order);
    return { items: rows.map(publicIncident), total, limit: filter.limit, offset: filter.offset };
  }

  /** Dispatched incidents past their SLA: one step more severe, on record, announced. */
  async escalateOverdue(): Promise<number> {
    let n = 0;
    for (const row of await this.store.overdue(Date.now())) {
      const worse = SEVERITIES[Math.max(0, SEVERITIES.indexOf(row.severity) - 1)]!;
      const missed = say('sla_missed', { deadline: new Date(row.slaDeadline!).toISOString(), fromSeverity: row.severity, toSeverity: worse });
      const result = await this.store.escalate(row.id, worse, {
        actor: SYSTEM, action: 'escalate', from: null, to: null, note: missed.message, attachments: [], data: { message: codeOnly(missed) },
      }, Date.now());
      if (result) {
        n++;
        this.log.warn({ incidentId: row.id, code: row.code }, 'incident overdue: escalated');
        await this.publish(result.event);
      }
    }
    return n;
  }
}
