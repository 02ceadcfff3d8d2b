// The sensor list (#/console/sensors): every MQTT sensor with its health
// (online, offline, stale), when it last sent, the last problem the gateway
// had with it and its latest values; offline and stale ones first.
import { formatTime, label, t } from '../i18n/index.ts';
import { go } from '../router.ts';
import { gridByCode } from '../store/registry.ts';
import { sensorsLoaded, sensorsProblem, sortedSensors, useSensorRegistry, type SensorHealth } from './sensor-store.ts';
import { reasonText, unitText } from '../i18n/vocabulary.ts';
import type { SensorState } from '../api/types.ts';

/** A message problem: its reason code said, the message (English detail) left out. */
const problemText = (p: SensorState['lastProblem'] | undefined): string | undefined => (p ? label('problem', p.reason) : undefined);

const COLUMNS = ['id', 'name', 'kind', 'grid', 'topic', 'health', 'lastSeen', 'values', 'lastProblem'] as const;

function HealthCounts() {
  const counts: Record<SensorHealth, number> = { online: 0, offline: 0, stale: 0, unknown: 0 };
  for (const s of sortedSensors.value) counts[s.health] += 1;
  return (
    <span class="counts" data-testid="sensor-counts">
      {(['offline', 'stale', 'online'] as const).map((h) => <span key={h} class="count" data-count={h}><span class={`badge ${h}`}>{label('state', h)}</span> {counts[h]}</span>)}
    </span>
  );
}

export function SensorList() {
  useSensorRegistry();
  const rows = sortedSensors.value;
  return (
    <section class="panel console-list" data-testid="sensor-list">
      <h2>
        {t('console.sensors.title')} <HealthCounts />
        <span class="spacer" />
        <button type="button" class="primary" data-testid="add-sensor" onClick={() => go('console', 'sensors', 'new')}>{t('console.sensor.add')}</button>
      </h2>
      {sensorsProblem.value && <p class="error pad">{t('console.loadFailed', { message: sensorsProblem.value })}</p>}
      <div class="body">
        <table class="console-table">
          <thead><tr>{COLUMNS.map((c) => <th key={c}>{t(`console.col.${c}`)}</th>)}<th /></tr></thead>
          <tbody>
            {rows.map(({ sensor: s, health, live }) => (
              <tr key={s.id} data-sensor={s.id} data-state={health}>
                <td class="mono">{s.id}</td>
                <td>{s.name}</td>
                <td>{label('kind', s.kind)}</td>
                <td title={s.gridCode}>{(s.gridCode && gridByCode.value.get(s.gridCode)?.name) ?? s.gridCode ?? '—'}</td>
                <td class="mono">{s.topic}</td>
                <td><span class={`badge ${health}`}>{label('state', health)}</span></td>
                <td>{formatTime(live?.lastSeen, true)}</td>
                <td class="values">
                  {Object.entries(live?.values ?? {}).map(([metric, v]) => (
                    <span key={metric} class="value" data-metric={metric}>{label('metric', metric)} {v.value}{v.unit ? ` ${unitText(v.unit)}` : ''}</span>
                  ))}
                </td>
                <td class="reason problem">{problemText(live?.lastProblem) ?? reasonText(s.status.reason) ?? ''}</td>
                <td><button type="button" onClick={() => go('console', 'sensors', 'edit', s.id)}>{t('common.edit')}</button></td>
              </tr>
            ))}
          </tbody>
        </table>
        {sensorsLoaded.value && rows.length === 0 && <p class="muted pad">{t('console.sensors.none')}</p>}
        {!sensorsLoaded.value && !sensorsProblem.value && <p class="muted pad">{t('common.loading')}</p>}
      </div>
    </section>
  );
}
