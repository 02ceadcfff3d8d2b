// Live state per sensor: last value per metric, last-seen time, message rate,
// connection and availability, and what went wrong with its messages.
import type { Reading } from '../ingest/payload.ts';

export const BAD_REASONS = [
  'malformed', 'invalid', 'impossible', 'bad_timestamp', 'acl_denied', 'oversize', 'rate_limited', 'auth_failed', 'store_failed', 'internal',
] as const;
export type BadReason = (typeof BAD_REASONS)[number];

const RATE_TAU_MS = 60_000; // the message rate is an exponentially weighted average over about a minute

export interface SensorLive {
  sensorId: string;
  lastSeen: number | null;
  values: Record<string, { value: number; unit?: string; ts: number }>;
  messages: number;
  readings: number;
  bad: Partial<Record<BadReason, number>>;
  lastProblem?: { reason: BadReason; message: string; at: number };
  connected: boolean;
  connectedSince?: number;
  availability?: { state: 'online' | 'offline'; at: number };
  /** Why the sensor is offline, while it is. */
  healthReason?: string;
  rate: { perSecond: number; at: number };
  /** Set when the values changed since the last save to sensors.db. */
  dirty: boolean;
}

export class SensorStates {
  private readonly states = new Map<string, SensorLive>();

  get(sensorId: string): SensorLive {
    let s = this.states.get(sensorId);
    if (!s) {
      s = { sensorId, lastSeen: null, values: {}, messages: 0, readings: 0, bad: {}, connected: false, rate: { perSecond: 0, at: Date.now() }, dirty: false };
      this.states.set(sensorId, s);
    }
    return s;
  }

  peek(sensorId: string): SensorLive | undefined {
    return this.states.get(sensorId);
  }

  forget(sensorId: string): void {
    this.states.delete(sensorId);
  }

  all(): SensorLive[] {
    return [...this.states.values()];
  }

  /** A message arrived (good or bad): it counts towards the rate. */
  message(s: SensorLive, now: number): void {
    s.messages++;
    s.rate.perSecond = decayed(s, now) + 1000 / RATE_TAU_MS;
    s.rate.at = now;
  }

  readings(s: SensorLive, readings: Reading[], now: number): void {
    s.lastSeen = now;
    s.readings += readings.length;
    for (const r of readings) {
      // Own properties only: a metric may be called `constructor` (inherited from Object.prototype otherwise).
      const cur = Object.hasOwn(s.values, r.metric) ? s.values[r.metric] : undefined;
      if (!cur || cur.ts <= r.ts) s.values[r.metric] = r.unit === undefined ? { value: r.value, ts: r.ts } : { value: r.value, unit: r.unit, ts: r.ts };
    }
    s.dirty = true;
  }

  bad(s: SensorLive, reason: BadReason, message: string, now: number): void {
    s.bad[reason] = (s.bad[reason] ?? 0) + 1;
    s.lastProblem = { reason, message, at: now };
  }
}

/** The message rate now, decayed since the last message. */
export function decayed(s: SensorLive, now: number): number {
  return s.rate.perSecond * Math.exp(-Math.max(0, now - s.rate.at) / RATE_TAU_MS);
}
