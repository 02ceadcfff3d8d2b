// The login form: an API key, checked against /api/me before it is kept.
import { useState } from 'preact/hooks';
import { ApiError } from '../api/client.ts';
import { t } from '../i18n/index.ts';
import { login } from '../session.ts';
import { LangSwitch } from './lang-switch.tsx';

export function Login() {
  const [key, setKey] = useState('');
  const [remember, setRemember] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(key.trim(), remember);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? t('login.bad') : t('common.error', { message: (err as Error).message }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="login">
      <form class="login-box" onSubmit={submit} data-testid="login-form">
        <h1>{t('app.title')}</h1>
        <label>
          {t('login.key')}
          <input name="apiKey" type="password" autocomplete="off" value={key} onInput={(e) => setKey(e.currentTarget.value)} required minLength={8} />
        </label>
        <label class="inline">
          <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.currentTarget.checked)} /> {t('login.remember')}
        </label>
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit" disabled={busy}>{t('login.submit')}</button>
        <p class="hint">{t('login.hint')}</p>
        <LangSwitch />
      </form>
    </div>
  );
}
