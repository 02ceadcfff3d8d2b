// The closed-loop buttons of one incident: only the transitions this role may
// take from its state. An action that needs fields opens a small inline form
// (note, department with an optional assignee, rating 1–5); the gateway checks
// them, and its message is shown next to the field it names.
import { useState } from 'preact/hooks';
import type { Incident, IncidentStatus, Transition } from '../api/types.ts';
import { label, t } from '../i18n/index.ts';
import { mergeIncident } from '../store/incidents.ts';
import { departments } from '../store/registry.ts';
import { me } from '../session.ts';
import { takeAction, type ActionFields } from '../store/incidents.ts';
import { allowedTransitions, describeFailure, transitions, transitionsError } from './transitions.ts';

interface Failure { message: string; field?: string }

/** The loop in order: the step onward is the primary button, ending it without handling is marked as such. */
const LOOP: IncidentStatus[] = ['reported', 'accepted', 'dispatched', 'handling', 'feedback', 'verified', 'rated', 'archived'];
const ENDING = new Set<IncidentStatus>(['rejected', 'invalid']);

/** `onChanged(notice)` reloads the detail: after success, and after a 409 (with the notice). */
export function Actions({ incident, onChanged }: { incident: Incident; onChanged: (notice?: string) => void }) {
  const [open, setOpen] = useState<Transition | null>(null);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const allowed = allowedTransitions(incident, me.value?.role);
  const forward = allowed.find((tr) => LOOP.indexOf(tr.to) > LOOP.indexOf(incident.status));

  const run = async (tr: Transition, fields: ActionFields) => {
    setBusy(true);
    setFailure(null);
    try {
      mergeIncident(await takeAction(incident, tr.action, fields));
      setOpen(null);
      onChanged(t('dispatch.done', { action: label('action', tr.action) }));
    } catch (err) {
      const f = describeFailure(err);
      if (f.stale) {
        setOpen(null);
        onChanged(`${t('dispatch.stale')} (${f.message})`);
      } else setFailure(f); // f.message is said when painted
    } finally {
      setBusy(false);
    }
  };
  const choose = (tr: Transition) => {
    setFailure(null);
    if (tr.needs?.length || tr.action === 'dispatch') setOpen(open?.action === tr.action ? null : tr);
    else void run(tr, {});
  };

  return (
    <section class="detail-section" data-testid="actions">
      <h3>{t('dispatch.actions')}</h3>
      {transitionsError.value && <p class="error" role="alert">{t('common.error', { message: transitionsError.value })}</p>}
      {transitions.value && allowed.length === 0 && <p class="muted">{t('dispatch.noActions')}</p>}
      <div class="action-buttons">
        {allowed.map((tr) => (
          <button key={tr.action} type="button" data-action={tr.action} title={tr.label} disabled={busy}
            class={open?.action === tr.action ? 'active' : tr === forward ? 'primary' : ENDING.has(tr.to) ? 'danger' : ''} onClick={() => choose(tr)}>
            {label('action', tr.action)}
          </button>
        ))}
      </div>
      {open && <ActionForm key={open.action} transition={open} busy={busy} failure={failure} onSubmit={(f) => void run(open, f)} onCancel={() => setOpen(null)} />}
      {!open && failure && <p class="error" role="alert" data-testid="action-error">{failure.message}{failure.field ? ` (${failure.field})` : ''}</p>}
    </section>
  );
}

interface FormProps { transition: Transition; busy: boolean; failure: Failure | null; onSubmit: (f: ActionFields) => void; onCancel: () => void }

function ActionForm({ transition, busy, failure, onSubmit, onCancel }: FormProps) {
  const [fields, setFields] = useState<ActionFields>({});
  const needs = new Set(transition.needs ?? []);
  const set = (patch: ActionFields) => setFields((f) => ({ ...f, ...patch }));
  const errorAt = (name: string) => (failure?.field === name ? <span class="field-error" data-testid={`field-error-${name}`}>{failure.message}</span> : null);
  const shown = new Set<string>([...needs, ...(transition.action === 'dispatch' ? ['assignee'] : [])]);
  const unplaced = failure && (!failure.field || !shown.has(failure.field));
  return (
    <form class="action-form form-grid" data-testid={`form-${transition.action}`} onSubmit={(e) => { e.preventDefault(); onSubmit(fields); }}>
      {needs.has('departmentId') && <>
        <label for="act-department">{t('dispatch.field.departmentId')}</label>
        <select id="act-department" name="departmentId" value={fields.departmentId ?? ''} aria-invalid={failure?.field === 'departmentId'}
          onChange={(e) => set({ departmentId: e.currentTarget.value })}>
          <option value="">{t('dispatch.chooseDepartment')}</option>
          {departments.value.map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}
        </select>
        {errorAt('departmentId')}
      </>}
      {shown.has('assignee') && <>
        <label for="act-assignee">{t('dispatch.field.assignee')}</label>
        <input id="act-assignee" name="assignee" maxLength={128} value={fields.assignee ?? ''} aria-invalid={failure?.field === 'assignee'}
          onInput={(e) => set({ assignee: e.currentTarget.value })} />
        {errorAt('assignee')}
      </>}
      {needs.has('rating') && <>
        <span>{t('dispatch.field.rating')}</span>
        <span class="rating" role="radiogroup" aria-label={t('dispatch.field.rating')}>
          {[1, 2, 3, 4, 5].map((n) => (
            <button key={n} type="button" role="radio" aria-checked={fields.rating === n} data-rating={n} class={fields.rating === n ? 'active' : ''} onClick={() => set({ rating: n })}>{'★'.repeat(n)}</button>
          ))}
        </span>
        {errorAt('rating')}
      </>}
      {needs.has('note') && <>
        <label for="act-note">{t('dispatch.field.note')}</label>
        <textarea id="act-note" name="note" rows={3} maxLength={4000} value={fields.note ?? ''} aria-invalid={failure?.field === 'note'}
          onInput={(e) => set({ note: e.currentTarget.value })} />
        {errorAt('note')}
      </>}
      {unplaced && <span class="field-error" role="alert" data-testid="action-error">{failure.message}{failure.field ? ` (${failure.field})` : ''}</span>}
      <span />
      <span class="form-buttons">
        <button type="submit" class="primary" disabled={busy}>{t('dispatch.submit', { action: label('action', transition.action) })}</button>
        <button type="button" disabled={busy} onClick={onCancel}>{t('common.cancel')}</button>
      </span>
    </form>
  );
}
