// ffmpeg stamps #EXT-X-PROGRAM-DATE-TIME from the wall clock at the moment its
// HLS muxer starts, which is after it has probed the input (up to seconds), so
// every date in the playlist runs ahead of capture by that probe time. The
// wall needs capture time to put detection boxes (stamped at capture) over the
// right picture. A segment file is closed when the next keyframe arrives, so
// "mtime − duration" bounds the segment's real start from above; the least
// such bound over the listed segments is the correction applied when serving.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';

interface Listed { pdtLine: number; pdt: number; duration: number; uri: string }

function listSegments(lines: string[]): Listed[] {
  const out: Listed[] = [];
  let pdt: { line: number; at: number } | undefined;
  let duration: number | undefined;
  lines.forEach((line, i) => {
    if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) pdt = { line: i, at: Date.parse(line.slice(25)) };
    else if (line.startsWith('#EXTINF:')) duration = Number(/^#EXTINF:([\d.]+)/.exec(line)?.[1]);
    else if (line && !line.startsWith('#')) {
      if (pdt && Number.isFinite(pdt.at) && duration !== undefined) out.push({ pdtLine: pdt.line, pdt: pdt.at, duration, uri: line.trim() });
      pdt = undefined;
      duration = undefined;
    }
  });
  return out;
}

/** The playlist with its program dates moved onto the capture clock (unchanged when nothing can be measured). */
export async function onCaptureClock(playlist: string, dir: string): Promise<string> {
  const lines = playlist.split('\n');
  const segments = listSegments(lines);
  let offset = Infinity;
  for (const seg of segments) {
    const closedAt = await stat(join(dir, seg.uri)).then((s) => s.mtimeMs, () => undefined); // deleted meanwhile: no bound
    if (closedAt !== undefined) offset = Math.min(offset, closedAt - seg.duration * 1000 - seg.pdt);
  }
  if (!Number.isFinite(offset)) return playlist;
  for (const seg of segments) lines[seg.pdtLine] = `#EXT-X-PROGRAM-DATE-TIME:${new Date(Math.round(seg.pdt + offset)).toISOString()}`;
  return lines.join('\n');
}
