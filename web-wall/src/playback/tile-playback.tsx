// A tile's playback side: the 回放/实时 button, and while in playback a video
// over the live picture playing the recorded footage, with the time under the
// playhead (hls.playingDate). tile.tsx wires it in with one element and
// pauses its live player while this plays.
import { useEffect, useState } from 'preact/hooks';
import { formatTime, t } from '../i18n/index.ts';
import { PlaybackPlayer, type PlaybackStatus } from './playback-player.ts';
import { isPlayback, playbackTiles, playheads, registerPlayer, setPlayhead, speed, startPlayback, stopPlayback } from './playback-state.ts';
import './playback.css';
import './text.ts';

/** Where playback starts when switched on from live: a minute back. */
const DEFAULT_BACK_MS = 60_000;
const PLAYHEAD_MS = 250;

export function TilePlayback({ index, channelId }: { index: number; channelId: string }) {
  const on = playbackTiles.value.get(index) === channelId;
  const toggle = (e: Event) => {
    e.stopPropagation();
    if (on) stopPlayback(index);
    else startPlayback(index, channelId, Date.now() - DEFAULT_BACK_MS);
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
  useEffect(() => {
    if (!video) return;
    const player = new PlaybackPlayer(video, channelId, setStatus);
    const unregister = registerPlayer(index, player);
    const timer = setInterval(() => {
      const at = player.playingDate();
      setPlayhead(index, at === null ? null : Math.round(at));
    }, PLAYHEAD_MS);
    return () => {
      clearInterval(timer);
      unregister();
      player.destroy();
      setPlayhead(index, null);
    };
  }, [video, channelId, index]);
  const at = playheads.value.get(index);
  return (
    <div class="tile-playback" data-testid="tile-playback-layer" data-status={status.kind} data-at={at ?? ''}>
      <video ref={setVideo} muted playsInline />
      <div class="tile-playback-time" data-testid="tile-playback-time">
        <span class="badge">{t('playback.badge')}</span> {at ? formatTime(at, true) : '—'}{speed.value !== 1 ? ` · ${speed.value}×` : ''}
      </div>
      {status.kind === 'empty' && <div class="tile-msg muted">{t('playback.noFootage')}</div>}
      {status.kind === 'loading' && <div class="tile-msg muted">{t('playback.loading')}</div>}
      {status.kind === 'failed' && <div class="tile-msg">{t('playback.failed', { reason: status.reason })}</div>}
    </div>
  );
}

export { isPlayback };
