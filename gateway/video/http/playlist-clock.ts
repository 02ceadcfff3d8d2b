// ffmpeg stamps #EXT-X-PROGRAM-DATE-TIME from the wall clock at the moment its
// HLS muxer starts, which is after it has probed the input (up to seconds), so
// every date in the playlist runs ahead of capture by that probe time. The
// wall needs capture time to put detection boxes (stamped at capture) over the
// right picture. A segment file is closed when the next keyframe arrives, so
// "mtime − duration" bounds the segment's real start from above; the least
// such bound over the listed segments is the correction applied when serving.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parsePlaylist } from '../ingest/hls-stats.ts';

const PROGRAM_DATE = /^#EXT-X-PROGRAM-DATE-TIME:(.+)$/gm;

/** The playlist with its program dates moved onto the capture clock (unchanged when nothing can be measured). */
export async function onCaptureClock(playlist: string, dir: string): Promise<string> {
  let offset = Infinity;
  for (const seg of parsePlaylist(playlist)) {
    if (seg.programDate === undefined) continue;
    const closedAt = await stat(join(dir, seg.uri)).then((s) => s.mtimeMs, () => undefined); // deleted meanwhile: no bound
    if (closedAt !== undefined) offset = Math.min(offset, closedAt - seg.duration * 1000 - seg.programDate);
  }
  if (!Number.isFinite(offset)) return playlist;
  return playlist.replace(PROGRAM_DATE, (line, date: string) => {
    const at = Date.parse(date);
    return Number.isFinite(at) ? `#EXT-X-PROGRAM-DATE-TIME:${new Date(Math.round(at + offset)).toISOString()}` : line;
  });
}
