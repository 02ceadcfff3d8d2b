// A person's own password change: the current password, the new one twice.
// The gateway's policy answers at the field it names (too short, contains the
// user name, a common password, not the current password), in the operator's
// language. Shown before anything else when the gateway requires a change
// (first admin, after an admin's reset), and from the user menu.
import { useState } from 'preact/hooks';
import { ApiError } from '../api/client.ts';
import type { FieldError } from '../api/types.ts';
import { fieldProblemsOf } from '../console/field-errors.ts';
import { t } from '../i18n/index.ts';
import { changePassword, me, signOut } from '../session.ts';
import { LangSwitch } from '../ui/lang-switch.tsx';
import { passwordRuleText } from './password-rules.ts';
import './text.ts';
import './signin.css';

const FIELDS = ['currentPassword', 'newPassword', 'confirm'] as const;
type Field = (typeof FIELDS)[number];

export function PasswordForm({ onDone, onCancel }: { onDone?: () => void; onCancel?: () => void }) {
  const [values, setValues] = useState<Record<Field, string>>({ currentPassword: '', newPassword: '', confirm: '' });
  const [problems, setProblems] = useState<FieldError[]>([]);
  const [general, setGeneral] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setProblems([]);
    setGeneral(null);
    if (values.newPassword !== values.confirm) return setProblems([{ field: 'confirm', message: t('pw.mismatch'), code: 'pw_mismatch' }]);
    setBusy(true);
    try {
      await changePassword(values.currentPassword, values.newPassword);
      onDone?.();
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const byField = fieldProblemsOf(err).filter((p) => (FIELDS as readonly string[]).includes(p.field));
      if (byField.length) setProblems(byField);
      else setGeneral(err);
    } finally {
      setBusy(false);
    }
  };

  const field = (name: Field, label: string, autocomplete: string) => {
    const mine = problems.filter((p) => p.field === name);
    return (
      <label>
        {label}
        <input name={name} type="password" autocomplete={autocomplete} value={values[name]} required aria-invalid={mine.length > 0}
          onInput={(e) => setValues({ ...values, [name]: e.currentTarget.value })} />
        {mine.map((p) => (
          <span key={p.code ?? p.message} class="pw-error" data-testid={`error-${name}`} data-code={p.code ?? ''}>
            {p.code === 'pw_mismatch' ? p.message : passwordRuleText(p)}
          </span>
        ))}
      </label>
    );
  };

  return (
    <form class="password-form" onSubmit={submit} data-testid="password-form">
      {field('currentPassword', t('pw.current'), 'current-password')}
      {field('newPassword', t('pw.new'), 'new-password')}
      {field('confirm', t('pw.confirm'), 'new-password')}
      <p class="hint">{t('pw.rules')}</p>
      {general && <p class="error" role="alert">{t('common.error', { message: general.message })}</p>}
      <div class="buttons">
        <button type="submit" class="primary" disabled={busy}>{t('pw.submit')}</button>
        {onCancel && <button type="button" onClick={onCancel}>{t('common.cancel')}</button>}
      </div>
    </form>
  );
}

/** Before anything else: the gateway answers nothing but the password change until it is done. */
export function MustChangePassword() {
  return (
    <div class="login signin">
      <div class="login-box signin-box" data-testid="must-change-password">
        <h1>{t('pw.title')}</h1>
        <p class="notice" role="status">{t('pw.mustChange')}</p>
        <p class="hint">{me.value?.displayName} ({me.value?.name})</p>
        <PasswordForm />
        <p class="signin-switch"><a href="#" onClick={(e) => { e.preventDefault(); void signOut(); }}>{t('menu.signOut')}</a></p>
        <LangSwitch />
      </div>
    </div>
  );
}
