// Channels under load, for the video and recording capacity benchmarks: add
// copy-mode channels of one RTSP source to a gateway, then measure their
// ffmpeg CPU and whether they hold (all online, HLS segments fresh, no
// restarts during the window; optionally, recording keeping up).
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningGateway } from '../gateway/gateway.ts';
import { parsePlaylist } from '../gateway/video/ingest/hls-stats.ts';
import { mean, measureCpu, percentile, round, rssMiB } from './proc.ts';

const actor = { keyId: null, name: 'bench', role: null };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitUntil(check: () => boolean, timeoutMs: number): Promise<number | undefined> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (check()) return Date.now() - t0;
    await sleep(100);
  }
  return undefined;
}

export function playlist(dir: string): Array<{ uri: string; duration: number }> {
  try {
    return parsePlaylist(readFileSync(join(dir, 'index.m3u8'), 'utf8'));
  } catch {
    return [];
  }
}

/** Adds channels `<prefix><from>` … `<prefix><to - 1>`; the time each took to its first HLS playlist. */
export async function addChannels(gw: RunningGateway, range: { from: number; to: number; prefix: string }, url: string, extra: Record<string, unknown> = {}): Promise<number[]> {
  const firstPlaylist: number[] = [];
  await Promise.all(Array.from({ length: range.to - range.from }, async (_, k) => {
    const id = `${range.prefix}${range.from + k}`;
    const t0 = Date.now();
    await gw.service.create('channels', { id, name: id, kind: 'rtsp', source: { url }, mode: 'always-on', ...extra }, actor);
    const ms = await waitUntil(() => playlist(gw.video!.manager.hlsDir(id)).length > 0, 60_000);
    if (ms !== undefined) firstPlaylist.push(Date.now() - t0);
  }));
  return firstPlaylist;
}

export interface MeasureOptions {
  prefix: string;
  windowSeconds: number;
  /** With recording: the channel's newest indexed segment must have ended within this many seconds. */
  recordingFreshSeconds?: number;
}

export async function measureChannels(gw: RunningGateway, opts: MeasureOptions) {
  const mine = () => gw.video!.manager.allStatus().filter((s) => s.channelId.startsWith(opts.prefix));
  const statuses = mine();
  const pids = statuses.map((s) => s.pid).filter((p): p is number => p !== undefined);
  const restartsBefore = statuses.reduce((n, s) => n + s.restarts, 0);
  const gwBefore = process.cpuUsage();
  const t0 = Date.now();
  const cpu = [...(await measureCpu(pids, opts.windowSeconds)).values()];
  const gwUse = process.cpuUsage(gwBefore);
  const gwCpu = ((gwUse.user + gwUse.system) / 1000 / (Date.now() - t0)) * 100;
  const after = mine();
  const segmentAges = after.map((s) => {
    const dir = gw.video!.manager.hlsDir(s.channelId);
    const last = playlist(dir).at(-1);
    return last ? (Date.now() - statSync(join(dir, last.uri)).mtimeMs) / 1000 : Infinity;
  });
  let recordingAgeMax: number | undefined;
  if (opts.recordingFreshSeconds !== undefined) {
    const ends = await Promise.all(after.map((s) => gw.recording!.index.lastEnd(s.channelId)));
    recordingAgeMax = Math.max(...ends.map((e) => (e ? (Date.now() - e) / 1000 : Infinity)));
  }
  const holds = after.every((s) => s.state === 'online') && Math.max(...segmentAges) < 3
    && after.reduce((n, s) => n + s.restarts, 0) === restartsBefore
    && (recordingAgeMax === undefined || recordingAgeMax < opts.recordingFreshSeconds!);
  return {
    channels: after.length,
    holds,
    cpuPerChannelPct: round(mean(cpu)),
    cpuPerChannelP95Pct: round(percentile(cpu, 95)),
    rssPerChannelMiB: round(mean(pids.map((p) => rssMiB(p) ?? 0)), 1),
    gatewayProcessCpuPct: round(gwCpu),
    // The gateway process relays FLV (node-media-server) and serves; its share belongs to the channels too.
    gatewayCpuPerChannelPct: round(gwCpu / Math.max(1, after.length)),
    newestSegmentAgeMaxSeconds: round(Math.max(...segmentAges)),
    ...(recordingAgeMax !== undefined ? { newestRecordingAgeMaxSeconds: round(recordingAgeMax) } : {}),
  };
}
