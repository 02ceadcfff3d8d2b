// A tile's playback side: the 回放/实时 button, and while in playback a video
// over the live picture playing the recorded footage — the gateway's, or a
// range kept on the GB28181 device (设备录像, the device's time) — with the
// time under the playhead. tile.tsx wires it in with one element and pauses
// its live player while this plays.
import { useEffect, useState } from 'preact/hooks';
import { formatTime, t } from '../i18n/index.ts';
import { DEVICE_MAX_RATE, DevicePlaybackPlayer } from './device-playback-player.ts';
import { PlaybackPlayer, type PlaybackStatus } from './playback-player.ts';
import {
  deviceTiles, isPlayback, paused, playbackTiles, playheads, registerPlayer, setPaused, setPlayhead, setSpeed, speed, startPlayback, stopPlayback, type TilePlayer,
} from './playback-state.ts';
import './playback.css';
import './text.ts';

/** Where playback starts when switched on from live: a minute back. */
const DEFAULT_BACK_MS = 60_000;
/** The clock is read this often at 1×, and proportionally more often at higher speeds (at 8× a 250 ms tick would lag 2 s of footage). */
const PLAYHEAD_MS = 250;
const PLAYHEAD_MIN_MS = 50;

export function TilePlayback({ index, channelId }: { index: number; channelId: string }) {
  const on = playbackTiles.value.get(index) === channelId;
  // A tile closed (or given another camera) while it played a device range forgets it: the camera put back is live,
  // not a new playback session on its device.
  useEffect(() => () => {
    if (deviceTiles.value.get(index)?.channelId === channelId) stopPlayback(index);
  }, [index, channelId]);
  const toggle = (e: Event) => {
    e.stopPropagation();
    if (on) return stopPlayback(index);
    // A tile switched to playback plays (pause holds every playback tile); the first one at 1×, not at a speed left from before.
    if (playbackTiles.value.size === 0) setSpeed(1);
    setPaused(false);
    startPlayback(index, channelId, Date.now() - DEFAULT_BACK_MS);
  };
  return (
    <>
      {on && <PlaybackVideo index={index} channelId={channelId} />}
      <button type="button" class={`tile-playback-toggle${on ? ' active' : ''}`} data-testid="tile-playback" title={t(on ? 'playback.toLiveTitle' : 'playback.toPlaybackTitle')}
        onClick={toggle} onDblClick={(e) => e.stopPropagation()}>
        {t(on ? 'playback.toLive' : 'playback.toPlayback')}
      </button>
    </>
  );
}

function PlaybackVideo({ index, channelId }: { index: number; channelId: string }) {
  const [video, setVideo] = useState<HTMLVideoElement | null>(null);
  const [status, setStatus] = useState<PlaybackStatus>({ kind: 'loading' });
  const [player, setPlayer] = useState<TilePlayer | null>(null);
  const device = deviceTiles.value.get(index);
  const deviceRange = device?.channelId === channelId ? device : undefined;
  useEffect(() => {
    if (!video) return;
    const created = deviceRange ? new DevicePlaybackPlayer(video, channelId, deviceRange, setStatus) : new PlaybackPlayer(video, channelId, setStatus);
    const unregister = registerPlayer(index, created);
    setPlayer(created);
    return () => {
      unregister();
      created.destroy();
      setPlayer(null);
      setPlayhead(index, null);
    };
  }, [video, channelId, index, deviceRange]);
  const rate = speed.value;
  // The device plays at most 4×: the tile says the speed it really plays at.
  const shownRate = deviceRange ? Math.min(rate, DEVICE_MAX_RATE) : rate;
  useEffect(() => {
    if (!player) return;
    const timer = setInterval(() => {
      const at = player.playingDate();
      setPlayhead(index, at === null ? null : Math.round(at));
    }, Math.max(PLAYHEAD_MIN_MS, PLAYHEAD_MS / rate));
    return () => clearInterval(timer);
  }, [player, rate, index]);
  const at = playheads.value.get(index);
  return (
    <div class={`tile-playback${deviceRange ? ' device' : ''}`} data-testid="tile-playback-layer" data-status={status.kind} data-at={at ?? ''} data-source={deviceRange ? 'device' : 'gateway'}>
      <video ref={setVideo} muted playsInline />
      <div class="tile-playback-time" data-testid="tile-playback-time" title={deviceRange ? t('playback.deviceBadgeTitle') : undefined}>
        <span class="badge">{t(deviceRange ? 'playback.deviceBadge' : 'playback.badge')}</span> {at ? formatTime(at, true) : '—'}{shownRate !== 1 ? ` · ${shownRate}×` : ''}{paused.value ? ` · ${t('playback.paused')}` : ''}
      </div>
      {/* On a dark plate: the picture (the last frame) stays under these. */}
      {status.kind === 'empty' && <div class="tile-msg"><span class="note">{t('playback.noFootage')}</span></div>}
      {status.kind === 'loading' && <div class="tile-msg"><span class="note">{t('playback.loading')}</span></div>}
      {status.kind === 'end' && <div class="tile-msg" data-testid="tile-playback-end"><span class="note">{t(deviceRange ? 'playback.deviceEnd' : 'playback.end')}</span></div>}
      {/* A device playback's reason is already worded (device-playback-player.ts deviceFailure). */}
      {status.kind === 'failed' && <div class="tile-msg" data-testid="tile-playback-failed"><span class="note">{deviceRange ? status.reason : t('playback.failed', { reason: status.reason })}</span></div>}
    </div>
  );
}

export { isPlayback };
