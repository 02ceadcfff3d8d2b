// The sensors page (#/sensors): every sensor as a card, firing first, with a
// filter by status. #/sensors/panel shows the wall's compact side panel on
// its own, at the width it has there, for checking it without the cameras.
import './sensors.css';
import './text.ts';
import { signal } from '@preact/signals';
import { formatTime, t } from '../i18n/index.ts';
import { route } from '../router.ts';
import { SensorCardView } from './sensor-card.tsx';
import { SensorPanel, StatusCounts } from './sensor-panel.tsx';
import type { CardStatus } from './sensor-status.ts';
import { liveError, liveLoadedAt, sensorCards, useSensorPolling } from './sensors-store.ts';

const FILTERS = ['all', 'firing', 'pending', 'offline', 'normal'] as const;
type Filter = (typeof FILTERS)[number];
const filter = signal<Filter>('all');

export function SensorsView() {
  if (route.value[1] === 'panel') {
    return <div class="sensor-panel-preview"><SensorPanel /></div>;
  }
  return <SensorsPage />;
}

function SensorsPage() {
  useSensorPolling();
  const all = sensorCards.value;
  const shown = filter.value === 'all' ? all : all.filter((c) => c.status === (filter.value as CardStatus));
  return (
    <div class="scroll-page sensors-page" data-testid="sensors-page">
      <div class="sensors-toolbar">
        <h1>{t('sensors.title')}</h1>
        <StatusCounts cards={all} />
        <span class="group" role="group">
          {FILTERS.map((f) => (
            <button key={f} type="button" class={filter.value === f ? 'active' : ''} data-filter={f} onClick={() => (filter.value = f)}>
              {f === 'all' ? t('sensors.all') : t(`sensors.status.${f}`)}
            </button>
          ))}
        </span>
        <span class="spacer" />
        <span class="muted">{t('sensors.window')}{liveLoadedAt.value ? ` · ${t('sensors.updated', { time: formatTime(liveLoadedAt.value) })}` : ''}</span>
      </div>
      {liveError.value && <p class="error">{t('sensors.loadFailed', { message: liveError.value })}</p>}
      {liveLoadedAt.value === null && <p class="muted">{t('common.loading')}</p>}
      {liveLoadedAt.value !== null && shown.length === 0 && <p class="muted">{t('sensors.none')}</p>}
      <div class="sensor-grid">
        {shown.map((c) => <SensorCardView key={c.id} card={c} />)}
      </div>
    </div>
  );
}
