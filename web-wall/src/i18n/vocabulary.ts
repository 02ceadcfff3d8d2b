// The shared vocabulary (device-registry/vocabulary.ts) in the wall: incident
// types, sensor kinds, offline reasons and units, said in the operator's
// language. The wall keeps no list of its own: a new type, reason or unit is
// added there once and both the gateway and the wall know it.
import { GRID_LEVEL_NAMES, INCIDENT_TYPES, KINDS, OBJECT_LABELS, REASONS, SENSOR_PROBLEMS, incidentTypeName, reasonCode, unitSymbol } from '../../../device-registry/vocabulary.ts';
import { addResolver, addText, lang, t, type Texts } from './index.ts';

const texts: Texts = { 'zh-CN': {}, en: {} };
for (const [code, names] of Object.entries(INCIDENT_TYPES)) {
  texts['zh-CN'][`type.${code}`] = names['zh-CN'];
  texts.en[`type.${code}`] = names.en;
}
for (const [code, names] of Object.entries(KINDS)) {
  texts['zh-CN'][`kind.${code}`] = names['zh-CN'];
  texts.en[`kind.${code}`] = names.en;
}
for (const [vocabulary, table] of Object.entries({ object: OBJECT_LABELS, problem: SENSOR_PROBLEMS, gridLevel: GRID_LEVEL_NAMES })) {
  for (const [code, names] of Object.entries(table)) {
    texts['zh-CN'][`${vocabulary}.${code}`] = names['zh-CN'];
    texts.en[`${vocabulary}.${code}`] = names.en;
  }
}
for (const [code, r] of Object.entries(REASONS)) {
  texts['zh-CN'][`reason.${code}`] = r['zh-CN'];
  texts.en[`reason.${code}`] = r.en;
}
addText(texts);
// `<kind>_high`, `<kind>_rising`… are made from the kinds, not listed.
addResolver('type', (value) => incidentTypeName(value, lang.value));
// `label('reason', 'no push')`: a reason given in the server's English.
addResolver('reason', (value) => reasonText(value));

/** A reason a person can read, from its code (and params) or from the server's English; unknown ones as they came. */
export function reasonText(text: string | undefined, code?: string, params?: Record<string, string | number>): string | undefined {
  const coded = code ? { code, params } : reasonCode(text);
  if (!coded || !REASONS[coded.code]) return text;
  return t(`reason.${coded.code}`, coded.params);
}

/** The incident type's name in the operator's language, or the type itself. */
export const typeName = (type: string): string => incidentTypeName(type, lang.value) ?? type;

/** A UCUM unit as a person reads it ('Cel' → '°C'). */
export const unitText = (ucum: string | null | undefined): string => unitSymbol(ucum, lang.value);

/** A grid level (district, street…) by its name; an unknown one as it came. */
export const gridLevelName = (level: string): string => (GRID_LEVEL_NAMES[level] ? t(`gridLevel.${level}`) : level);

/** A camera's or a test's reason from its code when the gateway sent one, else from its English. */
export const codedReasonText = (r: { reason?: string; reasonCode?: string; reasonParams?: Record<string, string | number> } | undefined): string | undefined =>
  r && reasonText(r.reason, r.reasonCode, r.reasonParams);
