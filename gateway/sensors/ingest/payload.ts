// Untrusted telemetry payloads → readings. Three shapes are understood:
//   {"ts": …, "readings": [{"n": "ch4", "v": 12.5, "u": "%LEL"}]}   (SenML-like; "vb" for booleans, "t" per reading)
//   {"value": 12.5, "ts": …}                                         (short form: the kind's default metric)
//   anything else, through the kind's `mapping` (vendor JSON, dotted paths)
// Nothing here throws: every problem comes back with its reason, and the
// good readings of a message survive a bad one beside them.
import type { KindConfig, PayloadMapping } from '../config.ts';

export interface Reading {
  metric: string;
  value: number;
  unit?: string;
  /** Epoch ms. */
  ts: number;
}

export type Problem = { reason: 'malformed' | 'invalid' | 'impossible' | 'bad_timestamp'; message: string };

export interface Parsed {
  readings: Reading[];
  problems: Problem[];
}

export interface ParseContext {
  kind: KindConfig | undefined;
  /** The sensor's own unit (registry), for its kind's default metric. */
  unit: string | undefined;
  now: number;
  maxReadings: number;
  futureSkewMs: number;
  maxAgeMs: number;
}

const METRIC = /^[a-z][a-z0-9_]{0,31}$/;
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Seconds, milliseconds or ISO-8601 → epoch ms; undefined when it is none of them. */
export function toEpochMs(v: unknown, unit: PayloadMapping['tsUnit'] = 'auto'): number | undefined {
  if (typeof v === 'string' && (unit === 'auto' || unit === 'iso')) {
    const ms = Date.parse(v);
    return Number.isFinite(ms) ? ms : undefined;
  }
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || unit === 'iso') return undefined;
  if (unit === 's') return Math.round(v * 1000);
  if (unit === 'ms') return Math.round(v);
  return v < 1e11 ? Math.round(v * 1000) : Math.round(v); // 1e11 s is year 5138; 1e11 ms is 1973
}

function dig(doc: unknown, path: string): unknown {
  let node = doc;
  for (const key of path.split('.')) {
    if (!isObject(node) && !Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

type Raw = { metric: unknown; value: unknown; unit?: unknown; ts?: unknown };

function rawReadings(doc: Record<string, unknown>, ctx: ParseContext): { raws: Raw[]; ts: unknown; tsUnit: PayloadMapping['tsUnit'] } | Problem {
  if ('readings' in doc) {
    if (!Array.isArray(doc.readings)) return { reason: 'invalid', message: 'readings: must be an array' };
    const raws = doc.readings.map((r): Raw => (isObject(r) ? { metric: r.n, value: 'vb' in r && !('v' in r) ? r.vb : r.v, unit: r.u, ts: r.t } : { metric: undefined, value: r }));
    return { raws, ts: doc.ts, tsUnit: 'auto' };
  }
  if ('value' in doc) {
    return { raws: [{ metric: ctx.kind?.defaultMetric ?? 'value', value: doc.value, unit: doc.unit }], ts: doc.ts, tsUnit: 'auto' };
  }
  const mapping = ctx.kind?.mapping;
  if (!mapping) return { reason: 'invalid', message: 'no readings: expected "readings" or "value"' };
  const raws = Object.entries(mapping.metrics)
    .map(([metric, path]) => ({ metric, value: dig(doc, path) }))
    .filter((r) => r.value !== undefined);
  if (!raws.length) return { reason: 'invalid', message: 'no readings at the mapped paths' };
  return { raws, ts: mapping.ts ? dig(doc, mapping.ts) : undefined, tsUnit: mapping.tsUnit };
}

function checkReading(raw: Raw, messageTs: number, ctx: ParseContext, problems: Problem[]): Reading | undefined {
  const metric = typeof raw.metric === 'string' ? raw.metric.toLowerCase() : undefined;
  if (!metric || !METRIC.test(metric)) {
    problems.push({ reason: 'invalid', message: `reading name must be a lower_snake_case string, got ${JSON.stringify(raw.metric)?.slice(0, 40)}` });
    return undefined;
  }
  const value = typeof raw.value === 'boolean' ? Number(raw.value) : raw.value;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    problems.push({ reason: 'invalid', message: `${metric}: value must be a number, got ${typeof raw.value === 'string' ? 'a string' : JSON.stringify(raw.value)?.slice(0, 40)}` });
    return undefined;
  }
  const spec = ctx.kind && Object.hasOwn(ctx.kind.metrics, metric) ? ctx.kind.metrics[metric] : undefined;
  const expected = (metric === ctx.kind?.defaultMetric ? ctx.unit : undefined) ?? spec?.unit ?? undefined;
  if (raw.unit !== undefined && (typeof raw.unit !== 'string' || (expected !== undefined && raw.unit !== expected))) {
    problems.push({ reason: 'invalid', message: `${metric}: unit ${JSON.stringify(raw.unit)?.slice(0, 20)} is not ${expected ?? 'a string'}` });
    return undefined;
  }
  if (spec && ((spec.min !== null && value < spec.min) || (spec.max !== null && value > spec.max))) {
    problems.push({ reason: 'impossible', message: `${metric}: ${value} is outside the possible range ${spec.min ?? '-∞'}…${spec.max ?? '∞'}` });
    return undefined;
  }
  let ts = messageTs;
  if (raw.ts !== undefined) {
    const own = toEpochMs(raw.ts);
    if (own !== undefined && own <= ctx.now + ctx.futureSkewMs && own >= ctx.now - ctx.maxAgeMs) ts = own;
    else problems.push({ reason: 'bad_timestamp', message: `${metric}: timestamp ${JSON.stringify(raw.ts)?.slice(0, 30)} replaced by the arrival time` });
  }
  const unit = typeof raw.unit === 'string' ? raw.unit : expected;
  return unit === undefined ? { metric, value, ts } : { metric, value, unit, ts };
}

export function parseTelemetry(payload: Buffer, ctx: ParseContext): Parsed {
  const problems: Problem[] = [];
  let doc: unknown;
  try {
    doc = JSON.parse(payload.toString('utf8'));
  } catch (err) {
    return { readings: [], problems: [{ reason: 'malformed', message: `not JSON: ${(err as Error).message.slice(0, 80)}` }] };
  }
  if (!isObject(doc)) return { readings: [], problems: [{ reason: 'malformed', message: 'the payload must be a JSON object' }] };
  const found = rawReadings(doc, ctx);
  if ('reason' in found) return { readings: [], problems: [found] };
  if (found.raws.length > ctx.maxReadings) {
    return { readings: [], problems: [{ reason: 'invalid', message: `${found.raws.length} readings in one message; at most ${ctx.maxReadings}` }] };
  }
  let messageTs = ctx.now;
  if (found.ts !== undefined) {
    const ts = toEpochMs(found.ts, found.tsUnit);
    if (ts !== undefined && ts <= ctx.now + ctx.futureSkewMs && ts >= ctx.now - ctx.maxAgeMs) messageTs = ts;
    else problems.push({ reason: 'bad_timestamp', message: `timestamp ${JSON.stringify(found.ts)?.slice(0, 30)} replaced by the arrival time` });
  }
  const readings: Reading[] = [];
  for (const raw of found.raws) {
    const r = checkReading(raw, messageTs, ctx, problems);
    if (r) readings.push(r);
  }
  return { readings, problems };
}

/** Availability payloads: `online` / `offline` (any case, optional quotes or {"state": …}). */
export function parseAvailability(payload: Buffer): 'online' | 'offline' | undefined {
  let text = payload.toString('utf8').trim().toLowerCase();
  if (text.startsWith('{')) {
    try {
      const doc = JSON.parse(text) as unknown;
      text = isObject(doc) && typeof doc.state === 'string' ? doc.state : '';
    } catch {
      return undefined;
    }
  }
  text = text.replace(/^"(.*)"$/, '$1');
  return text === 'online' || text === 'offline' ? text : undefined;
}
