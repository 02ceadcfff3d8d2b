// Turns a failed save into what the form shows: the gateway's 400 body names
// one field (`field`) and lists every problem (`errors: [{field, message}]`);
// each message goes next to the input it names, the rest above the buttons,
// in the operator's language (by its code; the English for an unknown one).
import { ApiError } from '../api/client.ts';
import { t } from '../i18n/index.ts';
import { fieldErrorText, type Params } from '../i18n/server-text.ts';

export interface FieldProblem { field: string; message: string }

export interface FormProblems {
  /** Messages by the dotted path of a field the form shows (`source.url`, `location.lat`). */
  byField: Map<string, string[]>;
  /** What names no field on the form, or is not about a field at all. */
  general: string[];
}

export const NO_PROBLEMS: FormProblems = { byField: new Map(), general: [] };

/** Every field problem in an API error body (`errors`, else the one `field`), said in the operator's language. */
export function fieldProblemsOf(err: ApiError): FieldProblem[] {
  const listed = err.body.errors as Array<FieldProblem & { code?: string; params?: Params }> | undefined;
  if (listed?.length) return listed.map((e) => ({ field: e.field, message: fieldErrorText(e) }));
  return err.field ? [{ field: err.field, message: err.message }] : [];
}

/**
 * Sorts problems onto the form's fields. A problem about a parent (`location`)
 * is dropped when one of its children (`location.lat`) has its own: that is
 * the union schema's noise ("must be null") around the real complaint.
 */
export function sortProblems(problems: FieldProblem[], shownFields: readonly string[], intro?: string): FormProblems {
  const byField = new Map<string, string[]>();
  const general: string[] = intro ? [intro] : [];
  const shown = new Set(shownFields);
  for (const p of problems) {
    if (problems.some((o) => o.field.startsWith(`${p.field}.`))) continue;
    // The field itself, else the first input of a parent (`location` → `location.lat`),
    // else the input holding a child (`rules.ch4.above` → the rules box, named in the message).
    const ancestor = shownFields.find((f) => p.field.startsWith(`${f}.`));
    const field = shown.has(p.field) ? p.field : shownFields.find((f) => f.startsWith(`${p.field}.`)) ?? ancestor;
    if (field) {
      const message = field === ancestor ? `${p.field.slice(field.length + 1)}: ${p.message}` : p.message;
      const list = byField.get(field) ?? [];
      if (!list.includes(message)) byField.set(field, [...list, message]);
    } else {
      general.push(p.field ? `${p.field}: ${p.message}` : p.message);
    }
  }
  return { byField, general };
}

/** What a failed request means for a form with these fields. */
export function problemsOf(err: unknown, shownFields: readonly string[]): FormProblems {
  if (!(err instanceof ApiError)) return { byField: new Map(), general: [t('common.error', { message: (err as Error).message })] };
  const fields = fieldProblemsOf(err);
  if (err.status === 400 && fields.length) return sortProblems(fields, shownFields, t('console.form.invalid'));
  if (err.status === 409 && err.body.code === 'GW_ERR_CONFLICT' && fields.length) return sortProblems(fields, shownFields);
  return { byField: new Map(), general: [t('common.error', { message: err.message })] };
}

export const isStale = (err: unknown) => err instanceof ApiError && err.status === 409 && err.body.code === 'GW_ERR_STALE_VERSION';
