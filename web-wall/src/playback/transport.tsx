// The playback transport under the wall, for the selected tile: pause / play
// (every playback tile, like the speed), a jump of 10 s back or ahead (the
// selected tile, and with 同步回放 the synced ones: a seek), one frame back or
// ahead while paused (for reading a plate or a face), and the speeds.
import { t } from '../i18n/index.ts';
import { paused, playbackTiles, setPaused, setSpeed, speed, SPEEDS, stepFrames } from './playback-state.ts';
import './text.ts';

const JUMP_MS = 10_000;

export function Transport({ index, channelId, playhead, onSeek }: { index: number; channelId: string; playhead: number | null; onSeek: (at: number) => void }) {
  const playing = playbackTiles.value.get(index) === channelId && playhead !== null;
  return (
    <>
      <span class="group" role="group">
        <button type="button" data-testid="pause" class={paused.value ? 'active' : ''} disabled={playbackTiles.value.size === 0}
          title={t(paused.value ? 'playback.resumeTitle' : 'playback.pauseTitle')} onClick={() => setPaused(!paused.value)}>
          {paused.value ? `▶ ${t('playback.resume')}` : t('playback.pause')}
        </button>
        <button type="button" data-testid="jump-back" disabled={!playing} title={t('playback.jumpBackTitle')} onClick={() => playhead !== null && onSeek(playhead - JUMP_MS)}>{t('playback.jumpBack')}</button>
        <button type="button" data-testid="jump-ahead" disabled={!playing} title={t('playback.jumpAheadTitle')} onClick={() => playhead !== null && onSeek(playhead + JUMP_MS)}>{t('playback.jumpAhead')}</button>
        {/* Always there (disabled while playing): the controls do not move when pause is pressed. */}
        <button type="button" data-testid="frame-back" disabled={!playing || !paused.value} title={t('playback.frameBack')} onClick={() => stepFrames(-1)}>◀|</button>
        <button type="button" data-testid="frame-ahead" disabled={!playing || !paused.value} title={t('playback.frameAhead')} onClick={() => stepFrames(1)}>|▶</button>
      </span>
      <span class="group" role="group" aria-label={t('playback.speed')}>
        {SPEEDS.map((s) => <button type="button" key={s} data-speed={s} class={speed.value === s ? 'active' : ''} onClick={() => setSpeed(s)}>{`${s}×`}</button>)}
      </span>
    </>
  );
}
