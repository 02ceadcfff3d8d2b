// A person's form (#/console/people/new, #/console/people/edit/<id>): user
// name (at creation), display name, role, department, scope picked from the
// grid tree, first password (optional: the gateway makes a temporary one,
// shown once), disabled. The gateway's 400s land at the fields they name.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api/client.ts';
import type { Role } from '../api/types.ts';
import { t } from '../i18n/index.ts';
import { go } from '../router.ts';
import type { User, UserWithPassword } from '../signin/account-types.ts';
import { departments } from '../store/registry.ts';
import { NO_PROBLEMS, problemsOf, sayAll, type FormProblems } from './field-errors.ts';
import { flash } from './flash.ts';
import { CheckField, SelectField, TextField } from './form-fields.tsx';
import { FormPage } from './form-page.tsx';
import { ScopePicker } from './people-scope.tsx';
import { loadPeople, shownPassword } from './people-store.ts';
import './people-text.ts';

const ROLES: Role[] = ['operator', 'dispatcher', 'engineer', 'admin'];
// The accounts' answers that come without a catalogue code, said by their English.
const UNCODED: Record<string, string> = {
  'this user name is taken (user names ignore case)': 'people.usernameTaken',
  'this is the last active admin user; make another admin first': 'people.lastAdmin',
};

/** What a failed save means for this form, the uncoded answers said in the operator's language. */
function problemsOfSave(err: unknown): FormProblems {
  if (err instanceof ApiError && err.field && UNCODED[err.body.message]) {
    const key = UNCODED[err.body.message]!;
    return { byField: new Map([[err.field === 'id' ? 'role' : err.field, [() => t(key)]]]), general: [] };
  }
  return problemsOf(err, FIELDS);
}
const FIELDS = ['username', 'displayName', 'role', 'department', 'scope', 'password', 'disabled'] as const;

interface Draft { username: string; displayName: string; role: Role; department: string; scope: string[] | null; password: string; disabled: boolean }
const BLANK: Draft = { username: '', displayName: '', role: 'operator', department: '', scope: null, password: '', disabled: false };
const draftOf = (u: User): Draft => ({ username: u.username, displayName: u.displayName, role: u.role, department: u.department ?? '', scope: u.scope, password: '', disabled: u.disabled });

function body(d: Draft, creating: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { role: d.role, department: d.department || null, scope: d.role === 'admin' ? null : d.scope };
  if (d.displayName.trim()) out.displayName = d.displayName.trim();
  if (creating) {
    out.username = d.username.trim();
    if (d.password) out.password = d.password;
  } else out.disabled = d.disabled;
  return out;
}

export function PeopleForm({ id }: { id?: string }) {
  const [loaded, setLoaded] = useState<User | null>(null);
  const [draft, setDraft] = useState<Draft>(BLANK);
  const [problems, setProblems] = useState<FormProblems>(NO_PROBLEMS);
  const [busy, setBusy] = useState(false);
  const creating = !id;

  useEffect(() => {
    if (!id) return;
    api<User>(`/api/users/${encodeURIComponent(id)}`).then((u) => { setLoaded(u); setDraft(draftOf(u)); }, (err) => setProblems(problemsOf(err, FIELDS)));
  }, [id]);

  const set = <K extends keyof Draft>(key: K) => (value: Draft[K]) => setDraft({ ...draft, [key]: value });
  const close = (text: string) => { flash(text); go('console', 'people'); };
  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setProblems(NO_PROBLEMS);
    try {
      if (creating) {
        const made = await api<UserWithPassword>('/api/users', { method: 'POST', body: body(draft, true) });
        if (made.temporaryPassword) shownPassword.value = { name: made.user.displayName || made.user.username, password: made.temporaryPassword };
        await loadPeople();
        close(t('people.created', { name: made.user.username }));
      } else {
        await api<User>(`/api/users/${encodeURIComponent(id)}`, { method: 'PATCH', body: body(draft, false) });
        await loadPeople();
        close(t('people.saved', { name: draft.username }));
      }
    } catch (err) {
      setProblems(problemsOfSave(err));
    } finally {
      setBusy(false);
    }
  };
  const form = { problems, busy, save, remove: async () => undefined, removed: async () => undefined, failed: (err: unknown) => setProblems(problemsOf(err, FIELDS)) };
  const roleOptions = ROLES.map((r) => ({ value: r, label: t(`role.${r}`) }));
  const deptOptions = [{ value: '', label: t('people.department.none') }, ...departments.value.map((d) => ({ value: d.id, label: d.name }))];
  const scopeErrors = sayAll(problems.byField.get('scope'));
  return (
    <FormPage testId="people-form" title={creating ? t('people.newTitle') : t('people.editTitle', { name: loaded?.username ?? '' })}
      loading={!creating && !loaded} form={form} cancel={() => go('console', 'people')}>
      {loaded?.source === 'oidc' && <p class="hint">{t('people.ssoNote')}</p>}
      <div class="form-grid">
        {creating
          ? <TextField label={t('people.username')} name="username" value={draft.username} onChange={set('username')} problems={problems} hint={t('people.usernameHint')} />
          : <TextField label={t('people.username')} name="username" value={draft.username} onChange={() => undefined} problems={problems} readOnly />}
        <TextField label={t('people.displayName')} name="displayName" value={draft.displayName} onChange={set('displayName')} problems={problems} />
        <SelectField label={t('people.role')} name="role" value={draft.role} onChange={(v) => set('role')(v as Role)} options={roleOptions} problems={problems} />
        <SelectField label={t('people.department')} name="department" value={draft.department} onChange={set('department')} options={deptOptions} problems={problems} />
        <label>{t('people.scope')}</label>
        <span class="field">
          {draft.role === 'admin' ? <span class="muted">{t('people.scope.adminAll')}</span> : <ScopePicker value={draft.scope} onChange={set('scope')} />}
          <small class="hint">{t('people.scopeHint')}</small>
        </span>
        {scopeErrors.length > 0 && <div class="field-error" role="alert" data-field-error="scope">{scopeErrors.join('; ')}</div>}
        {creating && <TextField label={t('people.password')} name="password" type="password" value={draft.password} onChange={set('password')} problems={problems} hint={t('people.passwordHint')} />}
        {!creating && <CheckField label={t('people.disable')} name="disabled" value={draft.disabled} onChange={set('disabled')} problems={problems} />}
      </div>
    </FormPage>
  );
}
