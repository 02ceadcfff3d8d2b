// HLS through hls.js, tuned for a wall: stay close to the live edge (catch up
// by playing faster rather than jumping), keep almost no back buffer (16 tiles
// for hours), and give up with a readable reason on fatal errors after retries
// (the self-healing wrapper then loads it again: healing-player.ts).
import Hls, { type ErrorData } from 'hls.js';
import { ByteRate, resetVideo, type Player, type PlayerOptions } from './player.ts';

const MAX_RECOVERIES = 3;

export function createHlsPlayer({ video, url, onState, onMedia }: PlayerOptions): Player {
  const rate = new ByteRate();
  if (!Hls.isSupported()) {
    onState({ kind: 'failed', reason: 'this browser has no Media Source Extensions' });
    return { displayedCaptureTime: () => null, stats: () => ({ bitrateKbps: null }), destroy: () => resetVideo(video) };
  }
  const hls = new Hls({
    lowLatencyMode: true,
    liveSyncDurationCount: 2,
    liveMaxLatencyDurationCount: 6,
    maxLiveSyncPlaybackRate: 1.5,
    backBufferLength: 4,
    maxBufferLength: 8,
    enableWorker: true,
    manifestLoadingMaxRetry: 4,
    fragLoadingMaxRetry: 4,
  });
  let recoveries = 0;
  onState({ kind: 'loading' });
  let targetSeconds = 1;
  hls.on(Hls.Events.LEVEL_UPDATED, (_e, data) => void (targetSeconds = data.details.targetduration || targetSeconds));
  hls.on(Hls.Events.FRAG_LOADED, (_e, data) => {
    rate.add(data.frag.stats.loaded);
    // A segment loaded again (after a reload) is not new: its program date tells.
    onMedia?.(data.frag.programDateTime ?? undefined);
  });
  hls.on(Hls.Events.ERROR, (_e, data: ErrorData) => {
    if (!data.fatal) return;
    if (recoveries++ < MAX_RECOVERIES) {
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
      else hls.startLoad();
      return;
    }
    const status = data.response?.code ? ` (HTTP ${data.response.code})` : '';
    onState({ kind: 'failed', reason: `${data.details}${status}` });
    hls.stopLoad();
  });
  const playing = () => {
    recoveries = 0;
    onState({ kind: 'playing' });
  };
  video.addEventListener('playing', playing);
  hls.loadSource(url);
  hls.attachMedia(video);
  hls.on(Hls.Events.MANIFEST_PARSED, () => void video.play().catch((err: Error) => onState({ kind: 'failed', reason: `play(): ${err.message}` })));

  return {
    // hls.js maps the position to #EXT-X-PROGRAM-DATE-TIME, which the gateway writes from the capture clock.
    displayedCaptureTime: () => hls.playingDate?.getTime() ?? null,
    stats: () => ({ bitrateKbps: rate.kbps() }),
    // A new segment every target duration; the playlist is polled about as often.
    mediaGapMs: () => targetSeconds * 2000,
    destroy: () => {
      video.removeEventListener('playing', playing);
      hls.destroy();
      resetVideo(video);
    },
  };
}
