// Turns a failed save into what the form shows: the gateway's 400 body names
// one field (`field`) and lists every problem (`errors: [{field, message, code, params}]`);
// each message goes next to the input it names, the rest above the buttons,
// in the operator's language (by its code; the English for an unknown one).
// Messages are kept as code and params and said when the form paints, so a
// language switch says them again.
import { ApiError } from '../api/client.ts';
import type { FieldError } from '../api/types.ts';
import { t } from '../i18n/index.ts';
import { fieldErrorText } from '../i18n/server-text.ts';

/** A problem with a field: the gateway's (coded) or the form's own (`message` already in the operator's language). */
export type FieldProblem = FieldError;

/** A message said when it is painted. */
export type Said = () => string;

export interface FormProblems {
  /** Messages by the dotted path of a field the form shows (`source.url`, `location.lat`). */
  byField: Map<string, Said[]>;
  /** What names no field on the form, or is not about a field at all. */
  general: Said[];
}

export const NO_PROBLEMS: FormProblems = { byField: new Map(), general: [] };

/** The messages of a field (or the general ones) as the operator reads them now. */
export const sayAll = (said: Said[] | undefined): string[] => (said ?? []).map((s) => s());

/** Problems that name no field: one text, said when painted. */
export const generalProblem = (say: Said): FormProblems => ({ byField: new Map(), general: [say] });

/** Every field problem in an API error body (`errors`, else the one `field`), with its code. */
export function fieldProblemsOf(err: ApiError): FieldProblem[] {
  const listed = err.body.errors;
  if (listed?.length) return listed;
  return err.field ? [{ field: err.field, message: err.body.message, code: err.body.messageCode, params: err.body.messageParams }] : [];
}

/**
 * Sorts problems onto the form's fields. A problem about a parent (`location`)
 * is dropped when one of its children (`location.lat`) has its own: that is
 * the union schema's noise ("must be null") around the real complaint.
 */
export function sortProblems(problems: FieldProblem[], shownFields: readonly string[], intro?: Said): FormProblems {
  const byField = new Map<string, Said[]>();
  const general: Said[] = intro ? [intro] : [];
  const shown = new Set(shownFields);
  const seen = new Set<string>();
  for (const p of problems) {
    if (problems.some((o) => o.field.startsWith(`${p.field}.`))) continue;
    // The field itself, else the first input of a parent (`location` → `location.lat`),
    // else the input holding a child (`rules.ch4.above` → the rules box, named in the message).
    const ancestor = shownFields.find((f) => p.field.startsWith(`${f}.`));
    const field = shown.has(p.field) ? p.field : shownFields.find((f) => f.startsWith(`${p.field}.`)) ?? ancestor;
    const prefix = field ? (field === ancestor ? `${p.field.slice(field.length + 1)}: ` : '') : p.field ? `${p.field}: ` : '';
    const say: Said = () => `${prefix}${fieldErrorText(p)}`;
    // One message once per field (the union schema repeats itself).
    const key = `${field ?? ''}\n${prefix}${p.code ?? ''}${JSON.stringify(p.params ?? {})}${p.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (field) byField.set(field, [...(byField.get(field) ?? []), say]);
    else general.push(say);
  }
  return { byField, general };
}

/** What a failed request means for a form with these fields. */
export function problemsOf(err: unknown, shownFields: readonly string[]): FormProblems {
  if (!(err instanceof ApiError)) return generalProblem(() => t('common.error', { message: (err as Error).message }));
  const fields = fieldProblemsOf(err);
  if (err.status === 400 && fields.length) return sortProblems(fields, shownFields, () => t('console.form.invalid'));
  if (err.status === 409 && err.body.code === 'GW_ERR_CONFLICT' && fields.length) return sortProblems(fields, shownFields);
  return generalProblem(() => t('common.error', { message: err.message }));
}

export const isStale = (err: unknown) => err instanceof ApiError && err.status === 409 && err.body.code === 'GW_ERR_STALE_VERSION';
