// The compact sensor panel for the video wall's side column (~320 px): one
// row per sensor, firing first — name, status, grid cell, the main reading
// with its unit and a small sparkline with its threshold. Scrolls.
import './sensors.css';
import './text.ts';
import { t } from '../i18n/index.ts';
import { histories } from './sensor-history.ts';
import { primaryReading, type CardStatus, type SensorCard } from './sensor-status.ts';
import { gridName, ReadingValue, StatusBadge } from './sensor-card.tsx';
import { liveError, liveLoadedAt, sensorCards, useSensorPolling } from './sensors-store.ts';
import { Sparkline } from './sparkline.tsx';

export function StatusCounts({ cards }: { cards: SensorCard[] }) {
  const count = (s: CardStatus) => cards.filter((c) => c.status === s).length;
  return (
    <span class="status-counts">
      {(['firing', 'pending', 'offline'] as const).map((s) => count(s) > 0 && (
        <span key={s} class={`badge ${s}`} data-count={s} title={t(`sensors.status.${s}`)}>{t(`sensors.status.${s}`)} {count(s)}</span>
      ))}
    </span>
  );
}

function SensorRow({ card }: { card: SensorCard }) {
  const reading = primaryReading(card);
  const history = histories.value.get(card.id);
  const series = reading && history?.metrics.get(reading.metric);
  return (
    <article class={`sensor-row ${card.status}`} data-sensor={card.id} data-status={card.status} title={card.reason}>
      <div class="row-head">
        <span class="name">{card.name}</span>
        <StatusBadge card={card} />
      </div>
      <div class="row-body">
        <span class="grid muted">{gridName(card.gridCode)}</span>
        {reading ? <ReadingValue reading={reading} /> : <span class="muted">{t('sensors.noValue')}</span>}
        {history && reading && (
          <Sparkline points={series?.points ?? []} thresholds={history.thresholds.get(reading.metric) ?? []} from={history.from} to={history.to} width={96} height={26} />
        )}
      </div>
    </article>
  );
}

export function SensorPanel() {
  useSensorPolling();
  const cards = sensorCards.value;
  return (
    <section class="panel sensor-panel" data-testid="sensor-panel">
      <h2>{t('sensors.title')} <StatusCounts cards={cards} /></h2>
      <div class="body">
        {liveError.value && <p class="error pad">{t('sensors.loadFailed', { message: liveError.value })}</p>}
        {liveLoadedAt.value !== null && cards.length === 0 && <p class="muted pad">{t('sensors.none')}</p>}
        {cards.map((c) => <SensorRow key={c.id} card={c} />)}
      </div>
    </section>
  );
}
