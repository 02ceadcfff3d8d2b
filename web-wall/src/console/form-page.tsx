// The frame of a device form: the title, the inputs, the version it edits,
// problems no input shows, and save / cancel / delete.
import type { ComponentChildren } from 'preact';
import { t } from '../i18n/index.ts';
import { DeleteButton } from './delete-button.tsx';
import type { FormProblems } from './field-errors.ts';
import { GeneralProblems } from './form-fields.tsx';

interface Props {
  testId: string;
  title: string;
  /** Still loading the device to edit (or failed to: then the problems say why). */
  loading: boolean;
  version?: number;
  deleteName?: string;
  form: {
    problems: FormProblems; busy: boolean; save: (e: Event) => Promise<void>;
    remove: () => Promise<unknown>; removed: () => Promise<void>; failed: (err: unknown) => void;
  };
  cancel: () => void;
  children: ComponentChildren;
  /** Panels shown below the form (a camera's ONVIF facts). */
  after?: ComponentChildren;
}

export function FormPage({ testId, title, loading, version, deleteName, form, cancel, children, after }: Props) {
  if (loading) {
    return (
      <div class="scroll-page console-form-page">
        <GeneralProblems problems={form.problems} />
        {!form.problems.general.length && <p class="muted">{t('common.loading')}</p>}
      </div>
    );
  }
  return (
    <div class="scroll-page console-form-page">
      <form class="panel console-form" data-testid={testId} onSubmit={(e) => void form.save(e)} noValidate>
        <h2>{title}</h2>
        <div class="body pad">
          {children}
          {version !== undefined && <p class="muted">{t('console.form.version', { version })}</p>}
          <GeneralProblems problems={form.problems} />
          <div class="form-buttons">
            <button type="submit" class="primary" disabled={form.busy} data-testid="save">{t('common.save')}</button>
            <button type="button" onClick={cancel}>{t('common.cancel')}</button>
            <span class="spacer" />
            {deleteName !== undefined && <DeleteButton what={deleteName} remove={form.remove} done={form.removed} failed={form.failed} />}
          </div>
        </div>
      </form>
      {after}
    </div>
  );
}
