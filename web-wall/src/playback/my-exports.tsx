// The person's recent exports, under the export controls: channel and range,
// state or progress, a download link once done. GET /api/exports lists one's
// own (an admin's answer is everyone's, narrowed here to the admin's own); it
// is asked again while one is queued or running, and whenever `version`
// changes (a new export was asked here). A device's recording downloaded as
// an export (kind device) is marked 设备录像.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { withUrlToken } from '../api/url-token.ts';
import { formatTime, t } from '../i18n/index.ts';
import { me } from '../session.ts';
import './text.ts';

const SHOWN = 5;
const POLL_MS = 1000;
const RETRY_MS = 5000;

export interface ListedExport {
  id: string;
  /** recording: the gateway's own footage; device: downloaded from a GB28181 device (设备录像). */
  kind?: 'recording' | 'device';
  channelId: string;
  channelName?: string;
  state: 'queued' | 'running' | 'done' | 'failed';
  progress: number;
  bytes: number;
  from: string;
  to: string;
  download?: string;
  reason?: string;
  createdBy?: { id: string; name: string };
}

export const sizeText = (bytes: number) => (bytes >= 1_048_576 ? `${(bytes / 1_048_576).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`);
const pending = (j: ListedExport) => j.state === 'queued' || j.state === 'running';

export function MyExports({ version }: { version: number }) {
  const [items, setItems] = useState<ListedExport[] | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let live = true;
    const load = async () => {
      try {
        const { items: all } = await api<{ items: ListedExport[] }>('/api/exports?limit=20');
        // An admin's list names every owner: a key by its id, a signed-in person as `user:<user id>` (export-routes.ts ownerOf).
        const own = me.value?.keyId ?? `user:${me.value?.userId}`;
        const mine = all.filter((j) => !j.createdBy || j.createdBy.id === own).slice(0, SHOWN);
        if (!live) return;
        setItems(mine);
        setFailed(null);
        if (mine.some(pending)) timer = setTimeout(() => void load(), POLL_MS);
      } catch (err) {
        if (!live) return;
        setFailed((err as Error).message);
        timer = setTimeout(() => void load(), RETRY_MS);
      }
    };
    void load();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [version]);
  return (
    <div class="my-exports" data-testid="my-exports">
      <strong>{t('playback.myExports')}</strong>
      {failed && <span class="error" role="alert">{t('playback.myExportsFailed', { reason: failed })}</span>}
      {items?.length === 0 && <span class="muted" data-testid="my-exports-none">{t('playback.myExportsNone')}</span>}
      {items && items.length > 0 && (
        <ul>
          {items.map((j) => (
            <li key={j.id} data-testid="my-export" data-id={j.id} data-state={j.state}>
              {j.kind === 'device' && <><span class="badge" data-testid="my-export-kind" title={t('playback.deviceBadgeTitle')}>{t('playback.deviceBadge')}</span>{' '}</>}
              <span>{j.channelName ?? j.channelId} · {formatTime(j.from, true)} – {formatTime(j.to)}</span> <ExportStatus job={j} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function ExportStatus({ job }: { job: ListedExport }) {
  if (job.state === 'failed') return <span class="error">{t('playback.exportFailed', { reason: job.reason ?? '' })}</span>;
  if (job.state === 'done' && job.download) return <a href={withUrlToken(job.download)} download>{t('playback.exportDone', { size: sizeText(job.bytes) })}</a>;
  if (job.state === 'queued') return <span>{t('playback.exportQueued')}</span>;
  return <span><progress max={1} value={job.progress} /> {t('playback.exportProgress', { percent: Math.round(job.progress * 100) })}</span>;
}
