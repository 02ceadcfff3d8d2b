// The People page (#/console/people, admins only): every person who can sign
// in with their role, department, scope (as grid names), source (local or
// single sign-on), whether disabled, and last sign-in; edit, reset password
// (the temporary one shown once with a copy button), delete.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { formatTime, t } from '../i18n/index.ts';
import { go } from '../router.ts';
import { me } from '../session.ts';
import type { User, UserWithPassword } from '../signin/account-types.ts';
import { departments, gridByCode } from '../store/registry.ts';
import { DeleteButton } from './delete-button.tsx';
import { flash } from './flash.ts';
import { ShownOnce } from './people-once.tsx';
import { scopeNames } from './people-scope.tsx';
import { loadPeople, people, peopleProblem, shownPassword } from './people-store.ts';
import './people-text.ts';

const COLUMNS = ['username', 'displayName', 'role', 'department', 'scope', 'source', 'status', 'lastSignIn'] as const;

function ResetButton({ user, failed }: { user: User; failed: (err: unknown) => void }) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  if (user.source !== 'local') return null;
  if (!asking) return <button type="button" data-testid="reset-password" onClick={() => setAsking(true)}>{t('people.reset')}</button>;
  const reset = async () => {
    setBusy(true);
    try {
      const { temporaryPassword } = await api<UserWithPassword>(`/api/users/${encodeURIComponent(user.id)}/reset-password`, { method: 'POST' });
      if (temporaryPassword) shownPassword.value = { name: user.displayName || user.username, password: temporaryPassword };
      await loadPeople();
    } catch (err) {
      failed(err);
    } finally {
      setBusy(false);
      setAsking(false);
    }
  };
  return (
    <span class="confirm-delete" role="group">
      <span class="warn">{t('people.resetAsk', { name: user.displayName || user.username })}</span>
      <button type="button" class="danger" disabled={busy} data-testid="confirm-reset" onClick={() => void reset()}>{t('people.resetConfirm')}</button>
      <button type="button" disabled={busy} onClick={() => setAsking(false)}>{t('common.cancel')}</button>
    </span>
  );
}

export function PeopleList() {
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => void loadPeople(), []);
  const failed = (err: unknown) => setProblem(t('common.error', { message: (err as Error).message }));
  const deptName = (id: string | null) => (id ? departments.value.find((d) => d.id === id)?.name ?? id : '—');
  const secret = shownPassword.value;
  return (
    <div class="scroll-page people-page">
      {secret && (
        <ShownOnce testId="temporary-password" title={t('people.tempTitle', { name: secret.name })} note={t('people.tempOnce')} secret={secret.password}
          onDone={() => (shownPassword.value = null)} />
      )}
      <section class="panel console-list" data-testid="people-list">
        <h2>
          {t('people.title')}
          <span class="spacer" />
          <button type="button" class="primary" data-testid="add-person" onClick={() => go('console', 'people', 'new')}>{t('people.add')}</button>
        </h2>
        {peopleProblem.value && <p class="error pad">{t('people.loadFailed', { message: peopleProblem.value })}</p>}
        {problem && <p class="error pad" role="alert" data-testid="people-problem">{problem}</p>}
        <div class="body">
          <table class="console-table">
            <thead><tr>{COLUMNS.map((c) => <th key={c}>{t(`people.col.${c}`)}</th>)}<th /></tr></thead>
            <tbody>
              {people.value.map((u) => (
                <tr key={u.id} data-user={u.username} data-state={u.disabled ? 'offline' : 'online'}>
                  <td class="mono">{u.username}</td>
                  <td>{u.displayName}</td>
                  <td>{t(`role.${u.role}`)}</td>
                  <td>{deptName(u.department)}</td>
                  <td data-col="scope">{u.role === 'admin' ? t('people.scopeAll') : scopeNames(u.scope, gridByCode.value)}</td>
                  <td>{t(`people.source.${u.source}`)}</td>
                  <td>
                    <span class={`badge ${u.disabled ? 'offline' : 'online'}`}>{u.disabled ? t('people.disabled') : t('people.active')}</span>
                    {u.mustChangePassword && <span class="badge pending"> {t('people.mustChange')}</span>}
                  </td>
                  <td>{u.lastSignInAt ? formatTime(u.lastSignInAt, true) : t('people.never')}</td>
                  <td class="row-actions">
                    <button type="button" data-testid="edit-person" onClick={() => go('console', 'people', 'edit', u.id)}>{t('common.edit')}</button>
                    <ResetButton user={u} failed={failed} />
                    {u.id !== me.value?.userId && (
                      <DeleteButton what={u.displayName || u.username} remove={() => api(`/api/users/${encodeURIComponent(u.id)}`, { method: 'DELETE' })}
                        done={async () => { flash(t('people.deleted', { name: u.username })); await loadPeople(); }} failed={failed} />
                    )}
                  </td>
                </tr>
              ))}
              {!people.value.length && <tr><td colSpan={COLUMNS.length + 1} class="muted">{t('people.none')}</td></tr>}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}
