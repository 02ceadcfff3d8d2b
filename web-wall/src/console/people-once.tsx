// A secret the gateway shows once (a person's temporary password, a new API
// key): in a box to select or copy, with a word that it will not be shown
// again, until the admin says it is noted.
import { useRef, useState } from 'preact/hooks';
import { t } from '../i18n/index.ts';
import './people-text.ts';

async function copy(text: string, input: HTMLInputElement | null): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No clipboard API (plain http to a host that is not this machine): the old way.
    input?.select();
    return document.execCommand('copy');
  }
}

interface Props { title: string; note: string; secret: string; testId: string; onDone: () => void }

export function ShownOnce({ title, note, secret, testId, onDone }: Props) {
  const [copied, setCopied] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  return (
    <div class="panel shown-once" role="alertdialog" aria-label={title} data-testid={testId}>
      <h2>{title}</h2>
      <div class="pad">
        <p class="warn">{note}</p>
        <div class="secret-row">
          <input readOnly value={secret} data-testid={`${testId}-secret`} ref={input} onFocus={(e) => e.currentTarget.select()} />
          <button type="button" data-testid={`${testId}-copy`} onClick={() => void copy(secret, input.current).then(setCopied)}>{copied ? t('once.copied') : t('once.copy')}</button>
        </div>
        <div class="form-buttons"><button type="button" class="primary" onClick={onDone}>{t('once.done')}</button></div>
      </div>
    </div>
  );
}
