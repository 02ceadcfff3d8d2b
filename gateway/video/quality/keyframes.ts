// Pictures for channels without detection, at no camera cost: the first
// frame (a keyframe) of two HLS segments the channel's own ingest already
// wrote, a few seconds apart, decoded by one short ffmpeg that decodes
// keyframes only and scales straight to the analysis size.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parsePlaylist } from '../ingest/hls-stats.ts';
import { ANALYSIS_WIDTH } from './analysers/image.ts';

export interface Keyframe {
  data: Buffer;
  width: number;
  height: number;
  /** When its segment started (program date, epoch ms). */
  ts: number;
  segment: string;
}

/** The analysis size for a source of this size: ANALYSIS_WIDTH wide, even height. */
export function analysisSize(width: number, height: number): { width: number; height: number } {
  const w = Math.min(ANALYSIS_WIDTH, width - (width % 2));
  return { width: w, height: Math.max(2, 2 * Math.round((w * height) / width / 2)) };
}

/** The newest listed segment and one about `gapSegments` before it (fewer when the list is short). */
async function pickSegments(hlsDir: string, gapSegments: number) {
  const text = await readFile(join(hlsDir, 'index.m3u8'), 'utf8').catch(() => undefined);
  if (text === undefined) return [];
  const listed = parsePlaylist(text);
  const newest = listed.at(-1);
  if (!newest) return [];
  const older = listed.at(Math.max(0, listed.length - 1 - gapSegments));
  return older && older.uri !== newest.uri ? [older, newest] : [newest];
}

/** ffmpeg's arguments: the first frame of each file, keyframes only decoded, scaled, one after the other as raw RGB on stdout. */
export function keyframeArgs(files: string[], size: { width: number; height: number }): string[] {
  const inputs = files.flatMap((f) => ['-skip_frame', 'nokey', '-i', f]);
  const chains = files.map((_, i) => `[${i}:v]trim=end_frame=1,scale=${size.width}:${size.height},setsar=1[v${i}]`);
  const graph = `${chains.join(';')};${files.map((_, i) => `[v${i}]`).join('')}concat=n=${files.length}:v=1:a=0[out]`;
  return ['-hide_banner', '-nostdin', '-loglevel', 'error', ...inputs, '-filter_complex', graph, '-map', '[out]', '-frames:v', String(files.length), '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'];
}

export async function grabKeyframes(opts: { ffmpegPath: string; hlsDir: string; source: { width: number; height: number }; gapSegments?: number }): Promise<Keyframe[]> {
  const segments = await pickSegments(opts.hlsDir, opts.gapSegments ?? 3);
  if (!segments.length) return [];
  const { width, height } = analysisSize(opts.source.width, opts.source.height);
  const args = keyframeArgs(segments.map((s) => join(opts.hlsDir, s.uri)), { width, height });
  const stdout = await new Promise<Buffer>((resolve, reject) => {
    execFile(opts.ffmpegPath, args, { encoding: 'buffer', maxBuffer: 16 * 1024 * 1024, timeout: 20_000 }, (err, out, stderr) => {
      // A segment deleted between the playlist read and ffmpeg's open: no picture this time.
      if (err) reject(new Error(`keyframes of ${segments.map((s) => s.uri).join(', ')}: ${stderr.toString().trim().split('\n').at(-1) || err.message}`));
      else resolve(out);
    });
  });
  const size = width * height * 3;
  const now = Date.now();
  return segments.flatMap((s, i) => {
    if (stdout.length < (i + 1) * size) return [];
    // Without a program date the segments still differ in time by their position.
    const ts = s.programDate ?? now - (segments.length - 1 - i) * 1000;
    return [{ data: stdout.subarray(i * size, (i + 1) * size), width, height, ts, segment: s.uri }];
  });
}
