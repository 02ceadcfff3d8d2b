// A tile's own tools over its picture: digital zoom (wheel, drag), the
// snapshot button, the PTZ panel of a GB28181 or ONVIF PTZ camera (tile-ptz.tsx), and which
// stream plays (main or sub) beside the stats.
// Kept out of tile.tsx, which wires it in with one element.
import type { RefObject } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { t } from '../i18n/index.ts';
import type { Channel } from '../api/types.ts';
import type { ActiveAlarm } from '../alarms/alarm-state.ts';
import type { StreamChoice } from './stream-choice.ts';
import './tile-tools-text.ts';
import './tile-tools.css';
import { download, grabFrame, snapshotFileName } from './tile-snapshot.ts';
import { useTileZoom } from './tile-zoom.ts';
import { canSteer, TilePtz } from './tile-ptz.tsx';

interface TileToolsProps {
  tile: HTMLElement | null;
  video: HTMLVideoElement | null;
  canvas: RefObject<HTMLCanvasElement | null>;
  channel: Channel;
  stream: StreamChoice;
  playing: boolean;
  /** The tile's active alarm: its incident is where 存入事件 saves the snapshot. */
  alarm: ActiveAlarm | undefined;
}

type Saved = { incidentId: string; ok: boolean; message?: string };

export function TileTools({ tile, video, canvas, channel, stream, playing, alarm }: TileToolsProps) {
  const { zoom, reset } = useTileZoom(tile, [video, canvas.current], channel.id);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<Saved | null>(null);
  const [ptzOpen, setPtzOpen] = useState(false);
  const withFrame = async (use: (jpeg: Blob) => Promise<void>) => {
    if (!video || busy) return;
    setBusy(true);
    try {
      const jpeg = await grabFrame(video);
      if (jpeg) await use(jpeg);
    } finally {
      setBusy(false);
    }
  };
  const snapshot = () => withFrame(async (jpeg) => download(jpeg, snapshotFileName(channel.name)));
  const saveToIncident = (incidentId: string) => withFrame(async (jpeg) => {
    const path = `/api/incidents/${encodeURIComponent(incidentId)}/snapshots?channelId=${encodeURIComponent(channel.id)}`;
    await api(path, { method: 'POST', text: { body: jpeg, type: 'image/jpeg' } }).then(
      () => setSaved({ incidentId, ok: true }),
      (err: Error) => setSaved({ incidentId, ok: false, message: err.message }),
    );
  });
  const savedHere = saved && saved.incidentId === alarm?.incidentId ? saved : null;
  return (
    <>
      {playing && (
        <div class="tile-tools" onClick={(e) => e.stopPropagation()} onDblClick={(e) => e.stopPropagation()}>
          {zoom.scale > 1 && (
            <button type="button" class="tile-zoom" data-testid="tile-zoom" title={t('wall.zoomReset')} onClick={reset}>{`${zoom.scale.toFixed(1)}×`}</button>
          )}
          {canSteer(channel) && (
            <button type="button" class="tile-ptz-toggle" data-testid="tile-ptz-toggle" aria-pressed={ptzOpen} title={t('ptz.open')} onClick={() => setPtzOpen(!ptzOpen)}>{t('ptz.short')}</button>
          )}
          <button type="button" class="tile-snapshot" data-testid="tile-snapshot" title={t('wall.snapshot')} disabled={busy} onClick={() => void snapshot()}>{t('wall.snapshotShort')}</button>
          {alarm && (
            <button type="button" class="tile-save" data-testid="tile-save-incident" data-saved={savedHere ? String(savedHere.ok) : undefined}
              title={savedHere?.message ?? t('wall.saveToIncident')} disabled={busy} onClick={() => void saveToIncident(alarm.incidentId)}>
              {savedHere?.ok ? t('wall.savedToIncident') : t('wall.saveToIncidentShort')}
            </button>
          )}
        </div>
      )}
      {ptzOpen && canSteer(channel) && <TilePtz channel={channel} />}
      {playing && <span class={`tile-stream ${stream}`} data-testid="tile-stream" data-stream={stream}>{t(`wall.stream.${stream}`)}</span>}
    </>
  );
}
