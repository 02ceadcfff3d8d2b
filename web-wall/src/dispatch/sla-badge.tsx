// The SLA countdown as a badge (green, amber under 20 % of the window, red and
// "overdue +mm:ss" past the deadline) plus the escalated mark. Re-renders each
// second through the shared clock.
import type { Incident } from '../api/types.ts';
import { t } from '../i18n/index.ts';
import { now, slaState } from './sla.ts';

export function SlaBadge({ incident }: { incident: Incident }) {
  const sla = slaState(incident, now.value);
  return (
    <span class="sla-cell">
      {sla ? <span class={`sla ${sla.level}`} data-testid="sla" data-level={sla.level} data-ms={sla.ms}>{sla.text}</span> : <span class="muted">—</span>}
      {incident.escalated && <span class="badge critical" data-testid="escalated">{t('dispatch.escalated')}</span>}
    </span>
  );
}
