// The alarm panel: unacknowledged incidents, newest first, camera and sensor
// alarms alike, with the evidence snapshot (boxes drawn in), type, grid cell
// and time. Acknowledge (受理 → accepted) or hand over to dispatch (accepted,
// with the hand-over on record). Clicking an alarm brings its camera up.
import { useState } from 'preact/hooks';
import { ApiError } from '../api/client.ts';
import { withUrlToken } from '../api/url-token.ts';
import type { Incident } from '../api/types.ts';
import { formatTime, label, t } from '../i18n/index.ts';
import { mergeIncident, openIncidents, reloadIncidents, takeAction } from '../store/incidents.ts';
import { channelById, gridByCode } from '../store/registry.ts';
import { alarmTileIndex, putCamera, selectedTile, visibleCameras } from '../wall/wall-state.ts';
import { cameraOf } from './alarm-state.ts';
import { incidentTitle } from '../i18n/server-text.ts';
import { unitText } from '../i18n/vocabulary.ts';

const HAND_OVER_NOTE = '移交调度 handed over to dispatch';

async function accept(incident: Incident, note?: string): Promise<void> {
  mergeIncident(await takeAction(incident, 'accept', { note }));
}

export function AlarmPanel() {
  const alarms = openIncidents.value.filter((i) => i.status === 'reported').sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return (
    <section class="panel alarm-panel" data-testid="alarm-panel">
      <h2>{t('alarms.title')} <span class="badge critical">{alarms.length}</span></h2>
      <div class="body">
        {alarms.length === 0 && <p class="muted pad">{t('alarms.none')}</p>}
        {alarms.map((i) => <AlarmItem key={i.id} incident={i} />)}
      </div>
    </section>
  );
}

/** Where: the grid cell, else the camera's name (a camera placed in no cell still says which it is). */
function placeOf(incident: Incident, camera: string | null): string {
  const grid = incident.gridCode ? gridByCode.value.get(incident.gridCode)?.name ?? incident.gridCode : undefined;
  return grid ?? (camera ? channelById.value.get(camera)?.name ?? camera : '—');
}

function AlarmItem({ incident }: { incident: Incident }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const camera = cameraOf(incident);
  const snapshot = incident.evidence?.snapshots?.[0];
  const reading = incident.evidence?.readings?.at(-1);
  const act = (note?: string) => async (e: Event) => {
    e.stopPropagation();
    setBusy(true);
    setError(null);
    try {
      await accept(incident, note);
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        setError(t('alarms.changed'));
        await reloadIncidents();
      } else setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const show = () => {
    if (!camera) return;
    const at = visibleCameras().indexOf(camera);
    if (at < 0) putCamera(alarmTileIndex(), camera);
    selectedTile.value = at < 0 ? alarmTileIndex() : at;
  };
  return (
    <article class={`alarm-item ${incident.severity}`} data-incident={incident.id} onClick={show}>
      {snapshot ? <img src={withUrlToken(snapshot)} alt="" loading="lazy" /> : <div class="sensor-icon">{reading ? `${reading.value}${unitText(reading.unit)}` : '!'}</div>}
      <div class="alarm-text">
        <div><span class={`badge ${incident.severity}`}>{label('severity', incident.severity)}</span> <strong>{label('type', incident.type)}</strong></div>
        {incidentTitle(incident) && <div class="muted">{incidentTitle(incident)}</div>}
        <div class="muted">{placeOf(incident, camera)} · {formatTime(incident.createdAt)}{incident.count > 1 ? ` · ×${incident.count}` : ''}</div>
        {error && <div class="error">{error}</div>}
        <div class="alarm-actions">
          <button type="button" class="primary" disabled={busy} data-action="acknowledge" onClick={act()}>{t('alarms.acknowledge')}</button>
          <button type="button" disabled={busy} data-action="hand-over" onClick={act(HAND_OVER_NOTE)}>{t('alarms.handOver')}</button>
        </div>
      </div>
    </article>
  );
}
