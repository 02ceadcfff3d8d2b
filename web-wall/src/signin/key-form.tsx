// Signing in with an API key: for kiosk walls and scripted browsers. The key
// is checked against /api/me before it is kept (for the tab, or on this
// workstation when asked) and sent only in the Authorization header.
import { useState } from 'preact/hooks';
import { ApiError } from '../api/client.ts';
import { t } from '../i18n/index.ts';
import { signInWithKey } from '../session.ts';
import './text.ts';

export function KeyForm() {
  const [key, setKey] = useState('');
  const [remember, setRemember] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signInWithKey(key.trim(), remember);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? t('login.bad') : t('common.error', { message: (err as Error).message }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} data-testid="login-form">
      <label>
        {t('login.key')}
        <input name="apiKey" type="password" autocomplete="off" value={key} onInput={(e) => setKey(e.currentTarget.value)} required minLength={8} />
      </label>
      <label class="inline">
        <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.currentTarget.checked)} /> {t('login.remember')}
      </label>
      {error && <p class="error" role="alert">{error}</p>}
      <button type="submit" class="primary" disabled={busy}>{t('login.submit')}</button>
      <p class="hint">{t('signin.keyHint')}</p>
    </form>
  );
}
