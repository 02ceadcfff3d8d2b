// The password policy's answers (device-registry/auth/passwords.ts and the
// password change) said in the operator's language: by their code, and the
// two the gateway sends without one by their English.
import type { FieldError } from '../api/types.ts';
import { t } from '../i18n/index.ts';
import { fieldErrorText } from '../i18n/server-text.ts';
import './text.ts';

const UNCODED: Record<string, string> = {
  'is not your current password': 'pw.rule.notCurrent',
  'must differ from the current password': 'pw.rule.same',
};

export function passwordRuleText(e: FieldError): string {
  const key = e.code ? `pw.rule.${e.code}` : UNCODED[e.message];
  if (key) {
    const said = t(key, e.params);
    if (said !== key) return said;
  }
  return fieldErrorText(e);
}

/** A lock's wait (Retry-After seconds) as a person reads it. */
export function waitText(seconds: number): string {
  if (seconds < 60) return t('signin.wait.seconds', { n: seconds });
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return s ? t('signin.wait.minutesSeconds', { m, s }) : t('signin.wait.minutes', { n: m });
}
