// Low-latency FLV through mpegts.js, over WebSocket: a browser gives each host
// only six HTTP/1.1 connections and an HTTP-FLV stream holds one for good, so
// a 16-tile wall on plain HTTP-FLV would stall; WebSockets are pooled apart.
import mpegts from 'mpegts.js';
import { ByteRate, resetVideo, type Player, type PlayerOptions } from './player.ts';
import { CaptureClock } from './capture-clock.ts';
import './mpegts-listeners.ts';

/** `/media/<token>/<id>/live.flv` → `ws(s)://<host>/media/<token>/<id>/live.flv`. */
export function wsUrl(path: string): string {
  const u = new URL(path, location.href);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  return u.toString();
}

export function createFlvPlayer({ video, url, onState, onMedia }: PlayerOptions): Player {
  const rate = new ByteRate();
  if (!mpegts.getFeatureList().mseLivePlayback) {
    onState({ kind: 'failed', reason: 'this browser cannot play live FLV (no Media Source Extensions)' });
    return { displayedCaptureTime: () => null, stats: () => ({ bitrateKbps: null }), destroy: () => resetVideo(video) };
  }
  const player = mpegts.createPlayer(
    { type: 'flv', isLive: true, hasAudio: false, hasVideo: true, url: wsUrl(url) },
    {
      enableWorker: true,
      enableStashBuffer: false,
      lazyLoad: false,
      liveBufferLatencyChasing: true,
      liveBufferLatencyMaxLatency: 1.2,
      liveBufferLatencyMinRemain: 0.2,
      autoCleanupSourceBuffer: true,
      autoCleanupMaxBackwardDuration: 6,
      autoCleanupMinBackwardDuration: 3,
      statisticsInfoReportInterval: 1000,
    },
  );
  const clock = new CaptureClock(video, onMedia);
  onState({ kind: 'loading' });
  player.on(mpegts.Events.STATISTICS_INFO, (info: { speed?: number }) => {
    if (info.speed !== undefined) rate.add(info.speed * 1024);
  });
  player.on(mpegts.Events.ERROR, (type: string, detail: string, info?: { msg?: string; code?: number }) => {
    onState({ kind: 'failed', reason: [type, detail, info?.msg].filter(Boolean).join(': ') });
  });
  player.on(mpegts.Events.LOADING_COMPLETE, () => onState({ kind: 'failed', reason: 'the stream ended' }));
  const playing = () => onState({ kind: 'playing' });
  video.addEventListener('playing', playing);
  player.attachMediaElement(video);
  player.load();
  void Promise.resolve(player.play()).catch((err: Error) => onState({ kind: 'failed', reason: `play(): ${err.message}` }));

  return {
    displayedCaptureTime: () => clock.displayed(),
    // mpegts.js reports KB/s once a second: each report is about one second's bytes.
    stats: () => ({ bitrateKbps: rate.kbps() }),
    mediaGapMs: () => 1000,
    destroy: () => {
      video.removeEventListener('playing', playing);
      clock.stop();
      player.pause();
      player.unload();
      player.detachMediaElement();
      player.destroy();
      resetVideo(video);
    },
  };
}
