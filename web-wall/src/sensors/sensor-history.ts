// The last 30 minutes of each sensor, for the sparklines, and the thresholds
// drawn over them. Thresholds come from the sensor's effective rules
// (`/api/sensors/:id/rules`: the kind's defaults with the registry's
// overrides), so a smoke detector with no override still shows its line.
import { signal } from '@preact/signals';
import { api } from '../api/client.ts';
import type { ReadingSeries } from '../api/types.ts';

export const WINDOW_MS = 30 * 60_000;
/** 90 points over the window. */
const STEP_SECONDS = 20;
/** Sensors fetched at a time, so a large site does not open hundreds of requests at once. */
const CONCURRENCY = 4;

export interface Point { t: number; avg: number; min: number; max: number }
export interface Threshold { value: number; condition: 'above' | 'below' }
export interface MetricHistory { unit?: string; points: Point[] }
export interface SensorHistory {
  from: number;
  to: number;
  metrics: Map<string, MetricHistory>;
  thresholds: Map<string, Threshold[]>;
}

interface EffectiveRules { rules: Array<{ metric: string | null; condition: string; threshold: number | null; enabled?: boolean }> }

export const histories = signal<Map<string, SensorHistory>>(new Map());

async function loadOne(id: string, to: number): Promise<SensorHistory> {
  const from = to - WINDOW_MS;
  const q = `from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}&step=${STEP_SECONDS}`;
  const path = encodeURIComponent(id);
  const [readings, rules] = await Promise.all([api<ReadingSeries>(`/api/sensors/${path}/readings?${q}`), api<EffectiveRules>(`/api/sensors/${path}/rules`)]);
  const metrics = new Map<string, MetricHistory>();
  for (const s of readings.series) {
    metrics.set(s.metric, { unit: s.unit, points: s.points.map((p) => ({ t: Date.parse(p.t), avg: p.avg, min: p.min, max: p.max })) });
  }
  const thresholds = new Map<string, Threshold[]>();
  for (const r of rules.rules) {
    if (!r.metric || r.threshold === null || r.enabled === false || (r.condition !== 'above' && r.condition !== 'below')) continue;
    thresholds.set(r.metric, [...(thresholds.get(r.metric) ?? []), { value: r.threshold, condition: r.condition }]);
  }
  return { from, to, metrics, thresholds };
}

/**
 * Reloads the history of `ids`, and forgets sensors no longer in `known`.
 * One that fails keeps its last history and is reported.
 */
export async function refreshHistory(ids: string[], known: string[] = ids): Promise<void> {
  const to = Date.now();
  const next = new Map<string, SensorHistory>();
  const failures: string[] = [];
  for (let i = 0; i < ids.length; i += CONCURRENCY) {
    await Promise.all(ids.slice(i, i + CONCURRENCY).map(async (id) => {
      try {
        next.set(id, await loadOne(id, to));
      } catch (err) {
        console.warn(`sensors: history of '${id}' failed`, err);
        failures.push(`${id}: ${(err as Error).message}`);
      }
    }));
  }
  const current = new Map(histories.value); // others may have landed while this ran
  for (const [id, h] of next) current.set(id, h);
  for (const id of current.keys()) if (!known.includes(id)) current.delete(id);
  histories.value = current;
  if (failures.length) throw new Error(failures.join('; '));
}
