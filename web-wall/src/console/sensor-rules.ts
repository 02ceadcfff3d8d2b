// A sensor's rules (a map keyed by metric: above/below/recover, rate of rise
// or fall, forSeconds, severity…) as rows a form can show, and back. The JSON
// text stays the truth the sensor form sends: the rows are written into it,
// and keys the rows do not show (enabled, staleSeconds) are kept as they were.
import type { Json, JsonObject } from './merge-patch.ts';

export const RULE_TYPES = ['above', 'below', 'ratePerMinute', 'fallPerMinute'] as const;
export type RuleType = (typeof RULE_TYPES)[number];
export const RULE_SEVERITIES = ['critical', 'major', 'minor', 'warning'] as const;

export interface RuleRow {
  metric: string;
  type: RuleType;
  threshold: string;
  /** Only for above/below: the value that ends the alarm (hysteresis). */
  recover: string;
  forSeconds: string;
  /** '' = the kind's default. */
  severity: string;
}

/** Each sensor kind's main metric, offered first when a rule is added. */
export const KIND_METRICS: Record<string, string> = { gas: 'ch4', water_level: 'level', smoke: 'smoke', temperature: 'temp', humidity: 'rh', manhole: 'tilt' };

export const emptyRow = (kind: string): RuleRow => ({ metric: KIND_METRICS[kind] ?? '', type: 'above', threshold: '', recover: '', forSeconds: '', severity: '' });

const text = (v: Json | undefined) => (typeof v === 'number' ? String(v) : typeof v === 'string' ? v : '');

/** The rows of a rules map: one per condition; undefined when the text is not a rules map (then only the JSON can edit it). */
export function rowsOf(json: string): RuleRow[] | undefined {
  if (!json.trim()) return [];
  let rules: Json;
  try {
    rules = JSON.parse(json) as Json;
  } catch {
    return undefined;
  }
  if (typeof rules !== 'object' || rules === null || Array.isArray(rules)) return undefined;
  const rows: RuleRow[] = [];
  for (const [metric, rule] of Object.entries(rules)) {
    if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) return undefined;
    for (const type of RULE_TYPES) {
      if (rule[type] === undefined) continue;
      const level = type === 'above' || type === 'below';
      rows.push({ metric, type, threshold: text(rule[type]), recover: level ? text(rule.recover) : '', forSeconds: text(rule.forSeconds), severity: text(rule.severity) });
    }
  }
  return rows;
}

const num = (s: string): Json => (s.trim() !== '' && Number.isFinite(Number(s)) ? Number(s) : s.trim());

/**
 * The rows written into the rules map `json` had: each metric gets its rows'
 * conditions, recover, duration and severity; keys the rows do not hold stay.
 * Empty fields are left out (the gateway names what is missing or wrong).
 */
export function writeRows(json: string, rows: RuleRow[]): string {
  let before: JsonObject = {};
  try {
    const parsed = json.trim() ? (JSON.parse(json) as Json) : {};
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) before = parsed;
  } catch {
    // The form is shown only for a map it could read; an unreadable one is replaced by the rows.
  }
  const out: JsonObject = {};
  for (const row of rows) {
    const metric = row.metric.trim();
    if (!metric || row.threshold.trim() === '') continue; // not a rule yet: the form keeps the row until it is filled in
    const old = (before[metric] ?? {}) as JsonObject;
    const rule: JsonObject = (out[metric] as JsonObject | undefined) ?? Object.fromEntries(Object.entries(old).filter(([k]) => !SHOWN.has(k)));
    if (row.threshold.trim() !== '') rule[row.type] = num(row.threshold);
    if ((row.type === 'above' || row.type === 'below') && row.recover.trim() !== '') rule.recover = num(row.recover);
    if (row.forSeconds.trim() !== '') rule.forSeconds = num(row.forSeconds);
    if (row.severity) rule.severity = row.severity;
    out[metric] = rule;
  }
  // A metric with no condition the rows show (only "enabled": false, say) was never a row: it stays.
  for (const [metric, rule] of Object.entries(before)) {
    if (!(metric in out) && typeof rule === 'object' && rule !== null && !RULE_TYPES.some((k) => k in rule)) out[metric] = rule;
  }
  return Object.keys(out).length ? JSON.stringify(out, null, 2) : '';
}

/** The keys the rows own; the others (enabled, staleSeconds) pass through. */
const SHOWN = new Set<string>([...RULE_TYPES, 'recover', 'forSeconds', 'severity']);
