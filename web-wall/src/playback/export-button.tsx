// The export button under the timeline: exports a range of the camera's
// footage as one MP4 through the export API (a job with progress, then a
// download). The range is the one typed in, prefilled with ±N minutes around
// the playhead. Only roles that may export (admin, engineer, dispatcher) see it.
// Open, it lists the person's recent exports too (my-exports.tsx).
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { withUrlToken } from '../api/url-token.ts';
import { t } from '../i18n/index.ts';
import { can, me } from '../session.ts';
import { MyExports, sizeText } from './my-exports.tsx';
import './text.ts';

const AROUND_MINUTES = [1, 2, 5, 10] as const;
const POLL_MS = 500;

interface ExportJob { id: string; state: 'queued' | 'running' | 'done' | 'failed'; progress: number; bytes: number; download?: string; reason?: string }

/** `YYYY-MM-DDTHH:MM:SS` in local time, as a datetime-local input holds it. */
export function localInput(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function ExportButton({ channelId, playhead }: { channelId: string; playhead: number | null }) {
  const [open, setOpen] = useState(false);
  const [minutes, setMinutes] = useState<number>(1);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [job, setJob] = useState<ExportJob | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [asked, setAsked] = useState(0);
  if (!can(me.value?.role, 'admin', 'engineer', 'dispatcher')) return null;

  const around = (n: number, at = playhead ?? Date.now() - 60_000) => {
    setMinutes(n);
    setFrom(localInput(at - n * 60_000));
    setTo(localInput(Math.min(at + n * 60_000, Date.now())));
  };
  const start = async () => {
    setError(null);
    setJob(null);
    try {
      const body = { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
      setJob(await api<ExportJob>(`/api/channels/${encodeURIComponent(channelId)}/exports`, { method: 'POST', body }));
      setAsked((n) => n + 1);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <span class="export-panel" data-testid="export">
      <button type="button" data-testid="export-button" title={t('playback.exportTitle')} class={open ? 'active' : ''}
        onClick={() => { if (!open) around(minutes); setOpen(!open); }}>{t('playback.export')}</button>
      {open && (
        <>
          <select value={minutes} onChange={(e) => around(Number(e.currentTarget.value))} aria-label={t('playback.exportTitle')}>
            {AROUND_MINUTES.map((n) => <option key={n} value={n}>{t('playback.exportAround', { n })}</option>)}
          </select>
          <label>{t('playback.exportFrom')} <input type="datetime-local" step={1} data-testid="export-from" value={from} onInput={(e) => setFrom(e.currentTarget.value)} /></label>
          <label>{t('playback.exportTo')} <input type="datetime-local" step={1} data-testid="export-to" value={to} onInput={(e) => setTo(e.currentTarget.value)} /></label>
          <button type="button" data-testid="export-start" disabled={!from || !to || job?.state === 'queued' || job?.state === 'running'} onClick={() => void start()}>{t('playback.exportStart')}</button>
        </>
      )}
      {job && <ExportProgress job={job} onJob={setJob} />}
      {error && <span class="error" role="alert" data-testid="export-error">{t('playback.exportFailed', { reason: error })}</span>}
      {open && <MyExports version={asked} />}
    </span>
  );
}

function ExportProgress({ job, onJob }: { job: ExportJob; onJob: (j: ExportJob) => void }) {
  const pending = job.state === 'queued' || job.state === 'running';
  useEffect(() => {
    if (!pending) return;
    const timer = setTimeout(() => void api<ExportJob>(`/api/exports/${job.id}`).then(onJob, () => undefined), POLL_MS);
    return () => clearTimeout(timer);
  }, [job]);
  if (job.state === 'failed') return <span class="error" data-testid="export-progress" data-state="failed">{t('playback.exportFailed', { reason: job.reason ?? '' })}</span>;
  if (job.state === 'done' && job.download) {
    return <a data-testid="export-download" href={withUrlToken(job.download)} download>{t('playback.exportDone', { size: sizeText(job.bytes) })}</a>;
  }
  return <span data-testid="export-progress" data-state={job.state}><progress max={1} value={job.progress} /> {t('playback.exportProgress', { percent: Math.round(job.progress * 100) })}</span>;
}
