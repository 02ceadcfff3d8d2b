// The 地图 (map) view for every role: the toolbar (heat period), the map and
// the panel for what was clicked. Loads the configuration and the layers once
// when opened; from then on the event stream keeps it current.
import './text.ts';
import { useEffect } from 'preact/hooks';
import { t } from '../i18n/index.ts';
import { MapCanvas } from './map-canvas.tsx';
import { MapPanel } from './map-panel.tsx';
import { followMap, heatPeriod, loadMap, mapConfig, mapError, refreshHeat, type HeatPeriod } from './map-state.ts';

const PERIODS: HeatPeriod[] = ['off', 'today', '7d', '30d'];

export function MapView() {
  useEffect(() => {
    void loadMap();
    return followMap();
  }, []);
  const config = mapConfig.value;
  return (
    <div class="map-view" data-testid="map-view">
      <div class="map-toolbar">
        <label>
          {t('map.heat')}{' '}
          <select data-testid="heat-period" value={heatPeriod.value} onChange={(e) => { heatPeriod.value = (e.target as HTMLSelectElement).value as HeatPeriod; void refreshHeat(); }}>
            {PERIODS.map((p) => <option key={p} value={p}>{t(`map.period.${p}`)}</option>)}
          </select>
        </label>
        <span class="map-legend">
          <span class="map-pin channel online" /> {t('state.online')}
          <span class="map-pin channel offline" /> {t('state.offline')}
          <span class="map-pin channel idle" /> {t('state.idle')}
          <span class="map-pin sensor online" /> {t('map.sensor')}
        </span>
        {config && !config.tiles.length && <span class="muted" data-testid="map-offline">{t('map.noTiles')}</span>}
        {mapError.value && <span class="error" role="alert">{t('common.error', { message: mapError.value })}</span>}
      </div>
      <div class="map-body">
        {config ? <MapCanvas config={config} /> : <div class="map-canvas muted">{t('common.loading')}</div>}
        <MapPanel />
      </div>
    </div>
  );
}
