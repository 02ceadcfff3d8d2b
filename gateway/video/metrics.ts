// The video room's Prometheus metrics, read from the channel statuses the
// manager keeps: channels by state and offline reason, restarts, and the
// input's frame rate and bitrate per channel. Only these last three carry a
// `channel` label (the channel's registry id, never its URL); each node
// reports the channels it runs.
import type { Registry } from 'prom-client';
import { readCounter, readGauge, RunningTotals } from '../http/metric-kit.ts';
import type { OfflineReason } from './ffmpeg/diagnostics.ts';
import type { ChannelVideoStatus } from './video-manager.ts';

const STATES = ['starting', 'online', 'offline', 'idle'] as const;

/** Every reason the ingest classifies (a new one must be added here: the type says so). */
const INGEST_REASONS: Record<OfflineReason, true> = {
  'auth failed': true, unreachable: true, 'not found': true, timeout: true, 'no video stream': true, 'codec unsupported': true, stopped: true,
  'no push': true, exited: true, 'end of stream': true, 'device offline': true, 'invite refused': true,
};

/**
 * Offline reasons as a label: the ingest's classified reasons and the
 * manager's own, by the words before any ':' (`device offline: …`); any other
 * text is `other`, so a free-form reason can never become a series.
 */
const REASONS = new Set([...Object.keys(INGEST_REASONS), 'disabled']);

export function offlineReasonLabel(reason: string | undefined): string {
  const head = (reason ?? '').split(':')[0]!.trim().toLowerCase();
  if (REASONS.has(head)) return head;
  if (/disabled in the configuration/.test(head)) return 'disabled';
  return 'other';
}

export interface VideoStatusSource {
  allStatus(): ChannelVideoStatus[];
}

export function registerVideoMetrics(registry: Registry, manager: VideoStatusSource): void {
  readGauge(registry, {
    name: 'gateway_video_channels', help: 'Channels this node runs or holds, by state (idle: on demand, nobody watching)', labelNames: ['state'],
    read: () => {
      const counts = new Map<string, number>(STATES.map((s) => [s, 0]));
      for (const s of manager.allStatus()) counts.set(s.state, (counts.get(s.state) ?? 0) + 1);
      return [...counts].map(([state, n]) => [{ state }, n]);
    },
  });
  readGauge(registry, {
    name: 'gateway_video_channels_offline', help: 'Offline channels by reason', labelNames: ['reason'],
    read: () => {
      const counts = new Map<string, number>();
      for (const s of manager.allStatus()) {
        if (s.state !== 'offline') continue;
        const reason = offlineReasonLabel(s.reason);
        counts.set(reason, (counts.get(reason) ?? 0) + 1);
      }
      return [...counts].map(([reason, n]) => [{ reason }, n]);
    },
  });
  const restarts = new RunningTotals(['channel'] as const);
  readCounter(registry, {
    name: 'gateway_video_restarts_total', help: 'Ingest (ffmpeg) restarts per channel', labelNames: ['channel'],
    read: () => restarts.update(manager.allStatus().filter((s) => s.running).map((s) => ({ object: s.channelId, labels: { channel: s.channelId }, value: s.restarts }))),
  });
  readGauge(registry, {
    name: 'gateway_video_input_fps', help: 'Frame rate the camera stream declares, per online channel', labelNames: ['channel'],
    read: () => manager.allStatus().filter((s) => s.state === 'online' && s.input?.fps !== undefined).map((s) => [{ channel: s.channelId }, s.input!.fps!]),
  });
  readGauge(registry, {
    name: 'gateway_video_bitrate_bits_per_second', help: 'Bitrate of the channel over its HLS playlist (the camera’s own when copied), per online channel', labelNames: ['channel'],
    read: () => manager.allStatus().filter((s) => s.state === 'online' && s.hls).map((s) => [{ channel: s.channelId }, s.hls!.bitrateKbps * 1000]),
  });
}
