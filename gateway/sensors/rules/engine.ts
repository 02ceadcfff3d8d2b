// Evaluates every sensor's rules: one state machine per (sensor, rule) fed by
// readings and by time (a tick fires pending rules whose `for` ran out and
// finds stale sensors), plus one `offline` machine per sensor fed by
// staleness and the availability topic (LWT). Transitions are persisted with
// the alarm they raise, so a restart resumes pending timers and firing alarms.
import type { Logger } from 'pino';
import type { SensorsConfig } from '../config.ts';
import type { SensorDirectory, SensorInfo } from '../directory.ts';
import type { Reading } from '../ingest/payload.ts';
import type { AlarmOutbox } from '../alarms/outbox.ts';
import { offlineCandidate, ruleCandidate } from '../alarms/candidates.ts';
import type { StateDb } from '../state/state-db.ts';
import type { SensorStates } from '../state/sensor-state.ts';
import { elapse, NORMAL, observe, type Machine, type Step } from './machine.ts';
import { resolveRules, type RuleSpec, type SensorRules } from './resolve.ts';
import { MetricWindow } from './window.ts';

export const OFFLINE = 'offline';

export interface RuleView extends Machine {
  sensorId: string;
  rule: string;
  describe: string;
}

export interface HealthChange {
  sensorId: string;
  state: 'online' | 'offline';
  reason?: string;
}

interface Compiled extends SensorRules {
  byMetric: Map<string, RuleSpec[]>;
}

export class RuleEngine {
  private readonly machines = new Map<string, Map<string, Machine>>();
  private readonly compiled = new Map<string, Compiled>();
  private readonly windows = new Map<string, Map<string, MetricWindow>>();
  /** Liveness besides readings: when the engine first knew the sensor, and its last `online`. */
  private readonly aliveAt = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  /** Scale-out: the sensors this node judges (timers and staleness); the others' owners do theirs. */
  owns: (sensorId: string) => boolean = () => true;

  constructor(
    private readonly config: SensorsConfig,
    private readonly db: StateDb,
    private readonly directory: SensorDirectory,
    private readonly states: SensorStates,
    private readonly outbox: AlarmOutbox,
    private readonly log: Logger,
    private readonly onHealth: (h: HealthChange) => void,
  ) {}

  start(now = Date.now()): void {
    for (const row of this.db.loadRules()) this.machinesOf(row.sensorId).set(row.rule, row);
    for (const s of this.directory.all()) this.aliveAt.set(s.id, now);
    // Sensors disabled or deleted while the gateway was down.
    for (const id of [...this.machines.keys()]) {
      const s = this.directory.get(id);
      if (s && !s.enabled) this.onSensorChanged(id, { ...s, enabled: true }, s, now);
      if (s) continue;
      this.log.warn({ sensorId: id, rules: [...this.machines.get(id)!.keys()] }, 'alarm states of a sensor deleted while the gateway was down dropped; clear its incidents by hand');
      this.db.forgetSensor(id);
      this.machines.delete(id);
    }
    this.timer = setInterval(() => this.tick(Date.now()), this.config.rules.tickMs);
    this.timer.unref();
    this.outbox.kick();
  }

  /** The gateway is shutting down: sensors losing their connection now (LWT) are not at fault, and staleness stops. */
  stop(): void {
    this.stopping = true;
    clearInterval(this.timer);
  }

  private stopping = false;

  rulesOf(sensor: SensorInfo): Compiled {
    let c = this.compiled.get(sensor.id);
    if (!c) {
      const r = resolveRules(sensor, this.config);
      const byMetric = new Map<string, RuleSpec[]>();
      for (const spec of r.specs) byMetric.set(spec.metric, [...(byMetric.get(spec.metric) ?? []), spec]);
      c = { ...r, byMetric };
      this.compiled.set(sensor.id, c);
    }
    return c;
  }

  onReadings(sensor: SensorInfo, readings: Reading[], now: number): void {
    const rules = this.rulesOf(sensor);
    const lateMs = this.config.ingest.lateSeconds * 1000;
    for (const r of readings) {
      const rate = this.windowOf(sensor.id, r.metric).add(r);
      if (now - r.ts > lateMs) continue; // a backlog: stored, not judged against the present
      for (const spec of rules.byMetric.get(r.metric) ?? []) {
        const x = spec.cond === 'rate' ? rate : r.value;
        if (x !== undefined) this.apply(sensor, spec, observe(this.machine(sensor.id, spec.key), spec, x, r.ts, now), now);
      }
    }
    if (readings.length) this.alive(sensor, now);
  }

  onAvailability(sensor: SensorInfo, state: 'online' | 'offline', now: number): void {
    if (state === 'online') {
      this.aliveAt.set(sensor.id, now);
      this.alive(sensor, now);
    } else {
      this.setOffline(sensor, 'LWT offline', now);
    }
  }

  tick(now: number): void {
    for (const sensor of this.directory.all()) {
      if (!sensor.enabled || !this.owns(sensor.id)) continue;
      const rules = this.rulesOf(sensor);
      const ms = this.machines.get(sensor.id);
      if (ms) {
        for (const spec of rules.specs) {
          const m = ms.get(spec.key);
          if (m && (m.state === 'pending' || m.state === 'recovering')) this.apply(sensor, spec, elapse(m, spec, now), now);
        }
      }
      const seen = Math.max(this.states.peek(sensor.id)?.lastSeen ?? 0, this.aliveAt.get(sensor.id) ?? now);
      if (now - seen > rules.staleMs) this.setOffline(sensor, `no reading for ${Math.round(rules.staleMs / 1000)} s`, now);
    }
  }

  /** A sensor changed in the registry: new rules apply; disabled or deleted sensors' alarms are cleared. */
  onSensorChanged(id: string, before: SensorInfo | undefined, after: SensorInfo | undefined, now = Date.now()): void {
    this.compiled.delete(id);
    const ms = this.machines.get(id);
    const gone = !after || !after.enabled;
    const keep = new Set(after && !gone ? this.rulesOf(after).specs.map((s) => s.key) : []);
    if (ms && before) {
      const old = resolveRules(before, this.config);
      const specs = new Map(old.specs.map((s) => [s.key, s]));
      for (const [key, m] of ms) {
        if (keep.has(key) || (key === OFFLINE && !gone)) continue;
        const firing = m.state === 'firing' || m.state === 'recovering';
        const spec = specs.get(key);
        const why = !after ? 'sensor deleted' : !after.enabled ? 'sensor disabled' : 'rule removed';
        const candidate = !firing ? undefined : key === OFFLINE
          ? offlineCandidate(before, old.offlineSeverity, 'clear', why, now, [])
          : spec && ruleCandidate(before, spec, 'clear', { occurredAt: now, value: null }, this.windowOf(id, spec.metric).readings());
        this.db.transition({ sensorId: id, rule: key, ...NORMAL }, candidate, now);
        ms.delete(key);
        if (candidate) this.log.info({ sensorId: id, rule: key, why }, 'alarm cleared');
      }
      this.outbox.kick();
    }
    this.compiled.delete(id);
    if (!after) {
      this.machines.delete(id);
      this.windows.delete(id);
      this.aliveAt.delete(id);
    } else if (!before || gone) {
      this.aliveAt.set(id, now); // (re)enabled: staleness counts from now
    }
  }

  views(sensorId?: string): RuleView[] {
    const out: RuleView[] = [];
    const which = sensorId === undefined ? [...this.machines] : ([[sensorId, this.machines.get(sensorId)]] as const);
    for (const [id, ms] of which) {
      if (!ms) continue;
      const sensor = this.directory.get(id);
      const specs = sensor ? new Map(this.rulesOf(sensor).specs.map((s) => [s.key, s])) : new Map<string, RuleSpec>();
      for (const [rule, m] of ms) {
        if (m.state !== 'normal') out.push({ sensorId: id, rule, describe: rule === OFFLINE ? 'offline' : (specs.get(rule)?.describe ?? rule), ...m });
      }
    }
    return out;
  }

  private machinesOf(id: string): Map<string, Machine> {
    let ms = this.machines.get(id);
    if (!ms) this.machines.set(id, (ms = new Map()));
    return ms;
  }

  private machine(id: string, key: string): Machine {
    return this.machines.get(id)?.get(key) ?? NORMAL;
  }

  private windowOf(id: string, metric: string): MetricWindow {
    let ws = this.windows.get(id);
    if (!ws) this.windows.set(id, (ws = new Map()));
    let w = ws.get(metric);
    if (!w) ws.set(metric, (w = new MetricWindow(this.config.rules.evidenceReadings, this.config.rules.rateWindowSeconds * 1000)));
    return w;
  }

  private apply(sensor: SensorInfo, spec: RuleSpec, step: Step, now: number): void {
    if (!step.changed) return;
    const m = step.machine;
    const candidate = step.edge
      ? ruleCandidate(sensor, spec, step.edge, { occurredAt: step.edge === 'fire' ? (m.valueTs ?? now) : now, value: m.value }, this.windowOf(sensor.id, spec.metric).readings())
      : undefined;
    this.db.transition({ sensorId: sensor.id, rule: spec.key, ...m }, candidate, now);
    if (m.state === 'normal') this.machines.get(sensor.id)?.delete(spec.key);
    else this.machinesOf(sensor.id).set(spec.key, m);
    if (step.edge) {
      this.log.info({ sensorId: sensor.id, rule: spec.key, value: m.value, edge: step.edge }, step.edge === 'fire' ? 'alarm firing' : 'alarm cleared');
      this.outbox.kick();
    }
  }

  private setOffline(sensor: SensorInfo, why: string, now: number): void {
    if (this.stopping || this.machine(sensor.id, OFFLINE).state === 'firing') return;
    const m: Machine = { state: 'firing', since: now, firedAt: now, value: null, valueTs: null };
    const last = Object.entries(this.states.peek(sensor.id)?.values ?? {}).map(([metric, v]) => ({ metric, ...v }));
    this.db.transition({ sensorId: sensor.id, rule: OFFLINE, ...m }, offlineCandidate(sensor, this.rulesOf(sensor).offlineSeverity, 'fire', why, now, last), now);
    this.machinesOf(sensor.id).set(OFFLINE, m);
    this.log.warn({ sensorId: sensor.id, why }, 'sensor offline');
    this.onHealth({ sensorId: sensor.id, state: 'offline', reason: why });
    this.outbox.kick();
  }

  private alive(sensor: SensorInfo, now: number): void {
    if (this.machine(sensor.id, OFFLINE).state !== 'firing') return;
    this.db.transition({ sensorId: sensor.id, rule: OFFLINE, ...NORMAL }, offlineCandidate(sensor, this.rulesOf(sensor).offlineSeverity, 'clear', 'back online', now, []), now);
    this.machines.get(sensor.id)?.delete(OFFLINE);
    this.log.info({ sensorId: sensor.id }, 'sensor back online');
    this.onHealth({ sensorId: sensor.id, state: 'online' });
    this.outbox.kick();
  }
}
