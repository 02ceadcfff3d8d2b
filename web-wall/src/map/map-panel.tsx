// The panel beside the map for what was clicked: a camera's live preview with
// "send to wall", a sensor's card (the sensors view's, with sparkline and
// thresholds), an incident's detail (the dispatch view's: evidence and the
// role's actions) with its nearest cameras, a grid cell's figures.
import '../sensors/sensors.css';
import '../sensors/text.ts';
import '../dispatch/dispatch.css';
import '../dispatch/text.ts';
import { t } from '../i18n/index.ts';
import { IncidentDetail } from '../dispatch/incident-detail.tsx';
import { SensorCardView } from '../sensors/sensor-card.tsx';
import { sensorCards, useSensorPolling } from '../sensors/sensors-store.ts';
import { incidents } from '../store/incidents.ts';
import { CameraPreview } from './camera-preview.tsx';
import { GridFigures } from './grid-figures.tsx';
import { channelFeatures } from './map-state.ts';
import { NearCameras } from './near-cameras.tsx';
import { picked, select, type MapPick } from './selection.ts';

function SensorPick({ id }: { id: string }) {
  useSensorPolling();
  const card = sensorCards.value.find((c) => c.id === id);
  return card ? <SensorCardView card={card} /> : <p class="muted">{t('common.loading')}</p>;
}

function Body({ pick }: { pick: MapPick }) {
  switch (pick.kind) {
    case 'channel': {
      const f = channelFeatures.value.find((c) => c.properties.id === pick.id);
      return <CameraPreview key={pick.id} channelId={pick.id} name={f?.properties.name ?? pick.id} />;
    }
    case 'sensor':
      return <SensorPick key={pick.id} id={pick.id} />;
    case 'incident': {
      const incident = incidents.value.get(pick.id);
      return (
        <>
          <IncidentDetail key={pick.id} id={pick.id} />
          {incident && <NearCameras incident={incident} />}
        </>
      );
    }
    case 'grid':
      return <GridFigures key={pick.id} code={pick.id} />;
  }
}

export function MapPanel() {
  const pick = picked.value;
  if (!pick) return <aside class="map-panel empty muted" data-testid="map-panel">{t('map.pickHint')}</aside>;
  return (
    <aside class="map-panel" data-testid="map-panel" data-pick={pick.kind} data-id={pick.id}>
      <header class="map-panel-head">
        <strong>{t(`map.pick.${pick.kind}`)}</strong>
        <span class="spacer" />
        <button type="button" data-testid="map-panel-close" onClick={() => select(null)}>{t('common.close')}</button>
      </header>
      <div class="map-panel-body"><Body pick={pick} /></div>
    </aside>
  );
}
