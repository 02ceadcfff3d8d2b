// Incidents over HTTP: manual reports, the queue, one incident with its flow,
// the closed-loop actions, claims, webhooks and statistics.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ADMIN_ROLES, DateTime, ErrorBody, GwError, invalid, PageOffset, READ_ROLES, WRITE_ROLES } from '../../../device-registry/index.ts';
import { IncidentCandidate, Severity, type RaiseIncident } from '../candidate.ts';
import type { IncidentService } from '../service.ts';
import type { GroupBy, IncidentStats, SlaBy } from '../stats.ts';
import { ACTIONS, STATUSES, TRANSITIONS, type Status } from '../transitions.ts';
import type { Webhooks } from '../webhooks.ts';

const OPS = ['admin', 'operator', 'dispatcher'] as const;
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const IdParams = Type.Object({ id: Type.String({ pattern: '^[0-9a-f-]{36}$', 'x-message': 'must be an incident id' }) });
/** Routes about one incident: out of the caller's scope it is the same 404 as an unknown id. */
const ONE = { by: 'incident', param: 'id' } as const;
const DAY_MS = 86_400_000;
const ms = (iso?: string) => (iso === undefined ? undefined : Date.parse(iso));

const ManualReport = Type.Object(
  {
    type: IncidentCandidate.properties.type,
    category: IncidentCandidate.properties.category,
    severity: Severity,
    title: Type.String({ minLength: 1, maxLength: 256 }),
    description: IncidentCandidate.properties.description,
    occurredAt: Type.Optional(IncidentCandidate.properties.occurredAt),
    location: IncidentCandidate.properties.location,
    gridCode: IncidentCandidate.properties.gridCode,
    evidence: IncidentCandidate.properties.evidence,
    dedupeKey: IncidentCandidate.properties.dedupeKey,
  },
  { additionalProperties: false },
);

const ListQuery = Type.Object(
  {
    status: Type.Optional(Type.String({ description: `Comma-separated: ${STATUSES.join(', ')}` })),
    open: Type.Optional(Type.Boolean()),
    type: Type.Optional(Type.String()),
    severity: Type.Optional(Severity),
    grid: Type.Optional(Type.String()),
    sourceKind: Type.Optional(Type.String()),
    sourceId: Type.Optional(Type.String()),
    departmentId: Type.Optional(Type.String()),
    // The dashboard's drill-downs: each lists exactly what its /api/stats figure counted.
    department: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "A department id, or '(none)': as /api/stats/sla/by?by=department keys its rows" })),
    sla: Type.Optional(Type.Union([Type.Literal('dispatched'), Type.Literal('breached')], {
      description: 'Dispatched incidents, or those that breached their SLA (fed back after the deadline, or not yet and past it now), as /api/stats/sla counts them; from/to then bound the dispatch time',
    })),
    reached: Type.Optional(Type.Union(STATUSES.map((s) => Type.Literal(s)), { description: 'Incidents whose flow reached this step (after their first), as /api/stats/durations counts `incidents`' })),
    from: Type.Optional(DateTime(undefined, { description: 'First report at or after (dispatch time with sla)' })),
    to: Type.Optional(DateTime(undefined, { description: 'First report before (dispatch time with sla)' })),
    q: Type.Optional(Type.String({ maxLength: 64 })),
    order: Type.Union([Type.Literal('queue'), Type.Literal('newest')], { default: 'newest' }),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    offset: PageOffset,
  },
  { additionalProperties: false },
);

const ActBody = Type.Object(
  {
    version: Type.Integer({ minimum: 1, description: 'The version you read; a stale one gets 409 (only people\'s changes move it: repeats, clears and escalations do not)' }),
    note: Type.Optional(Type.String({ maxLength: 4000 })),
    attachments: Type.Optional(Type.Array(Type.String({ maxLength: 2048 }), { maxItems: 20 })),
    departmentId: Type.Optional(Type.String({ maxLength: 64 })),
    assignee: Type.Optional(Type.String({ maxLength: 128 })),
    rating: Type.Optional(Type.Integer({ minimum: 1, maximum: 5 })),
  },
  { additionalProperties: false },
);

const CandidateHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'The candidate id: a retry with the same key raises nothing twice' })),
});

export function incidentRoutes(app: FastifyInstance, deps: { service: IncidentService; stats: IncidentStats; webhooks: Webhooks; raise: RaiseIncident }): void {
  const { service } = deps;
  const tags = ['incidents'];
  app.scopes.addPlace('incident', async (id) => {
    const row = await service.store.get(id);
    return row ? row.gridCode : undefined;
  });
  // Evidence (a snapshot's URL) is where the incident holding it is. Its URL names its UTC day
  // (evidence/snapshots.ts), so only incidents seen around that day are searched.
  app.scopes.addPlace('evidence', async (url) => {
    const day = /\/(\d{4})(\d{2})(\d{2})\//.exec(url);
    const start = day ? Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3])) : Date.now() - 30 * DAY_MS;
    const found = await service.store.cellOfEvidence(url, start - DAY_MS, day ? start + 2 * DAY_MS : Date.now() + DAY_MS);
    return found ? found.gridCode : undefined;
  });
  /** A scoped caller reports only in their own cells (the same 400 as a cell that does not exist). */
  const mustPlaceInScope = async (req: FastifyRequest) => {
    const problem = await app.scopes.placementError(req.actor, 'gridCode', (req.body as { gridCode?: unknown }).gridCode);
    if (problem) throw invalid([problem]);
  };

  app.post('/api/incidents', {
    config: { roles: OPS, scope: 'filtered' },
    schema: { tags, summary: 'Report an incident by hand (上报)', body: ManualReport, response: { 200: Type.Any(), 201: Type.Any(), ...errors } },
  }, async (req, reply) => {
    await mustPlaceInScope(req);
    const result = await service.report(req.body as Record<string, unknown>, req.actor!);
    return reply.code(result.outcome === 'created' ? 201 : 200).send(result);
  });

  app.post('/api/incidents/candidates', {
    config: { roles: WRITE_ROLES, scope: 'filtered' },
    schema: {
      tags,
      summary: 'A machine alarm from another system (an AI box, a partner platform): through the same door as the gateway\'s own detectors and sensors. 201/200 with the outcome when raised at once; 202 when queued durably (cluster: NATS JetStream)',
      headers: CandidateHeaders, body: IncidentCandidate, response: { 200: Type.Any(), 201: Type.Any(), 202: Type.Any(), ...errors },
    },
  }, async (req, reply) => {
    await mustPlaceInScope(req);
    const candidateId = (req.headers as { 'idempotency-key'?: string })['idempotency-key'];
    const result = (await deps.raise(req.body as IncidentCandidate, candidateId ? { candidateId } : undefined)) as { queued?: boolean; outcome?: string };
    return reply.code(result.queued ? 202 : result.outcome === 'created' ? 201 : 200).send(result);
  });

  app.get('/api/incidents', {
    config: { roles: READ_ROLES, scope: 'filtered' },
    schema: { tags, summary: 'Incidents with filters; order=queue gives the dispatch order (severity, SLA deadline, age)', querystring: ListQuery, response: errors },
  }, async (req) => {
    const q = req.query as Record<string, string | number | boolean | undefined>;
    const statuses = q.status ? String(q.status).split(',').map((s) => s.trim()) : undefined;
    const bad = statuses?.find((s) => !STATUSES.includes(s as Status));
    if (bad) throw new GwError('GW_ERR_VALIDATION', `unknown status '${bad}'`, 'status');
    // Out of the caller's scope: as if the incidents were not there (an incident is where its grid cell is).
    const coverage = await app.scopes.covered(req.actor);
    const asked = q.grid ? String(q.grid).split(',') : undefined;
    const grid = coverage ? (asked ?? [...coverage]).filter((code) => coverage.has(code)) : asked;
    if (grid?.length === 0) return { items: [], total: 0, limit: q.limit, offset: q.offset };
    return service.list({
      status: statuses as Status[] | undefined, open: q.open as boolean | undefined, type: q.type as string | undefined, severity: q.severity as never,
      grid, sourceKind: q.sourceKind as string | undefined, sourceId: q.sourceId as string | undefined,
      departmentId: q.departmentId as string | undefined, department: q.department as string | undefined,
      sla: q.sla as 'dispatched' | 'breached' | undefined, now: Date.now(), reached: q.reached as Status | undefined,
      from: ms(q.from as string | undefined), to: ms(q.to as string | undefined), q: q.q as string | undefined,
      limit: q.limit as number, offset: q.offset as number,
    }, q.order as 'queue' | 'newest');
  });

  app.get('/api/incidents/transitions', {
    config: { roles: READ_ROLES, scope: 'global' },
    schema: { tags, summary: 'The closed-loop transition table: action, from, to, roles, required fields' },
  }, async () => ({ items: TRANSITIONS }));

  app.post('/api/incidents/queue/next', {
    config: { roles: ['admin', 'dispatcher'], scope: 'filtered' },
    schema: { tags, summary: 'Claim the next incident in queue order (a lease, so two dispatchers never work the same one)', response: { 200: Type.Any(), 204: Type.Null(), ...errors } },
  }, async (req, reply) => {
    const coverage = await app.scopes.covered(req.actor);
    const next = await service.claimNext(req.actor!, undefined, coverage ? [...coverage] : undefined);
    return next ? next : reply.code(204).send();
  });

  app.get('/api/incidents/:id', {
    config: { roles: READ_ROLES, scope: ONE },
    schema: { tags, summary: 'One incident with its flow log (全程留痕)', params: IdParams, response: errors },
  }, async (req) => service.get((req.params as { id: string }).id));

  app.post('/api/incidents/:id/actions/:action', {
    config: { roles: OPS, scope: ONE },
    schema: {
      tags, summary: `Move an incident through the loop: ${ACTIONS.join(', ')}`,
      params: Type.Object({ ...IdParams.properties, action: Type.String({ maxLength: 32 }) }), body: ActBody, response: errors,
    },
  }, async (req) => {
    const { id, action } = req.params as { id: string; action: string };
    return service.act(id, action, req.body as never, req.actor!, action === 'dispatch' ? await app.scopes.departments(req.actor) : undefined);
  });

  app.post('/api/incidents/:id/claim', {
    config: { roles: ['admin', 'dispatcher'], scope: ONE },
    schema: { tags, summary: 'Claim (or renew) the lease on an incident', params: IdParams, body: Type.Optional(Type.Object({ leaseSeconds: Type.Optional(Type.Integer({ minimum: 10, maximum: 86400 })) }, { additionalProperties: false })), response: errors },
  }, async (req) => service.claim((req.params as { id: string }).id, req.actor!, (req.body as { leaseSeconds?: number } | undefined)?.leaseSeconds));

  app.delete('/api/incidents/:id/claim', {
    config: { roles: ['admin', 'dispatcher'], scope: ONE },
    schema: { tags, summary: 'Release your lease', params: IdParams, response: errors },
  }, async (req) => service.release((req.params as { id: string }).id, req.actor!));

  const Window = Type.Object({ from: Type.Optional(DateTime()), to: Type.Optional(DateTime()) }, { additionalProperties: false });
  const windowOf = (q: { from?: string; to?: string }) => ({ from: ms(q.from) ?? Date.now() - 7 * 86_400_000, to: ms(q.to) ?? Date.now() + 1 });
  /** Statistics count only what is in the caller's scope: the cells it covers, worked out (undefined: everything). */
  const scopedGrids = async (req: FastifyRequest) => {
    const coverage = await app.scopes.covered(req.actor);
    return coverage ? [...coverage] : undefined;
  };
  app.get('/api/stats/incidents', {
    config: { roles: READ_ROLES, scope: 'filtered' },
    schema: { tags: ['stats'], summary: 'Incident counts grouped by type, grid, source, hour, severity or status', querystring: Type.Object({
      ...Window.properties,
      by: Type.Union((['type', 'grid', 'source', 'hour', 'severity', 'status'] as const).map((b) => Type.Literal(b)), { default: 'type' }),
      sourceKind: Type.Optional(Type.String({ minLength: 1, maxLength: 32, description: 'Only incidents from this kind of source (sensor: sensor alarms by kind)' })),
    }, { additionalProperties: false }) },
  }, async (req) => {
    const q = req.query as { from?: string; to?: string; by: GroupBy; sourceKind?: string };
    const { from, to } = windowOf(q);
    return { by: q.by, items: await deps.stats.counts(q.by, from, to, await scopedGrids(req), q.sourceKind) };
  });
  app.get('/api/stats/durations', { config: { roles: READ_ROLES, scope: 'filtered' }, schema: { tags: ['stats'], summary: 'Handling time per step of the loop', querystring: Window } },
    async (req) => ({ items: await deps.stats.durations(windowOf(req.query as never).from, windowOf(req.query as never).to, await scopedGrids(req)) }));
  app.get('/api/stats/sla', { config: { roles: READ_ROLES, scope: 'filtered' }, schema: { tags: ['stats'], summary: 'SLA breach rate of dispatched incidents', querystring: Window } },
    async (req) => deps.stats.sla(windowOf(req.query as never).from, windowOf(req.query as never).to, await scopedGrids(req)));
  app.get('/api/stats/sla/by', {
    config: { roles: READ_ROLES, scope: 'filtered' },
    schema: { tags: ['stats'], summary: 'SLA breach rate of dispatched incidents per department or per grid cell', querystring: Type.Object({ ...Window.properties, by: Type.Union([Type.Literal('department'), Type.Literal('grid')], { default: 'department' }) }, { additionalProperties: false }) },
  }, async (req) => {
    const q = req.query as { from?: string; to?: string; by: SlaBy };
    const { from, to } = windowOf(q);
    return { by: q.by, items: await deps.stats.slaBy(q.by, from, to, await scopedGrids(req)) };
  });
  app.get('/api/stats/heat', { config: { roles: READ_ROLES, scope: 'filtered' }, schema: { tags: ['stats'], summary: 'Per-grid heat layer (GeoJSON FeatureCollection with counts)', querystring: Window } },
    async (req) => deps.stats.heat(windowOf(req.query as never).from, windowOf(req.query as never).to, await scopedGrids(req)));

  const hookTags = ['webhooks'];
  app.get('/api/webhooks', { config: { roles: ADMIN_ROLES }, schema: { tags: hookTags, summary: 'Outbound webhooks (secrets never shown again)' } }, async () => ({ items: await deps.webhooks.list() }));
  app.post('/api/webhooks', {
    config: { roles: ADMIN_ROLES },
    schema: {
      tags: hookTags, summary: 'Add a webhook; the signing secret is in this response only (X-Gateway-Signature: sha256=HMAC(secret, body))',
      body: Type.Object({
        name: Type.String({ minLength: 1, maxLength: 128 }),
        url: Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2048 }),
        filter: Type.Optional(Type.Object({
          types: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64, description: 'Event types, e.g. incident.created' }), { maxItems: 64 })),
          minSeverity: Type.Optional(Severity),
          grids: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { maxItems: 256 })),
        }, { additionalProperties: false })),
      }, { additionalProperties: false }),
    },
  }, async (req, reply) => reply.code(201).send(await deps.webhooks.create(req.body as never)));
  app.delete('/api/webhooks/:id', { config: { roles: ADMIN_ROLES }, schema: { tags: hookTags, summary: 'Disable a webhook', params: Type.Object({ id: Type.String({ maxLength: 64 }) }) } },
    async (req, reply) => {
      await deps.webhooks.remove((req.params as { id: string }).id);
      return reply.code(204).send();
    });
  app.get('/api/webhooks/:id/deliveries', {
    config: { roles: ADMIN_ROLES },
    schema: { tags: hookTags, summary: 'Deliveries of a webhook; status=dead lists the dead letters', params: Type.Object({ id: Type.String({ maxLength: 64 }) }), querystring: Type.Object({ status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('dead')])) }, { additionalProperties: false }) },
  }, async (req) => ({ items: await deps.webhooks.deliveries((req.params as { id: string }).id, (req.query as { status?: 'pending' | 'delivered' | 'dead' }).status) }));
  app.post('/api/webhooks/deliveries/:id/retry', {
    config: { roles: ADMIN_ROLES },
    schema: { tags: hookTags, summary: 'Send a dead letter again', params: Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) }) },
  }, async (req, reply) => {
    await deps.webhooks.retry((req.params as { id: number }).id);
    return reply.code(202).send({ status: 'pending' });
  });
}
