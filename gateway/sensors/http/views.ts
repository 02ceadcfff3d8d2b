// What the API shows of a sensor's live state: ISO times, health with a
// reason a person can read, last values, message rate, problems, alarms.
import type { SensorInfo } from '../directory.ts';
import { OFFLINE, type RuleEngine } from '../rules/engine.ts';
import { decayed, type SensorLive, type SensorStates } from '../state/sensor-state.ts';

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

export type Health = 'online' | 'offline' | 'unknown' | 'disabled';

export function healthOf(sensor: SensorInfo, live: SensorLive | undefined, engine: RuleEngine): { health: Health; reason?: string } {
  if (!sensor.enabled) return { health: 'disabled', reason: 'disabled in the registry' };
  const offline = engine.views(sensor.id).find((v) => v.rule === OFFLINE);
  if (offline) return { health: 'offline', reason: live?.healthReason ?? 'offline' };
  if (live?.lastSeen || live?.connected || live?.availability?.state === 'online') return { health: 'online' };
  return { health: 'unknown', reason: 'no message yet' };
}

export function stateView(sensor: SensorInfo, states: SensorStates, engine: RuleEngine, now = Date.now()) {
  const live = states.peek(sensor.id);
  const values = Object.fromEntries(
    Object.entries(live?.values ?? {}).map(([metric, v]) => [metric, { value: v.value, ...(v.unit ? { unit: v.unit } : {}), ts: iso(v.ts) }]),
  );
  return {
    id: sensor.id,
    name: sensor.name,
    kind: sensor.kind,
    ...(sensor.gridCode ? { gridCode: sensor.gridCode } : {}),
    ...healthOf(sensor, live, engine),
    connected: live?.connected ?? false,
    connectedSince: iso(live?.connectedSince),
    lastSeen: iso(live?.lastSeen),
    availability: live?.availability ? { state: live.availability.state, at: iso(live.availability.at) } : null,
    values,
    messagesPerSecond: live ? Math.round(decayed(live, now) * 1000) / 1000 : 0,
    messages: live?.messages ?? 0,
    readings: live?.readings ?? 0,
    bad: live?.bad ?? {},
    lastProblem: live?.lastProblem ? { ...live.lastProblem, at: iso(live.lastProblem.at) } : null,
    alarms: engine.views(sensor.id).map((v) => ({ rule: v.rule, describe: v.describe, state: v.state, since: iso(v.since), firedAt: iso(v.firedAt) })),
  };
}

export function ruleViews(sensor: SensorInfo, engine: RuleEngine) {
  const rules = engine.rulesOf(sensor);
  const machines = new Map(engine.views(sensor.id).map((v) => [v.rule, v]));
  const view = (rule: string) => {
    const m = machines.get(rule);
    return { state: m?.state ?? 'normal', since: iso(m?.since), firedAt: iso(m?.firedAt), value: m?.value ?? null };
  };
  return {
    sensorId: sensor.id,
    staleSeconds: rules.staleMs / 1000,
    rules: [
      ...rules.specs.map((s) => ({
        rule: s.key, metric: s.metric, condition: s.cond, threshold: s.threshold, recover: s.recover, forSeconds: s.forMs / 1000,
        severity: s.severity, type: s.type, describe: s.describe, ...view(s.key),
      })),
      { rule: OFFLINE, metric: null, condition: 'offline', threshold: null, recover: null, forSeconds: 0, severity: rules.offlineSeverity, type: 'sensor_offline', describe: `no reading for ${rules.staleMs / 1000} s, or LWT offline`, ...view(OFFLINE) },
    ],
  };
}
