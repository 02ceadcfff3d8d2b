// The API keys page (#/console/keys, admins only): keys are for machines
// (integrations, scripts, kiosk walls). Create one with a role and an
// optional scope (its secret shown once, with a copy button), revoke one.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import type { Role } from '../api/types.ts';
import { formatTime, t } from '../i18n/index.ts';
import type { ApiKeyInfo, CreatedApiKey } from '../signin/account-types.ts';
import { gridByCode } from '../store/registry.ts';
import { NO_PROBLEMS, problemsOf, sayAll, type FormProblems } from './field-errors.ts';
import { flash } from './flash.ts';
import { GeneralProblems, SelectField, TextField } from './form-fields.tsx';
import { ShownOnce } from './people-once.tsx';
import { ScopePicker, scopeNames } from './people-scope.tsx';
import './people-text.ts';

const ROLES: Role[] = ['operator', 'dispatcher', 'engineer', 'admin'];
const FIELDS = ['name', 'role', 'scope'] as const;
const COLUMNS = ['name', 'role', 'scope', 'created', 'lastUsed', 'status'] as const;

function RevokeButton({ k, done, failed }: { k: ApiKeyInfo; done: () => Promise<void>; failed: (err: unknown) => void }) {
  const [asking, setAsking] = useState(false);
  if (k.revokedAt) return null;
  if (!asking) return <button type="button" class="danger" data-testid="revoke-key" onClick={() => setAsking(true)}>{t('keys.revoke')}</button>;
  const revoke = () => api(`/api/keys/${encodeURIComponent(k.id)}`, { method: 'DELETE' }).then(done, failed).finally(() => setAsking(false));
  return (
    <span class="confirm-delete" role="group">
      <span class="warn">{t('keys.revokeAsk', { name: k.name })}</span>
      <button type="button" class="danger" data-testid="confirm-revoke" onClick={() => void revoke()}>{t('keys.revokeConfirm')}</button>
      <button type="button" onClick={() => setAsking(false)}>{t('common.cancel')}</button>
    </span>
  );
}

function NewKeyForm({ created }: { created: (key: CreatedApiKey) => Promise<void> }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('operator');
  const [scope, setScope] = useState<string[] | null>(null);
  const [problems, setProblems] = useState<FormProblems>(NO_PROBLEMS);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setProblems(NO_PROBLEMS);
    try {
      const key = await api<CreatedApiKey>('/api/keys', { method: 'POST', body: { name: name.trim(), role, ...(role === 'admin' ? {} : { scope }) } });
      setName('');
      setScope(null);
      await created(key);
    } catch (err) {
      setProblems(problemsOf(err, FIELDS));
    } finally {
      setBusy(false);
    }
  };
  const scopeErrors = sayAll(problems.byField.get('scope'));
  return (
    <form class="panel console-form" data-testid="key-form" onSubmit={(e) => void submit(e)} noValidate>
      <h2>{t('keys.add')}</h2>
      <div class="body pad">
        <div class="form-grid">
          <TextField label={t('keys.name')} name="name" value={name} onChange={setName} problems={problems} hint={t('keys.nameHint')} />
          <SelectField label={t('people.role')} name="role" value={role} onChange={(v) => setRole(v as Role)} options={ROLES.map((r) => ({ value: r, label: t(`role.${r}`) }))} problems={problems} />
          <label>{t('people.scope')}</label>
          <span class="field">
            {role === 'admin' ? <span class="muted">{t('people.scope.adminAll')}</span> : <ScopePicker value={scope} onChange={setScope} />}
            <small class="hint">{t('people.scopeHint')}</small>
          </span>
          {scopeErrors.length > 0 && <div class="field-error" role="alert" data-field-error="scope">{scopeErrors.join('; ')}</div>}
        </div>
        <GeneralProblems problems={problems} />
        <div class="form-buttons"><button type="submit" class="primary" disabled={busy} data-testid="create-key">{t('keys.create')}</button></div>
      </div>
    </form>
  );
}

export function KeysList() {
  const [keys, setKeys] = useState<ApiKeyInfo[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [secret, setSecret] = useState<CreatedApiKey | null>(null);
  const load = async () => {
    try {
      setKeys((await api<{ items: ApiKeyInfo[] }>('/api/keys')).items);
      setProblem(null);
    } catch (err) {
      setProblem(t('keys.loadFailed', { message: (err as Error).message }));
    }
  };
  useEffect(() => void load(), []);
  const failed = (err: unknown) => setProblem(t('common.error', { message: (err as Error).message }));
  return (
    <div class="scroll-page people-page">
      {secret && (
        <ShownOnce testId="new-key" title={t('keys.secretTitle', { name: secret.name })} note={t('keys.secretOnce')} secret={secret.secret} onDone={() => setSecret(null)} />
      )}
      <section class="panel console-list" data-testid="keys-list">
        <h2>{t('keys.title')}</h2>
        <p class="hint pad">{t('keys.intro')}</p>
        {problem && <p class="error pad" role="alert">{problem}</p>}
        <div class="body">
          <table class="console-table">
            <thead><tr>{COLUMNS.map((c) => <th key={c}>{t(`keys.col.${c}`)}</th>)}<th /></tr></thead>
            <tbody>
              {keys.map((k) => (
                <tr key={k.id} data-key={k.id} data-state={k.revokedAt ? 'offline' : 'online'}>
                  <td>{k.name}</td>
                  <td>{t(`role.${k.role}`)}</td>
                  <td>{k.role === 'admin' ? t('people.scopeAll') : scopeNames(k.scope, gridByCode.value)}</td>
                  <td>{formatTime(k.createdAt, true)}</td>
                  <td>{k.lastUsedAt ? formatTime(k.lastUsedAt, true) : '—'}</td>
                  <td>{k.revokedAt ? <span class="badge offline">{t('keys.revoked', { at: formatTime(k.revokedAt, true) })}</span> : <span class="badge online">{t('keys.active')}</span>}</td>
                  <td><RevokeButton k={k} done={async () => { flash(t('keys.revokedDone', { name: k.name })); await load(); }} failed={failed} /></td>
                </tr>
              ))}
              {!keys.length && <tr><td colSpan={COLUMNS.length + 1} class="muted">{t('keys.none')}</td></tr>}
            </tbody>
          </table>
        </div>
      </section>
      <NewKeyForm created={async (key) => { setSecret(key); await load(); }} />
    </div>
  );
}
