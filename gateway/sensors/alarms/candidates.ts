// Incident candidates from the sensor rules: a firing rule raises, a recovery
// clears the same incident (same dedupe key), an offline sensor raises
// `sensor_offline` from the health source. Titles carry their code and params
// (evidence.titleMessage) for the wall to say in the operator's language.
import type { IncidentCandidate, Severity } from '../../incidents/candidate.ts';
import { reasonParams, TITLE_MESSAGE, type CodedText } from '../../incidents/title-message.ts';
import type { SensorInfo } from '../directory.ts';
import type { Reading } from '../ingest/payload.ts';
import type { RuleSpec } from '../rules/resolve.ts';

const place = (sensor: SensorInfo) => ({
  ...(sensor.location ? { location: sensor.location } : {}),
  ...(sensor.gridCode ? { gridCode: sensor.gridCode } : {}),
});

const evidence = (readings: Reading[], rule: string) => ({
  readings: readings.map((r) => ({ ts: r.ts, metric: r.metric, value: r.value, ...(r.unit ? { unit: r.unit } : {}) })),
  rule,
});

/** The title's code: which way the rule looks (a rate rule with a negative threshold watches falls). */
const TITLE_CODES = { above: 'sensor_above_title', below: 'sensor_below_title', rise: 'sensor_rising_title', fall: 'sensor_falling_title' } as const;

function ruleTitle(sensor: SensorInfo, spec: RuleSpec, value: number | null, unit: string | undefined): CodedText {
  const way = spec.cond !== 'rate' ? spec.cond : spec.threshold >= 0 ? 'rise' : 'fall';
  const params = { sensor: sensor.name, metric: spec.metric, value: value === null ? '' : Math.round(value * 1000) / 1000, unit: unit ?? '', threshold: Math.abs(spec.threshold) };
  return { code: TITLE_CODES[way], params };
}

export function ruleCandidate(
  sensor: SensorInfo, spec: RuleSpec, edge: 'fire' | 'clear', at: { occurredAt: number; value: number | null }, readings: Reading[],
): IncidentCandidate {
  const unit = readings.find((r) => r.metric === spec.metric)?.unit;
  const shown = at.value === null ? '' : ` ${Math.round(at.value * 1000) / 1000}${unit ? ` ${unit}` : ''}`;
  const what = spec.cond === 'rate' ? `${spec.metric} changing${shown}/min` : `${spec.metric}${shown}`;
  return {
    source: { kind: 'sensor', id: sensor.id },
    type: spec.type,
    severity: spec.severity,
    title: `${sensor.name}: ${what} (${spec.describe})${edge === 'clear' ? ' — recovered' : ''}`.slice(0, 256),
    occurredAt: at.occurredAt,
    ...place(sensor),
    evidence: { ...evidence(readings, spec.describe), ruleMessage: spec.message, [TITLE_MESSAGE]: ruleTitle(sensor, spec, at.value, unit) },
    dedupeKey: `sensor:${sensor.id}:${spec.key}`,
    ...(edge === 'clear' ? { clear: true } : {}),
  };
}

export function offlineCandidate(
  sensor: SensorInfo, severity: Severity, edge: 'fire' | 'clear', why: string, occurredAt: number, readings: Reading[],
): IncidentCandidate {
  return {
    source: { kind: 'sensor-health', id: sensor.id },
    type: 'sensor_offline',
    severity,
    title: `${sensor.name}: ${edge === 'fire' ? `offline (${why})` : 'back online'}`.slice(0, 256),
    occurredAt,
    ...place(sensor),
    evidence: {
      ...evidence(readings, why),
      [TITLE_MESSAGE]: edge === 'fire' ? { code: 'sensor_offline_title', params: { sensor: sensor.name, ...reasonParams(why) } } : { code: 'sensor_online_title', params: { sensor: sensor.name } },
    },
    ...(edge === 'clear' ? { clear: true } : {}),
  };
}
