// An incident's nearest cameras with live previews (the alarm linkage's list
// in the incident detail), and the button that brings them to the wall.
import { useEffect, useState } from 'preact/hooks';
import type { Incident } from '../api/types.ts';
import { t } from '../i18n/index.ts';
import { CameraPreview } from './camera-preview.tsx';
import { nearCameras, type NearCamera } from './map-api.ts';
import { mapConfig } from './map-state.ts';
import { bringToWall } from './linkage.ts';

export function NearCameras({ incident }: { incident: Incident }) {
  const [items, setItems] = useState<NearCamera[] | null>(null);
  const linkage = mapConfig.value?.linkage;
  const at = incident.location;
  useEffect(() => {
    if (!at || !linkage) return;
    let current = true;
    nearCameras(at.lat, at.lng, linkage.radiusMeters, linkage.cameras)
      .then((r) => { if (current) setItems(r.items); })
      .catch(() => { if (current) setItems([]); });
    return () => { current = false; };
  }, [incident.id, at?.lat, at?.lng, linkage?.radiusMeters, linkage?.cameras]);
  if (!at || !linkage) return null;
  return (
    <section class="near-cameras" data-testid="near-cameras">
      <h4>{t('map.nearCameras')}</h4>
      {items === null && <p class="muted">{t('common.loading')}</p>}
      {items?.length === 0 && <p class="muted">{t('map.noNearCameras', { m: linkage.radiusMeters })}</p>}
      {items && items.length > 0 && (
        <>
          <button type="button" data-testid="near-to-wall" onClick={() => bringToWall(items)}>{t('map.linkage.bring', { n: items.length })}</button>
          <div class="near-grid">
            {items.map((c) => (
              <div key={c.id} data-near-camera={c.id}>
                <CameraPreview channelId={c.id} name={`${c.name} · ${t('map.metres', { n: Math.round(c.distanceMeters) })}`} compact />
              </div>
            ))}
          </div>
        </>
      )}
    </section>
  );
}
