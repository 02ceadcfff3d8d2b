// Delete with a second click to confirm, in place (no browser dialog): the
// first click asks "delete <name>?", the second sends the DELETE.
import { useState } from 'preact/hooks';
import { t } from '../i18n/index.ts';

interface Props {
  what: string;
  remove: () => Promise<unknown>;
  done: () => Promise<void> | void;
  failed: (err: unknown) => void;
}

export function DeleteButton({ what, remove, done, failed }: Props) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  if (!asking) return <button type="button" class="danger" data-testid="delete" onClick={() => setAsking(true)}>{t('common.delete')}</button>;

  const confirm = async () => {
    setBusy(true);
    try {
      await remove();
      await done();
    } catch (err) {
      setAsking(false);
      failed(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="confirm-delete" role="group">
      <span class="warn">{t('console.delete.ask', { name: what })}</span>
      <button type="button" class="danger" disabled={busy} data-testid="confirm-delete" onClick={() => void confirm()}>{t('console.delete.confirm')}</button>
      <button type="button" disabled={busy} onClick={() => setAsking(false)}>{t('common.cancel')}</button>
    </span>
  );
}
