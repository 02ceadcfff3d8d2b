// The inputs of the console's forms: a label, the input named by the field's
// dotted API path (`source.url`), and under it the gateway's messages for that
// field, so a 400 answer lands next to what caused it.
import type { ComponentChildren } from 'preact';
import { sayAll, type FormProblems } from './field-errors.ts';

interface FieldProps<V> {
  label: string;
  /** The dotted path the API uses for this field; also the input's name. */
  name: string;
  value: V;
  onChange: (value: V) => void;
  problems: FormProblems;
  hint?: string;
}

function FieldErrors({ name, problems }: { name: string; problems: FormProblems }) {
  const messages = sayAll(problems.byField.get(name));
  if (!messages.length) return null;
  return <div class="field-error" role="alert" data-field-error={name}>{messages.join('; ')}</div>;
}

function Row({ label, name, problems, hint, children }: { label: string; name: string; problems: FormProblems; hint?: string; children: ComponentChildren }) {
  return (
    <>
      <label for={`f-${name}`}>{label}</label>
      <span class="field">{children}{hint && <small class="hint">{hint}</small>}</span>
      <FieldErrors name={name} problems={problems} />
    </>
  );
}

export function TextField(props: FieldProps<string> & { type?: 'text' | 'password'; placeholder?: string; readOnly?: boolean; list?: string }) {
  const { label, name, value, onChange, problems, hint, type = 'text', placeholder, readOnly, list } = props;
  const shared = {
    id: `f-${name}`, name, value, placeholder, readOnly, 'aria-invalid': problems.byField.has(name) ? ('true' as const) : undefined,
    onInput: (e: { currentTarget: HTMLInputElement }) => onChange(e.currentTarget.value),
  };
  return (
    <Row label={label} name={name} problems={problems} hint={hint}>
      {type === 'password'
        ? <input {...shared} type="password" autocomplete="new-password" />
        : <input {...shared} type="text" autocomplete="off" list={list} />}
    </Row>
  );
}

export function SelectField(props: FieldProps<string> & { options: Array<{ value: string; label: string }> }) {
  const { label, name, value, onChange, problems, hint, options } = props;
  return (
    <Row label={label} name={name} problems={problems} hint={hint}>
      <select id={`f-${name}`} name={name} value={value} aria-invalid={problems.byField.has(name) ? 'true' : undefined} onChange={(e) => onChange(e.currentTarget.value)}>
        {options.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
      </select>
    </Row>
  );
}

export function CheckField({ label, name, value, onChange, problems, hint }: FieldProps<boolean>) {
  return (
    <Row label={label} name={name} problems={problems} hint={hint}>
      <input id={`f-${name}`} name={name} type="checkbox" checked={value} onChange={(e) => onChange(e.currentTarget.checked)} />
    </Row>
  );
}

export function TextAreaField(props: FieldProps<string> & { rows?: number; placeholder?: string }) {
  const { label, name, value, onChange, problems, hint, rows = 5, placeholder } = props;
  return (
    <Row label={label} name={name} problems={problems} hint={hint}>
      <textarea
        id={`f-${name}`} name={name} rows={rows} value={value} placeholder={placeholder} spellcheck={false}
        aria-invalid={problems.byField.has(name) ? 'true' : undefined} onInput={(e) => onChange(e.currentTarget.value)}
      />
    </Row>
  );
}

/** Problems no input shows (a stale version, a missing reference, the network). */
export function GeneralProblems({ problems }: { problems: FormProblems }) {
  if (!problems.general.length) return null;
  return <div class="error form-problems" role="alert" data-testid="form-problems">{sayAll(problems.general).map((m, i) => <p key={i}>{m}</p>)}</div>;
}
