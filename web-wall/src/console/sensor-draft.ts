// A sensor as the form holds it, and back: the body of POST /api/sensors or
// the merge patch for PATCH. The rules map is edited as JSON text; text that
// does not parse is a problem of the `rules` field before anything is sent.
import type { Sensor } from '../api/types.ts';
import { t } from '../i18n/index.ts';
import { placeDraftOf, placeFields, type PlaceDraft } from './draft-parts.ts';
import type { FieldProblem } from './field-errors.ts';
import { compact, mergePatchBetween, type Json, type JsonObject } from './merge-patch.ts';

export const KNOWN_SENSOR_KINDS = ['gas', 'water_level', 'smoke', 'temperature', 'humidity', 'manhole'] as const;

export interface SensorDraft extends PlaceDraft {
  id: string;
  name: string;
  kind: string;
  clientId: string;
  username: string;
  password: string;
  topic: string;
  unit: string;
  enabled: boolean;
  rules: string;
}

export const SENSOR_FIELDS = [
  'id', 'name', 'kind', 'mqtt.clientId', 'mqtt.username', 'mqtt.password', 'topic', 'unit',
  'location.lat', 'location.lng', 'gridCode', 'tags', 'enabled', 'rules',
] as const;

export function sensorDraftOf(s?: Sensor): SensorDraft {
  return {
    id: s?.id ?? '',
    name: s?.name ?? '',
    kind: s?.kind ?? 'gas',
    clientId: s?.mqtt.clientId ?? '',
    username: s?.mqtt.username ?? '',
    password: '',
    topic: s?.topic ?? '',
    unit: s?.unit ?? '',
    enabled: s?.enabled ?? true,
    rules: s && Object.keys(s.rules).length ? JSON.stringify(s.rules, null, 2) : '',
    ...placeDraftOf(s),
  };
}

type Built = { body: JsonObject; problems?: undefined } | { body?: undefined; problems: FieldProblem[] };

function rulesOf(text: string): { rules: JsonObject } | { problem: string } {
  if (!text.trim()) return { rules: {} };
  try {
    const rules = JSON.parse(text) as Json;
    if (typeof rules !== 'object' || rules === null || Array.isArray(rules)) return { problem: t('console.sensor.rulesNotObject') };
    return { rules };
  } catch (err) {
    return { problem: t('console.sensor.rulesBadJson', { message: (err as Error).message }) };
  }
}

/** The sensor input (create body); also what a patch is computed between. */
export function sensorBody(d: SensorDraft): Built {
  const rules = rulesOf(d.rules);
  if ('problem' in rules) return { problems: [{ field: 'rules', message: rules.problem }] };
  return {
    body: {
      ...compact({ id: d.id.trim() }),
      name: d.name.trim(),
      kind: d.kind.trim(),
      mqtt: compact({ clientId: d.clientId.trim(), username: d.username.trim(), password: d.password }),
      ...compact({ topic: d.topic.trim(), unit: d.unit.trim() }),
      ...placeFields(d),
      enabled: d.enabled,
      rules: rules.rules,
    },
  };
}

const hasNull = (v: Json | undefined): boolean =>
  v === null || (typeof v === 'object' && v !== null && Object.values(v).some((x) => hasNull(x)));

/**
 * What to PATCH. A rule taken out of the map cannot be sent: a merge patch
 * removes with null, which the registry refuses inside rules; the way to stop
 * a rule is `"enabled": false`, and the form says so.
 */
export function sensorPatch(loaded: SensorDraft, d: SensorDraft): Built {
  const before = sensorBody(loaded);
  const after = sensorBody(d);
  if (after.problems) return after;
  const { id: _b, ...was } = before.body ?? {};
  const { id: _a, ...now } = after.body;
  const patch = mergePatchBetween(was, now);
  if (hasNull(patch.rules)) return { problems: [{ field: 'rules', message: t('console.sensor.rulesRemove') }] };
  return { body: patch };
}
