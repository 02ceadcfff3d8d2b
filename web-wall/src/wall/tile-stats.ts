// Once a second: what a tile shows under its picture (resolution, fps,
// bitrate, live latency, frames the browser dropped) and what the benchmark
// reads (frames, dropped).
import { useEffect, useState } from 'preact/hooks';
import { addText, t } from '../i18n/index.ts';
import type { Player } from './players/index.ts';

export interface TileStats { width: number; height: number; fps: number | null; bitrateKbps: number | null; latencyMs: number | null; frames: number; dropped: number }

export function useTileStats(video: HTMLVideoElement | null, player: { current: Player | null }, playing: boolean): TileStats | null {
  const [stats, setStats] = useState<TileStats | null>(null);
  useEffect(() => {
    if (!video || !playing) return setStats(null);
    let prev: { frames: number; at: number } | null = null;
    const timer = window.setInterval(() => {
      const q = video.getVideoPlaybackQuality();
      const at = performance.now();
      // A reloaded player starts its count again: no rate across that.
      const fps = prev && q.totalVideoFrames >= prev.frames ? ((q.totalVideoFrames - prev.frames) * 1000) / (at - prev.at) : null;
      prev = { frames: q.totalVideoFrames, at };
      const shown = player.current?.displayedCaptureTime() ?? null;
      setStats({
        width: video.videoWidth,
        height: video.videoHeight,
        fps: fps === null ? null : Math.round(fps),
        bitrateKbps: player.current?.stats().bitrateKbps ?? null,
        latencyMs: shown === null ? null : Math.max(0, Date.now() - shown),
        frames: q.totalVideoFrames,
        dropped: q.droppedVideoFrames,
      });
    }, 1000);
    return () => clearInterval(timer);
  }, [video, playing]);
  return stats;
}

export function formatStats(s: TileStats, latencyText: (seconds: string) => string): string {
  const parts = [`${s.width}×${s.height}`];
  if (s.fps !== null) parts.push(`${s.fps} fps`);
  if (s.bitrateKbps !== null) parts.push(s.bitrateKbps >= 1000 ? `${(s.bitrateKbps / 1000).toFixed(1)} Mbps` : `${s.bitrateKbps} kbps`);
  if (s.latencyMs !== null) parts.push(latencyText((s.latencyMs / 1000).toFixed(1)));
  // Decoded but never shown (the decoder or the page was late): counted since the player started.
  if (s.frames > 0) parts.push(t('wall.dropped', { n: s.dropped, pct: ((100 * s.dropped) / s.frames).toFixed(1) }));
  return parts.join(' · ');
}

addText({
  'zh-CN': { 'wall.dropped': '丢帧 {n}（{pct}%）' },
  en: { 'wall.dropped': '{n} dropped ({pct}%)' },
});
