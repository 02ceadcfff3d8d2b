// The sign-in page: user name and password; the single sign-on button when
// the gateway has it (GET /api/auth/config); why the page is shown (a session
// that expired, a single sign-on that failed: ?signin_error=<code>); a lock's
// wait. Signing in with an API key stays as a small second way (kiosk walls).
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api/client.ts';
import { t } from '../i18n/index.ts';
import { serverText } from '../i18n/server-text.ts';
import { signedOutBecause, signIn } from '../session.ts';
import { LangSwitch } from '../ui/lang-switch.tsx';
import type { AuthConfig } from './account-types.ts';
import { KeyForm } from './key-form.tsx';
import { waitText } from './password-rules.ts';
import './text.ts';
import './signin.css';

/** The code a failed single sign-on left in the address, taken out of it so a reload does not say it again. */
function takeSigninError(): string | null {
  const url = new URL(location.href);
  const code = url.searchParams.get('signin_error');
  if (!code) return null;
  url.searchParams.delete('signin_error');
  history.replaceState(null, '', `${url.pathname}${url.search}${url.hash}`);
  return /^[a-z_]{1,64}$/.test(code) ? code : null;
}
const ssoError = takeSigninError();

/** The failure's text from the catalogue; the address carries no params, so a detail such as sso_account_invalid's reason is left out. */
const ssoErrorText = (code: string): string => serverText({ code, params: { reason: '' } }, code).replace(/（\s*）|\s*\(\s*\)/g, '');

type Problem = { kind: 'wrong' } | { kind: 'locked'; until: number } | { kind: 'error'; err: Error };

export function SignInPage() {
  const [mode, setMode] = useState<'password' | 'key'>('password');
  const [sso, setSso] = useState<AuthConfig['oidc'] | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [, tick] = useState(0);

  useEffect(() => {
    api<AuthConfig>('/api/auth/config', { signingIn: true }).then((c) => setSso(c.oidc), () => setSso(null));
  }, []);
  // A lock counts down each second, and lifts itself.
  useEffect(() => {
    if (problem?.kind !== 'locked') return;
    const timer = setInterval(() => (Date.now() >= problem.until ? setProblem(null) : tick((n) => n + 1)), 1000);
    return () => clearInterval(timer);
  }, [problem]);

  const ssoHref = sso?.enabled && sso.loginUrl ? `${sso.loginUrl}?returnTo=${encodeURIComponent(`/${location.hash}`)}` : null;
  return (
    <div class="login signin">
      <div class="login-box signin-box">
        <h1>{t('app.title')}</h1>
        <h2>{t('signin.title')}</h2>
        {signedOutBecause.value === 'expired' && <p class="notice" role="status" data-testid="signin-expired">{t('signin.expired')}</p>}
        {ssoError && <p class="error" role="alert" data-testid="signin-sso-error" data-code={ssoError}>{ssoErrorText(ssoError)}</p>}
        {mode === 'password' ? <PasswordForm problem={problem} setProblem={setProblem} /> : <KeyForm />}
        {mode === 'password' && ssoHref && (
          <>
            <p class="signin-or"><span>{t('signin.or')}</span></p>
            <a class="button sso" href={ssoHref} data-testid="signin-sso">{t('signin.sso')}</a>
            {sso?.label && <p class="hint sso-label">{sso.label}</p>}
          </>
        )}
        <p class="signin-switch">
          {mode === 'password'
            ? <a href="#" data-testid="use-api-key" onClick={(e) => { e.preventDefault(); setMode('key'); }}>{t('signin.useKey')}</a>
            : <a href="#" data-testid="use-password" onClick={(e) => { e.preventDefault(); setMode('password'); }}>{t('signin.usePassword')}</a>}
        </p>
        <LangSwitch />
      </div>
    </div>
  );
}

function PasswordForm({ problem, setProblem }: { problem: Problem | null; setProblem: (p: Problem | null) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const locked = problem?.kind === 'locked';

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      await signIn(username.trim(), password);
    } catch (err) {
      setPassword('');
      if (err instanceof ApiError && err.status === 401) setProblem({ kind: 'wrong' });
      else if (err instanceof ApiError && err.status === 429) setProblem({ kind: 'locked', until: Date.now() + (err.retryAfter ?? 60) * 1000 });
      else setProblem({ kind: 'error', err: err as Error });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} data-testid="signin-form">
      <label>
        {t('signin.username')}
        <input name="username" autocomplete="username" value={username} onInput={(e) => setUsername(e.currentTarget.value)} required maxLength={128} autofocus />
      </label>
      <label>
        {t('signin.password')}
        <input name="password" type="password" autocomplete="current-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} required maxLength={1024} />
      </label>
      {problem?.kind === 'wrong' && <p class="error" role="alert" data-testid="signin-wrong">{t('signin.wrong')}</p>}
      {problem?.kind === 'locked' && (
        <p class="error" role="alert" data-testid="signin-locked">{t('signin.locked', { wait: waitText(Math.max(1, Math.ceil((problem.until - Date.now()) / 1000))) })}</p>
      )}
      {problem?.kind === 'error' && <p class="error" role="alert" data-testid="signin-error">{t('signin.unreachable', { message: problem.err.message })}</p>}
      <button type="submit" class="primary" disabled={busy || locked}>{busy ? t('signin.busy') : t('signin.submit')}</button>
    </form>
  );
}
