// The incident's flow log (全程留痕) as a timeline: when, who in which role,
// which action, the status change and the note, oldest first as the loop ran.
import type { FlowRecord } from '../api/types.ts';
import { formatTime, label, t } from '../i18n/index.ts';
import { flowNote } from '../i18n/server-text.ts';

function Step({ record }: { record: FlowRecord }) {
  const who = record.actor.role ? `${record.actor.name} · ${t(`role.${record.actor.role}`)}` : record.actor.name === 'system' ? t('dispatch.system') : record.actor.name;
  const to = record.to; // null for records that change no status (escalation, severity, clear)
  return (
    <li class={`flow-step action-${record.action}`} data-action={record.action} data-seq={record.seq}>
      <span class="flow-dot" />
      <div class="flow-head">
        <strong>{label('action', record.action)}</strong>
        {to && (
          <span class="flow-change">
            {record.from && <><span class={`badge status ${record.from}`}>{label('status', record.from)}</span> → </>}
            <span class={`badge status ${to}`}>{label('status', to)}</span>
          </span>
        )}
        <time class="muted" dateTime={record.at}>{formatTime(record.at, true)}</time>
      </div>
      <div class="muted">{who}</div>
      {record.note && <div class="flow-note">{flowNote(record)}</div>}
      {/* The files themselves are shown with the evidence (they need a URL token); here only how many. */}
      {record.attachments.length > 0 && <div class="muted" data-testid="flow-attachments">{t('dispatch.attachments', { n: record.attachments.length })}</div>}
    </li>
  );
}

export function FlowLog({ flow }: { flow: FlowRecord[] }) {
  return (
    <section class="detail-section" data-testid="flow-log">
      <h3>{t('dispatch.flow')}</h3>
      {flow.length === 0 ? <p class="muted">{t('dispatch.noFlow')}</p> : (
        <ol class="flow-log">
          {flow.map((r) => <Step key={r.seq} record={r} />)}
        </ol>
      )}
    </section>
  );
}
