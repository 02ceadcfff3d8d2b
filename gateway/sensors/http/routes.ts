// Sensors over HTTP: live state (all, one), downsampled readings for
// sparklines, rule states, open alarms and the ingest status. The registry
// owns /api/sensors/:id; these paths add a segment or use a static one
// (`state`, `alarms`, `ingest`), which find-my-way prefers over `:id`.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { DateTime, ErrorBody, GwError, Id, inCoverage, READ_ROLES, notFound } from '../../../device-registry/index.ts';
import type { SensorDirectory } from '../directory.ts';
import type { RuleEngine } from '../rules/engine.ts';
import type { SqliteSeries } from '../series/sqlite-series.ts';
import type { SensorStates } from '../state/sensor-state.ts';
import { healthOf, ruleViews, stateView } from './views.ts';

export interface SensorRouteDeps {
  directory: SensorDirectory;
  states: SensorStates;
  engine: RuleEngine;
  series: SqliteSeries;
  status: () => Record<string, unknown>;
}

const MAX_POINTS = 5000;
const HOUR = 3600_000;

const Params = Type.Object({ id: Id });
const StateQuery = Type.Object(
  {
    kind: Type.Optional(Type.String()),
    grid: Type.Optional(Type.String({ description: 'Exact grid code' })),
    health: Type.Optional(Type.Union(['online', 'offline', 'unknown', 'disabled'].map((h) => Type.Literal(h)))),
  },
  { additionalProperties: false },
);
const ReadingsQuery = Type.Object(
  {
    from: Type.Optional(DateTime(undefined, { description: 'Default: an hour before `to`' })),
    to: Type.Optional(DateTime(undefined, { description: 'Default: now' })),
    step: Type.Optional(Type.Integer({ minimum: 1, maximum: 86400, description: 'Seconds per point; default: about 120 points' })),
    metric: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9_]{0,31}$' })),
  },
  { additionalProperties: false },
);
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const config = { roles: READ_ROLES, scope: 'filtered' as const };
/** Routes about one sensor: out of the caller's scope it is the same 404 as an unknown id. */
const one = { roles: READ_ROLES, scope: { by: 'sensor' as const, param: 'id' } };
const tags = ['sensors'];

export function sensorRoutes(app: FastifyInstance, deps: SensorRouteDeps): void {
  const sensorOf = (id: string) => {
    const sensor = deps.directory.get(id);
    if (!sensor) throw notFound('sensor', id);
    return sensor;
  };

  app.get<{ Querystring: { kind?: string; grid?: string; health?: string } }>('/api/sensors/state', {
    config, schema: { tags, summary: 'Live state of every sensor', querystring: StateQuery, response: errors },
  }, async (req) => {
    const q = req.query;
    const coverage = await app.scopes.covered(req.actor);
    const items = deps.directory.all()
      .filter((s) => inCoverage(coverage, s.gridCode) && (!q.kind || s.kind === q.kind) && (!q.grid || s.gridCode === q.grid))
      .filter((s) => !q.health || healthOf(s, deps.states.peek(s.id), deps.engine).health === q.health)
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((s) => stateView(s, deps.states, deps.engine));
    return { items, total: items.length };
  });

  app.get('/api/sensors/alarms', {
    config, schema: { tags, summary: 'Rules not in the normal state (pending, firing, recovering) and the alarm outbox', response: errors },
  }, async (req) => {
    const coverage = await app.scopes.covered(req.actor);
    const items = deps.engine.views().filter((v) => inCoverage(coverage, deps.directory.get(v.sensorId)?.gridCode)).map((v) => ({ ...v, since: new Date(v.since).toISOString(), firedAt: v.firedAt ? new Date(v.firedAt).toISOString() : null }));
    return { items, total: items.length };
  });

  app.get('/api/sensors/ingest', {
    config: { ...config, scope: 'global' }, schema: { tags, summary: 'Broker, bridge, time-series sink and alarm delivery status with counters', response: errors },
  }, async () => deps.status());

  app.get<{ Params: { id: string } }>('/api/sensors/:id/state', {
    config: one, schema: { tags, summary: 'Live state of one sensor', params: Params, response: errors },
  }, async (req) => stateView(sensorOf(req.params.id), deps.states, deps.engine));

  app.get<{ Params: { id: string } }>('/api/sensors/:id/rules', {
    config: one, schema: { tags, summary: "A sensor's effective rules and their state machines", params: Params, response: errors },
  }, async (req) => ruleViews(sensorOf(req.params.id), deps.engine));

  app.get<{ Params: { id: string }; Querystring: { from?: string; to?: string; step?: number; metric?: string } }>('/api/sensors/:id/readings', {
    config: one, schema: { tags, summary: 'Downsampled readings (avg, min, max per step) for charts', params: Params, querystring: ReadingsQuery, response: errors },
  }, async (req) => {
    const sensor = sensorOf(req.params.id);
    const to = req.query.to ? Date.parse(req.query.to) : Date.now();
    const from = req.query.from ? Date.parse(req.query.from) : to - HOUR;
    if (!(from < to)) throw new GwError('GW_ERR_VALIDATION', 'from must be before to', 'from');
    const stepMs = (req.query.step ?? Math.max(1, Math.ceil((to - from) / 120_000))) * 1000;
    if ((to - from) / stepMs > MAX_POINTS) {
      throw new GwError('GW_ERR_VALIDATION', `at most ${MAX_POINTS} points per series: use a step of at least ${Math.ceil((to - from) / MAX_POINTS / 1000)} s`, 'step');
    }
    const r = deps.series.query(sensor.id, req.query.metric, from, to, stepMs);
    return { sensorId: sensor.id, from: new Date(from).toISOString(), to: new Date(to).toISOString(), stepSeconds: r.stepMs / 1000, source: r.source, series: r.series };
  });
}
