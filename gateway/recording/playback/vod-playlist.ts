// A VOD HLS playlist of recorded MPEG-TS segments (no EXT-X-MAP: TS needs
// none): one EXTINF and one PROGRAM-DATE-TIME per segment so a player maps
// position ↔ wall-clock time, a DISCONTINUITY at every gap (the camera was
// offline, ffmpeg restarted: timestamps start over) and where the recording
// node changes (a lease moved: another ffmpeg, its own timestamps, however
// seamless the hand-over), ENDLIST. A segment that
// cannot be fetched now (its node is down) is marked EXT-X-GAP: hls.js does
// not ask for it and plays on after it, where a failing request would stall
// playback there and end in a fatal error.
import type { Segment } from '../store/recording-index.ts';

/** Segments closer than this are one run (the recorder snaps starts within 1 s). */
export const GAP_TOLERANCE_MS = 1500;

/** The segment file's name in media URLs: its start (epoch ms). */
export const segmentRef = (s: Pick<Segment, 'startMs'>): string => `${s.startMs}.ts`;

export interface VodOptions {
  uri?: (s: Segment) => string;
  /** Segments that cannot be fetched now: listed, marked EXT-X-GAP. */
  gap?: (s: Segment) => boolean;
}

export function vodPlaylist(segments: readonly Segment[], opts: VodOptions = {}): string {
  const uri = opts.uri ?? ((s: Segment) => `rec/${segmentRef(s)}`);
  const seconds = segments.map((s) => Math.max(0.001, (s.endMs - s.startMs) / 1000));
  const target = Math.max(1, ...seconds.map((d) => Math.ceil(d)));
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-PLAYLIST-TYPE:VOD', `#EXT-X-TARGETDURATION:${target}`, '#EXT-X-MEDIA-SEQUENCE:0'];
  segments.forEach((s, i) => {
    const prev = segments[i - 1];
    if (prev && (s.startMs - prev.endMs > GAP_TOLERANCE_MS || s.nodeId !== prev.nodeId)) lines.push('#EXT-X-DISCONTINUITY');
    lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(s.startMs).toISOString()}`, ...(opts.gap?.(s) ? ['#EXT-X-GAP'] : []), `#EXTINF:${seconds[i]!.toFixed(3)},`, uri(s));
  });
  lines.push('#EXT-X-ENDLIST', '');
  return lines.join('\n');
}

/** The segments a playlist of [fromMs, toMs] lists: from the one containing `from` (each starts with a keyframe) to the one containing `to`. */
export function segmentsForRange(segments: readonly Segment[], fromMs: number, toMs: number): Segment[] {
  return segments.filter((s) => s.endMs > fromMs && s.startMs < toMs).sort((a, b) => a.startMs - b.startMs);
}
