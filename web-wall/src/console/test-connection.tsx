// "Test connection" on the camera form: the gateway reads the RTSP source for
// a few seconds (POST /api/channels/test) and the form says what it found —
// codec and size, or why it could not connect — before anything is saved.
import { useState } from 'preact/hooks';
import { api, ApiError } from '../api/client.ts';
import { label, t } from '../i18n/index.ts';
import type { ChannelDraft } from './channel-draft.ts';
import './extra-text.ts';

interface TestResult { ok: boolean; input?: { codec: string; width: number; height: number; fps?: number }; reason?: string; detail?: string; ms: number }

type Shown = { state: 'idle' } | { state: 'running' } | { state: 'done'; result: TestResult } | { state: 'failed'; message: string };

export function TestConnection({ draft, channelId }: { draft: ChannelDraft; channelId?: string }) {
  const [shown, setShown] = useState<Shown>({ state: 'idle' });
  const run = async () => {
    setShown({ state: 'running' });
    const source = { url: draft.url.trim(), ...(draft.username.trim() ? { username: draft.username.trim() } : {}), ...(draft.password ? { password: draft.password } : {}) };
    try {
      const result = await api<TestResult>('/api/channels/test', { method: 'POST', body: { source, ...(channelId ? { channelId } : {}) } });
      setShown({ state: 'done', result });
    } catch (err) {
      setShown({ state: 'failed', message: err instanceof ApiError || err instanceof Error ? err.message : String(err) });
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
            {t('console.test.failed', { reason: label('reason', shown.result.reason ?? 'exited') })}
            {shown.result.detail && <small class="test-detail">{shown.result.detail}</small>}
          </span>
        )}
        {shown.state === 'failed' && <span class="bad" data-testid="test-connection-result">{shown.message}</span>}
      </div>
    </>
  );
}
