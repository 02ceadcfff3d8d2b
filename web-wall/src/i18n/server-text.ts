// What the gateway says to people, in the operator's language: each message
// comes with a code and params from the catalogue (device-registry/messages.ts);
// the catalogue's zh-CN or en wording is filled here, its params that are
// vocabulary codes (reason, type, unit, metric, object label, severity) translated too.
// The server's English is shown only for a code the catalogue lacks.
import { MESSAGES } from '../../../device-registry/messages.ts';
import type { Coded, FieldError, FlowRecord, Incident, Params } from '../api/types.ts';
import { lang, label, t } from './index.ts';
import { gridLevelName, reasonText, typeName, unitText } from './vocabulary.ts';

export type { Coded, Params };

/** Params that name something: shown by name (a camera id as the camera's name), set by the areas that know them. */
const namers = new Map<string, (value: string) => string | undefined>();
export function nameParam(param: string, name: (value: string) => string | undefined): void {
  namers.set(param, name);
}

function sayParams(params: Params): Params {
  const out: Params = { ...params };
  if (typeof params.reason === 'string') out.reason = reasonText(params.reason, params.reasonCode as string | undefined) ?? params.reason;
  if (typeof params.type === 'string') out.type = typeName(params.type);
  if (typeof params.unit === 'string') out.unit = unitText(params.unit);
  if (typeof params.metric === 'string') out.metric = label('metric', params.metric);
  if (typeof params.label === 'string') out.label = label('object', params.label);
  for (const key of ['fromSeverity', 'toSeverity']) if (typeof params[key] === 'string') out[key] = label('severity', params[key]);
  if (typeof params.status === 'string') out.status = label('status', params.status);
  if (typeof params.action === 'string') out.action = label('action', params.action);
  for (const key of ['level', 'parentLevel']) if (typeof params[key] === 'string') out[key] = gridLevelName(params[key]);
  for (const [param, name] of namers) if (typeof params[param] === 'string') out[param] = name(params[param]) ?? params[param];
  return out;
}

/** The message in the operator's language; `fallback` (the server's English) for an unknown or missing code. */
export function serverText(m: Coded | null | undefined, fallback?: string | null): string {
  const entry = m?.code ? MESSAGES[m.code] : undefined;
  if (!entry) return fallback ?? m?.message ?? '';
  const params = sayParams(m?.params ?? {});
  return entry[lang.value].replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole)).replace(/\s+\)/g, ')').replace(/\s{2,}/g, ' ').trim();
}

/** A field error (`{field, message, code, params}`) said in the operator's language. */
export const fieldErrorText = (e: FieldError): string => serverText(e, e.message);

/** The name of a sensor rule from its key (`temp:above` → 温度过高): the alarm lists show it beside the reading. */
export function ruleText(rule: string): string {
  const [metric = rule, cond = ''] = rule.split(':');
  const said = t(`rule.${cond}`, { metric: label('metric', metric) });
  return said === `rule.${cond}` ? rule : said;
}

/** An incident's title in the operator's language (its `titleMessage` when the system wrote it, else the title as typed). */
export const incidentTitle = (i: Pick<Incident, 'title' | 'titleMessage'>): string => serverText(i.titleMessage, i.title);

/** A flow record's note: the system's coded note (`data.message`) said, a person's note as written. */
export const flowNote = (f: Pick<FlowRecord, 'note' | 'data'>): string => serverText(f.data?.message, f.note);
