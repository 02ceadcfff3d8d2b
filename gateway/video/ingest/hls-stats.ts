// What the HLS playlist says about a live channel: real segment length (the
// source's GOP decides it in copy mode) and bitrate.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface HlsStats {
  segmentSeconds: number;
  bitrateKbps: number;
  segments: number;
  lastSegmentAt: number;
}

export interface ListedSegment {
  uri: string;
  duration: number;
  /** #EXT-X-PROGRAM-DATE-TIME before it, epoch ms. */
  programDate?: number;
}

export function parsePlaylist(text: string): ListedSegment[] {
  const out: ListedSegment[] = [];
  let duration: number | undefined;
  let programDate: number | undefined;
  for (const line of text.split('\n')) {
    const inf = /^#EXTINF:([\d.]+)/.exec(line);
    if (inf) duration = Number(inf[1]);
    else if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) programDate = Date.parse(line.slice(25));
    else if (line && !line.startsWith('#') && duration !== undefined) {
      out.push({ uri: line.trim(), duration, ...(Number.isFinite(programDate) ? { programDate } : {}) });
      duration = undefined;
      programDate = undefined;
    }
  }
  return out;
}

export async function readHlsStats(dir: string): Promise<HlsStats | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, 'index.m3u8'), 'utf8');
  } catch {
    return undefined; // not written yet
  }
  const segments = parsePlaylist(text);
  if (segments.length === 0) return undefined;
  let bytes = 0;
  let seconds = 0;
  let lastAt = 0;
  for (const seg of segments) {
    try {
      const st = await stat(join(dir, seg.uri));
      bytes += st.size;
      seconds += seg.duration;
      lastAt = Math.max(lastAt, st.mtimeMs);
    } catch {
      // deleted between the playlist read and the stat: skip it
    }
  }
  return {
    segmentSeconds: seconds / Math.max(1, segments.length),
    bitrateKbps: seconds > 0 ? Math.round((bytes * 8) / seconds / 1000) : 0,
    segments: segments.length,
    lastSegmentAt: Math.round(lastAt),
  };
}
