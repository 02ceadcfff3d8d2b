// The dispatcher's queue: open incidents in the gateway's queue order with
// filters by status and severity, a search box, and each row's age and SLA
// countdown. A row opens the incident at #/dispatch/<id>.
import type { Incident } from '../api/types.ts';
import { label, t } from '../i18n/index.ts';
import { go } from '../router.ts';
import { gridByCode } from '../store/registry.ts';
import { OPEN_STATUSES, SEVERITIES, queue, queueError, queueLoaded, queueTotal, searchText, severityFilter, statusFilter } from './queue-state.ts';
import { formatAge, now } from './sla.ts';
import { SlaBadge } from './sla-badge.tsx';
import { incidentTitle } from '../i18n/server-text.ts';

export function gridName(code: string | null): string {
  if (!code) return '—';
  return gridByCode.value.get(code)?.name ?? code;
}

function Filters() {
  return (
    <div class="queue-filters">
      <select aria-label={t('dispatch.col.status')} data-testid="filter-status" value={statusFilter.value}
        onChange={(e) => (statusFilter.value = (e.currentTarget.value as typeof statusFilter.value))}>
        <option value="">{t('dispatch.allStatuses')}</option>
        {OPEN_STATUSES.map((s) => <option key={s} value={s}>{label('status', s)}</option>)}
      </select>
      <select aria-label={t('dispatch.col.severity')} data-testid="filter-severity" value={severityFilter.value}
        onChange={(e) => (severityFilter.value = (e.currentTarget.value as typeof severityFilter.value))}>
        <option value="">{t('dispatch.allSeverities')}</option>
        {SEVERITIES.map((s) => <option key={s} value={s}>{label('severity', s)}</option>)}
      </select>
      <input type="search" data-testid="filter-search" placeholder={t('dispatch.search')} value={searchText.value} maxLength={64}
        onInput={(e) => (searchText.value = e.currentTarget.value)} />
    </div>
  );
}

function QueueRow({ incident, selected }: { incident: Incident; selected: boolean }) {
  const open = () => go('dispatch', incident.id);
  return (
    <tr class={selected ? 'selected' : ''} data-incident={incident.id} data-status={incident.status} tabIndex={0}
      onClick={open} onKeyDown={(e) => { if (e.key === 'Enter') open(); }}>
      <td><span class={`badge ${incident.severity}`}>{label('severity', incident.severity)}</span></td>
      <td class="code">{incident.code}</td>
      <td>{label('type', incident.type)}</td>
      <td class="title" title={incidentTitle(incident)}>{incidentTitle(incident)}</td>
      <td>{gridName(incident.gridCode)}</td>
      <td><span class={`badge status ${incident.status}`}>{label('status', incident.status)}</span></td>
      <td class="age">{formatAge(incident.createdAt, now.value)}</td>
      <td><SlaBadge incident={incident} /></td>
    </tr>
  );
}

export function Queue({ selectedId }: { selectedId: string | undefined }) {
  const error = queueError.value;
  const items = queue.value;
  return (
    <section class="panel dispatch-queue" data-testid="dispatch-queue">
      <h2>{t('dispatch.queue')} <span class="badge" data-testid="queue-total">{t('dispatch.count', { n: queueTotal.value })}</span></h2>
      <Filters />
      {error && <p class="error pad" role="alert">{t('common.error', { message: error.message })}{error.field ? ` (${error.field})` : ''}</p>}
      <div class="body">
        <table class="queue-table">
          <thead>
            <tr>
              {(['severity', 'code', 'type', 'title', 'grid', 'status', 'age', 'sla'] as const).map((c) => <th key={c} class={`col-${c}`}>{t(`dispatch.col.${c}`)}</th>)}
            </tr>
          </thead>
          <tbody>
            {items.map((i) => <QueueRow key={i.id} incident={i} selected={i.id === selectedId} />)}
          </tbody>
        </table>
        {!queueLoaded.value && <p class="muted pad">{t('common.loading')}</p>}
        {queueLoaded.value && !error && items.length === 0 && <p class="muted pad">{t('dispatch.empty')}</p>}
      </div>
    </section>
  );
}
