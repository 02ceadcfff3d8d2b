// One tile of the wall: the live picture with its state (no signal, loading,
// failed with the reason), stats, the alarm flash and the box overlay.
// Cameras are dropped in from the tree or dragged between tiles.
import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../i18n/index.ts';
import { channelById, channelState, offlineReasonText } from '../store/registry.ts';
import type { ActiveAlarm } from '../alarms/alarm-state.ts';
import { recordAlarmDraw } from './wall-metrics.ts';
import { BoxOverlay } from './overlay.ts';
import type { PlayMode } from './players/index.ts';
import { StallMark } from './stall-mark.tsx';
import { formatStats, useTileStats } from './tile-stats.ts';
import { useOnScreen, usePlayer } from './use-player.ts';
import { useStreamChoice } from './stream-choice.ts';
import { TileTools } from './tile-tools.tsx';
import { isPlayback, TilePlayback } from '../playback/tile-playback.tsx';
import { putCamera, selectedTile } from './wall-state.ts';

export const DRAG_CAMERA = 'text/x-camera';
const DRAG_TILE = 'text/x-tile';

interface TileProps { index: number; channelId: string | null; mode: PlayMode; area: [number, number, number]; alarm: ActiveAlarm | undefined; isAlarmTile: boolean }

export function Tile({ index, channelId, mode, area, alarm, isAlarmTile }: TileProps) {
  const [root, setRoot] = useState<HTMLDivElement | null>(null);
  const [video, setVideo] = useState<HTMLVideoElement | null>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [attempt, setAttempt] = useState(0);
  const onScreen = useOnScreen(root);
  const channel = channelId ? channelById.value.get(channelId) : undefined;
  const liveState = channel ? channelState(channel) : 'unknown';
  const noSignal = !!channel && liveState === 'offline';
  const stream = useStreamChoice(channel, area[2], root);
  const { state, player } = usePlayer(video, channel ? channel.id : null, mode, onScreen && !noSignal && !isPlayback(index, channelId), attempt, stream);
  const stats = useTileStats(video, player, state.kind === 'playing');

  const overlayRef = useRef<BoxOverlay | null>(null);
  const overlayAlarm = useRef<ActiveAlarm | undefined>(undefined);
  overlayAlarm.current = alarm;

  // The overlay lives as long as the player: boxes are drawn against its clock.
  useEffect(() => {
    if (!video || !canvas.current || !channelId || state.kind === 'empty') return;
    const overlay = new BoxOverlay(canvas.current, video, channelId, () => player.current?.displayedCaptureTime() ?? null, (at) => {
      const a = overlayAlarm.current;
      if (a) recordAlarmDraw({ channelId, incidentId: a.incidentId, raisedAt: a.raisedAt, arrivedAt: a.arrivedAt, drawnAt: at });
    });
    overlayRef.current = overlay;
    overlay.setActive(!!overlayAlarm.current);
    return () => overlay.destroy();
  }, [video, channelId, state.kind === 'empty']);
  useEffect(() => overlayRef.current?.setActive(!!alarm), [alarm?.incidentId]);

  const selected = selectedTile.value === index;
  const drop = (e: DragEvent) => {
    e.preventDefault();
    const camera = e.dataTransfer?.getData(DRAG_CAMERA);
    const from = e.dataTransfer?.getData(DRAG_TILE);
    if (camera) putCamera(index, camera);
    else if (from) putCamera(index, (JSON.parse(from) as { channelId: string }).channelId);
  };
  const fullscreen = () => void root?.requestFullscreen().catch((err: Error) => console.warn('full screen refused', err.message));

  return (
    <div
      ref={setRoot}
      class={`tile${selected ? ' selected' : ''}${alarm ? ' alarm' : ''}`}
      style={{ gridColumn: `${area[0]} / span ${area[2]}`, gridRow: `${area[1]} / span ${area[2]}` }}
      data-testid={`tile-${index}`}
      data-channel={channelId ?? ''}
      data-state={noSignal ? 'no-signal' : state.kind}
      data-alarm={alarm ? alarm.incidentId : undefined}
      tabIndex={0}
      onClick={() => (selectedTile.value = index)}
      onDblClick={fullscreen}
      onKeyDown={(e) => e.key === 'f' && fullscreen()}
      onDragOver={(e) => e.preventDefault()}
      onDrop={drop}
    >
      <video ref={setVideo} muted playsInline autoplay />
      <canvas ref={canvas} class="boxes" />
      {channel && <TilePlayback index={index} channelId={channel.id} />}
      {channel && (
        <div class="tile-head" draggable onDragStart={(e) => e.dataTransfer?.setData(DRAG_TILE, JSON.stringify({ channelId: channel.id }))}>
          <span class={`dot ${liveState}`} />
          <span class="name">{channel.name}</span>
          {isAlarmTile && <span class="badge">{t('wall.alarmTile')}</span>}
          <button type="button" class="close" title={t('wall.clearTile')} onClick={(e) => { e.stopPropagation(); putCamera(index, null); }}>×</button>
        </div>
      )}
      <TileMessage channelKnown={!!channel} empty={!channelId} noSignal={noSignal} reason={channel ? offlineReasonText(channel) : undefined} state={state} retry={() => setAttempt(attempt + 1)} />
      {stats && <TileStatsLine text={formatStats(stats, (s) => t('wall.latency', { s }))} />}
      {channel && <TileTools tile={root} video={video} canvas={canvas} channel={channel} stream={stream} playing={state.kind === 'playing'} alarm={alarm} />}
    </div>
  );
}

function TileMessage(p: { channelKnown: boolean; empty: boolean; noSignal: boolean; reason?: string; state: ReturnType<typeof usePlayer>['state']; retry: () => void }) {
  if (p.empty) return <div class="tile-msg muted">{t('wall.dropHere')}</div>;
  if (!p.channelKnown) return <div class="tile-msg muted">{t('wall.unknownCamera')}</div>;
  if (p.noSignal) return <div class="tile-msg"><strong>{t('wall.noSignal')}</strong><span>{p.reason}</span></div>;
  if (p.state.kind === 'loading') return <div class="tile-msg muted">{t('wall.loading')}</div>;
  if (p.state.kind === 'stalled') return <StallMark since={p.state.since} />;
  if (p.state.kind === 'failed') {
    return (
      <div class="tile-msg">
        <strong>{t('wall.failed')}</strong>
        <span>{p.state.reason}</span>
        <button type="button" onClick={(e) => { e.stopPropagation(); p.retry(); }}>{t('wall.retry')}</button>
      </div>
    );
  }
  return null;
}

const TileStatsLine = ({ text }: { text: string }) => <div class="tile-stats" data-testid="tile-stats" title={text}>{text}</div>;
