// "Test connection" on the camera form: the gateway reads the RTSP source for
// a few seconds (POST /api/channels/test) and the form says what it found —
// codec and size, or why it could not connect — before anything is saved.
import { useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import type { ConnectionTest } from '../api/types.ts';
import { t } from '../i18n/index.ts';
import { codedReasonText } from '../i18n/vocabulary.ts';
import type { ChannelDraft } from './channel-draft.ts';
import './extra-text.ts';

// The error is kept, not its text: its message (coded: too often, not an rtsp:// URL…) is said when painted.
type Shown = { state: 'idle' } | { state: 'running' } | { state: 'done'; result: ConnectionTest } | { state: 'failed'; error: Error };

export function TestConnection({ draft, channelId }: { draft: ChannelDraft; channelId?: string }) {
  const [shown, setShown] = useState<Shown>({ state: 'idle' });
  const run = async () => {
    setShown({ state: 'running' });
    const source = { url: draft.url.trim(), ...(draft.username.trim() ? { username: draft.username.trim() } : {}), ...(draft.password ? { password: draft.password } : {}) };
    try {
      const result = await api<ConnectionTest>('/api/channels/test', { method: 'POST', body: { source, ...(channelId ? { channelId } : {}) } });
      setShown({ state: 'done', result });
    } catch (err) {
      setShown({ state: 'failed', error: err instanceof Error ? err : new Error(String(err)) });
    }
  };
  return (
    <>
      <span />
      <div class="field test-connection" data-testid="test-connection" data-state={shown.state === 'done' ? (shown.result.ok ? 'ok' : 'failed') : shown.state}>
        <button type="button" data-testid="test-connection-run" disabled={!draft.url.trim() || shown.state === 'running'} onClick={() => void run()}>
          {shown.state === 'running' ? t('console.test.running') : t('console.test.run')}
        </button>
        {shown.state === 'done' && shown.result.ok && shown.result.input && (
          <span class="ok" data-testid="test-connection-result">
            {t('console.test.ok', { codec: shown.result.input.codec, width: shown.result.input.width, height: shown.result.input.height, fps: shown.result.input.fps ?? '?', ms: shown.result.ms })}
          </span>
        )}
        {shown.state === 'done' && !shown.result.ok && (
          <span class="bad" data-testid="test-connection-result" data-reason={shown.result.reason} title={shown.result.detail}>
            {t('console.test.failed', { reason: codedReasonText(shown.result) ?? codedReasonText({ reasonCode: 'exited' })! })}
            {shown.result.detail && <small class="test-detail">{shown.result.detail}</small>}
          </span>
        )}
        {shown.state === 'failed' && <span class="bad" data-testid="test-connection-result">{shown.error.message}</span>}
      </div>
    </>
  );
}
