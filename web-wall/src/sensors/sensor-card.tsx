// One sensor as a card on the sensors page: name, status, kind and grid cell,
// and per metric the latest reading with its unit beside a 30-minute
// sparkline with the rule thresholds. Firing cards have a red border.
import { formatTime, label, t } from '../i18n/index.ts';
import { gridByCode } from '../store/registry.ts';
import { histories, type SensorHistory } from './sensor-history.ts';
import { formatValue, unitText, type Reading, type SensorCard } from './sensor-status.ts';
import { Sparkline } from './sparkline.tsx';
import { ruleText } from '../i18n/server-text.ts';

export const gridName = (code: string | undefined): string =>
  code ? gridByCode.value.get(code)?.name ?? code : t('sensors.noGrid');

export function StatusBadge({ card }: { card: SensorCard }) {
  return <span class={`badge ${card.status}`} data-testid="sensor-status" title={card.reason}>{t(`sensors.status.${card.status}`)}</span>;
}

/** The number and its unit; the raw value, unit and time ride along as data attributes. */
export function ReadingValue({ reading }: { reading: Reading }) {
  const unit = unitText(reading.unit);
  return (
    <span class="reading" data-metric={reading.metric} data-value={reading.value} data-unit={reading.unit ?? ''} data-ts={reading.ts} title={formatTime(reading.ts, true)}>
      <span class="value">{formatValue(reading.value)}</span>
      {unit && <span class="unit">{unit}</span>}
    </span>
  );
}

function MetricRow({ reading, history }: { reading: Reading; history: SensorHistory | undefined }) {
  const series = history?.metrics.get(reading.metric);
  return (
    <div class="metric">
      <div class="metric-head">
        <span class="metric-name">{label('metric', reading.metric)}</span>
        <ReadingValue reading={reading} />
      </div>
      {history && (
        <Sparkline points={series?.points ?? []} thresholds={history.thresholds.get(reading.metric) ?? []} from={history.from} to={history.to} width={280} height={56} labels />
      )}
    </div>
  );
}

function footerText(card: SensorCard): string {
  if (card.alarm) return t('sensors.since', { rule: ruleText(card.alarm.rule), time: formatTime(card.alarm.since) });
  if (card.status === 'offline' && card.reason) return card.reason;
  return t('sensors.lastSeen', { time: formatTime(card.lastSeen) });
}

export function SensorCardView({ card }: { card: SensorCard }) {
  const history = histories.value.get(card.id);
  return (
    <article class={`sensor-card ${card.status}`} data-sensor={card.id} data-status={card.status}>
      <header>
        <strong class="name">{card.name}</strong>
        <StatusBadge card={card} />
      </header>
      <div class="meta muted">
        <span class="kind">{label('kind', card.kind)}</span> · <span class="grid">{gridName(card.gridCode)}</span>
      </div>
      {card.readings.length === 0 && <p class="muted">{t('sensors.noValue')}</p>}
      {card.readings.map((r) => <MetricRow key={r.metric} reading={r} history={history} />)}
      <footer class={card.status === 'normal' ? 'muted' : card.status}>{footerText(card)}</footer>
    </article>
  );
}
