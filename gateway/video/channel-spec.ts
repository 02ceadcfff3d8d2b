// From a registry channel to what its ingest should run: the input URL (with
// credentials, which never leave this process), transcoding and the tap.
import { createHash } from 'node:crypto';
import type { StoredRow } from '../../device-registry/index.ts';
import type { TapPlan } from './ffmpeg/args.ts';
import type { IngestSpec } from './ingest/supervisor.ts';

export interface TapDefaults {
  fps: number;
  width: number;
}

/** A name safe for file paths and RTMP stream names, unique per channel id. */
export function safeName(channelId: string): string {
  if (/^[A-Za-z0-9_-]{1,64}$/.test(channelId)) return channelId;
  return `${channelId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 48)}-${createHash('sha1').update(channelId).digest('hex').slice(0, 8)}`;
}

export function rtspUrlWithCredentials(row: StoredRow): string {
  const source = row.doc.source as { url: string; username?: string };
  const url = new URL(source.url);
  if (source.username) url.username = encodeURIComponent(source.username);
  const password = row.secret?.password as string | undefined;
  if (password) url.password = encodeURIComponent(password);
  return url.toString();
}

export interface Wanted {
  /** Decoded frames are wanted: a detection profile or in-process subscribers. */
  tap: boolean;
}

type ChannelVideo = { transcode?: IngestSpec['transcode']; gopSeconds?: number; tapFps?: number; tapWidth?: number; tapDecode?: 'all' | 'nonref' | 'keyframes' };

const SKIP = { all: undefined, nonref: 'noref', keyframes: 'nokey' } as const;

/** The tap of a channel's stream: its rate, its width (omitted: the stream's own size, as for a sub-stream), the frames the decoder skips. */
export function tapPlan(row: StoredRow, tap: TapDefaults, ownSize = false): TapPlan {
  const video = (row.doc.video ?? {}) as ChannelVideo;
  const skip = SKIP[video.tapDecode ?? 'nonref'];
  return { fps: video.tapFps ?? tap.fps, ...(ownSize ? {} : { width: video.tapWidth ?? tap.width }), ...(skip ? { skip } : {}) };
}

export function ingestSpec(row: StoredRow, input: IngestSpec['input'], wanted: Wanted, tap: TapDefaults): IngestSpec {
  const video = (row.doc.video ?? {}) as ChannelVideo;
  return {
    channelId: row.id,
    input,
    transcode: video.transcode ?? 'auto',
    gopSeconds: video.gopSeconds ?? 1,
    tap: wanted.tap ? tapPlan(row, tap) : undefined,
  };
}
