// One incident for the dispatcher: what, where, who handles it, the SLA, the
// evidence, the actions this role may take and the flow log. Loaded from the
// API (the flow log is not in the event stream) and again whenever an event
// says the incident changed. Keyed by id in the view, so state never leaks between incidents.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api/client.ts';
import { on } from '../api/events.ts';
import type { IncidentDetail as Detail } from '../api/types.ts';
import { formatTime, label, t } from '../i18n/index.ts';
import { go } from '../router.ts';
import { channelById, departments } from '../store/registry.ts';
import { Actions } from './actions.tsx';
import { EvidenceSection } from './evidence.tsx';
import { FlowLog } from './flow-log.tsx';
import { IncidentClips } from '../playback/incident-clip.tsx';
import { gridName } from './queue.tsx';
import { SlaBadge } from './sla-badge.tsx';
import { incidentTitle, serverText } from '../i18n/server-text.ts';

const CHANNEL_SOURCES = new Set(['detector', 'camera', 'channel-health', 'gb28181', 'onvif']);

function sourceText(source: Detail['source']): string {
  const base = `${label('source', source.kind)} ${source.id}`;
  const channel = CHANNEL_SOURCES.has(source.kind) ? channelById.value.get(source.id) : undefined;
  return channel ? `${base} · ${channel.name}` : base;
}

function useIncident(id: string) {
  const [detail, setDetail] = useState<Detail | null>(null);
  const [error, setError] = useState<{ message: string; status?: number } | null>(null);
  const [generation, setGeneration] = useState(0);
  const reload = () => setGeneration((g) => g + 1);
  useEffect(() => {
    let current = true;
    api<Detail>(`/api/incidents/${encodeURIComponent(id)}`)
      .then((d) => { if (current) { setDetail(d); setError(null); } })
      .catch((err: unknown) => { if (current) setError({ message: (err as Error).message, status: err instanceof ApiError ? err.status : undefined }); });
    return () => { current = false; };
  }, [id, generation]);
  useEffect(() => {
    let timer: number | undefined;
    const mine = (i: { id: string }) => {
      if (i.id !== id) return;
      clearTimeout(timer);
      timer = window.setTimeout(reload, 300);
    };
    const stops = (['incident.updated', 'incident.transition', 'incident.escalated'] as const).map((name) => on(name, mine));
    return () => { clearTimeout(timer); for (const stop of stops) stop(); };
  }, [id]);
  return { detail, error, reload };
}

function Fact({ name, children }: { name: string; children: ComponentChildren }) {
  return <><dt>{t(`dispatch.${name}`)}</dt><dd data-fact={name}>{children}</dd></>;
}

export function IncidentDetail({ id }: { id: string }) {
  const { detail, error, reload } = useIncident(id);
  const [notice, setNotice] = useState<string | null>(null);
  const head = (
    <h2>
      <button type="button" data-testid="back" onClick={() => go('dispatch')}>← {t('dispatch.back')}</button>
      <span class="spacer" />
      <button type="button" onClick={reload}>{t('dispatch.reload')}</button>
    </h2>
  );
  if (!detail) {
    return (
      <section class="panel incident-detail" data-testid="incident-detail">
        {head}
        <div class="body pad">
          {error ? <p class="error" role="alert">{error.status === 404 ? t('dispatch.notFound') : t('common.error', { message: error.message })}</p> : <p class="muted">{t('common.loading')}</p>}
        </div>
      </section>
    );
  }
  const i = detail;
  const department = i.departmentId ? departments.value.find((d) => d.id === i.departmentId)?.name ?? i.departmentId : '—';
  const changed = (message?: string) => { setNotice(message ?? null); reload(); };
  return (
    <section class="panel incident-detail" data-testid="incident-detail" data-incident={i.id} data-status={i.status} data-version={i.version}>
      {head}
      <div class="body pad">
        <header class="detail-title">
          <span class={`badge ${i.severity}`}>{label('severity', i.severity)}</span>
          <span class="code">{i.code}</span>
          <span class={`badge status ${i.status}`} data-testid="detail-status">{label('status', i.status)}</span>
          {(i.slaDeadline || i.escalated) && <SlaBadge incident={i} />}
        </header>
        <h3 class="incident-title">{[label('type', i.type), incidentTitle(i)].filter(Boolean).join(' · ')}</h3>
        {i.description && <p>{i.description}</p>}
        {error && <p class="error" role="alert">{t('common.error', { message: error.message })}</p>}
        {notice && <p class="notice" role="status" data-testid="notice">{notice}</p>}
        {i.claim && <p class="warn">{t('dispatch.claimedBy', { by: i.claim.by, until: formatTime(i.claim.until) })}</p>}
        <dl class="facts">
          <Fact name="source">{sourceText(i.source)}</Fact>
          <Fact name="grid">{gridName(i.gridCode)}{i.gridCode ? <span class="muted"> ({i.gridCode})</span> : null}</Fact>
          <Fact name="location">{i.location ? `${i.location.lat.toFixed(5)}, ${i.location.lng.toFixed(5)}` : '—'}</Fact>
          <Fact name="department">{department}</Fact>
          <Fact name="assignee">{i.assignee ?? '—'}</Fact>
          {i.evidence?.rule && <Fact name="rule">{serverText(i.evidence.ruleMessage, i.evidence.rule)}</Fact>}
          <Fact name="firstSeen">{formatTime(i.firstSeen, true)}</Fact>
          <Fact name="lastSeen">{formatTime(i.lastSeen, true)}{i.count > 1 ? ` · ×${i.count}` : ''}</Fact>
          {i.rating !== null && <Fact name="rating">{'★'.repeat(i.rating)}</Fact>}
        </dl>
        <Actions incident={i} onChanged={changed} />
        <IncidentClips flow={i.flow} />
        <div class="detail-columns">
          <EvidenceSection evidence={i.evidence} />
          <FlowLog flow={i.flow} />
        </div>
      </div>
    </section>
  );
}
