// A sensor's effective rules: its kind's defaults with the sensor's own
// overrides (registry `rules`, per metric, field by field), split into one
// rule per condition so each has its own state machine.
import type { Severity } from '../../incidents/candidate.ts';
import type { KindRule, SensorsConfig } from '../config.ts';
import type { SensorInfo } from '../directory.ts';

export type Condition = 'above' | 'below' | 'rate';

export interface RuleSpec {
  /** `<metric>:<condition>`, e.g. `ch4:above`: the machine's key within the sensor. */
  key: string;
  metric: string;
  cond: Condition;
  /** The trigger: a value for above/below; for rate a change per minute, positive for a rise, negative for a fall. */
  threshold: number;
  /** Back to normal once past this (hysteresis); rate rules recover at half their threshold. */
  recover: number;
  forMs: number;
  severity: Severity;
  type: string;
  describe: string;
  /** The rule as a coded message (device-registry/messages.ts): `rule_above` {metric, threshold}… */
  message: { code: string; params: { metric: string; threshold: number } };
}

export interface SensorRules {
  specs: RuleSpec[];
  staleMs: number;
  offlineSeverity: Severity;
}

const DEFAULT_SEVERITY: Severity = 'major';

function recoverFor(cond: 'above' | 'below', threshold: number, recover: number | undefined): number {
  if (recover === undefined) return threshold;
  // A recovery threshold on the wrong side would never let the rule recover: ignore it.
  return cond === 'above' ? Math.min(recover, threshold) : Math.max(recover, threshold);
}

export function resolveRules(sensor: SensorInfo, config: SensorsConfig): SensorRules {
  const kind = config.kinds[sensor.kind];
  const metrics = new Set([...Object.keys(kind?.rules ?? {}), ...Object.keys(sensor.rules)]);
  const specs: RuleSpec[] = [];
  const stale: number[] = [];
  for (const metric of metrics) {
    const kindRule = kind && Object.hasOwn(kind.rules, metric) ? kind.rules[metric] : undefined;
    const rule: KindRule = { ...kindRule, ...(Object.hasOwn(sensor.rules, metric) ? sensor.rules[metric] : undefined) };
    if (rule.staleSeconds !== undefined) stale.push(rule.staleSeconds);
    if (rule.enabled === false) continue;
    const forMs = (rule.forSeconds ?? 0) * 1000;
    const severity = rule.severity ?? DEFAULT_SEVERITY;
    const types = { above: `${sensor.kind}_high`, below: `${sensor.kind}_low`, rate: `${sensor.kind}_rising`, fall: `${sensor.kind}_falling`, ...kindRule?.types };
    const forText = forMs ? ` for ${forMs / 1000}s` : '';
    for (const cond of ['above', 'below'] as const) {
      const threshold = rule[cond];
      if (threshold === undefined) continue;
      const recover = recoverFor(cond, threshold, rule.recover);
      const op = cond === 'above' ? '>' : '<';
      const back = recover !== threshold ? ` (recover ${cond === 'above' ? '≤' : '≥'} ${recover})` : '';
      specs.push({
        key: `${metric}:${cond}`, metric, cond, threshold, recover, forMs, severity, type: types[cond], describe: `${metric} ${op} ${threshold}${forText}${back}`,
        message: { code: `rule_${cond}`, params: { metric, threshold } },
      });
    }
    // A rise and a fall are two rules with two types: a fast fall never raises `<kind>_rising`.
    if (rule.ratePerMinute !== undefined) {
      const threshold = Math.abs(rule.ratePerMinute);
      specs.push({
        key: `${metric}:rate`, metric, cond: 'rate', threshold, recover: threshold / 2, forMs, severity, type: types.rate,
        describe: `${metric} rising faster than ${threshold}/min${forText}`, message: { code: 'rule_rising', params: { metric, threshold } },
      });
    }
    if (rule.fallPerMinute !== undefined) {
      const threshold = -Math.abs(rule.fallPerMinute);
      specs.push({
        key: `${metric}:fall`, metric, cond: 'rate', threshold, recover: threshold / 2, forMs, severity, type: types.fall,
        describe: `${metric} falling faster than ${-threshold}/min${forText}`, message: { code: 'rule_falling', params: { metric, threshold: -threshold } },
      });
    }
  }
  const staleSeconds = stale.length ? Math.min(...stale) : config.rules.staleSeconds;
  return { specs, staleMs: staleSeconds * 1000, offlineSeverity: config.rules.offlineSeverity };
}
