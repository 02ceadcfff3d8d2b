// Snapshots: the first frame of the newest HLS segment, decoded by a one-shot
// ffmpeg and encoded with sharp; or, when the frame tap runs and is recent
// enough at the asked size, its latest frame at no decoding cost.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { parseVideoStream } from './ffmpeg/diagnostics.ts';
import type { Frame } from './frames.ts';
import { parsePlaylist } from './ingest/hls-stats.ts';

const TAP_FRESH_MS = 2000;
const cache = new Map<string, { key: string; jpeg: Buffer }>();

function decodeFirstFrame(ffmpegPath: string, file: string): Promise<{ data: Buffer; width: number; height: number }> {
  return new Promise((resolve, reject) => {
    execFile(ffmpegPath, ['-hide_banner', '-nostdin', '-i', file, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
      { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (err) return reject(new Error(`cannot decode ${file}: ${stderr.toString().split('\n').filter(Boolean).at(-1) ?? err.message}`));
        const out = stderr.toString().split('Output #0')[1] ?? '';
        const info = out.split('\n').map(parseVideoStream).find(Boolean);
        if (!info) return reject(new Error('ffmpeg did not say the frame size'));
        resolve({ data: stdout, width: info.width, height: info.height });
      });
  });
}

const encode = (data: Buffer, width: number, height: number, resizeTo?: number) =>
  sharp(data, { raw: { width, height, channels: 3 } })
    .resize(resizeTo && resizeTo < width ? { width: resizeTo } : undefined)
    .jpeg({ quality: 85, mozjpeg: false })
    .toBuffer();

/** The newest complete segment's file name, or undefined when none is listed yet. */
export async function newestSegment(hlsDir: string): Promise<string | undefined> {
  try {
    return parsePlaylist(await readFile(join(hlsDir, 'index.m3u8'), 'utf8')).at(-1)?.uri;
  } catch {
    return undefined;
  }
}

export async function snapshotJpeg(opts: { channelId: string; ffmpegPath: string; hlsDir: string; width?: number; tapFrame?: Frame }): Promise<Buffer | undefined> {
  const { tapFrame, width } = opts;
  if (tapFrame && width && width <= tapFrame.width && Date.now() - tapFrame.ts < TAP_FRESH_MS) {
    return encode(tapFrame.data, tapFrame.width, tapFrame.height, width);
  }
  const segment = await newestSegment(opts.hlsDir);
  if (!segment) return undefined;
  const key = `${segment}@${width ?? 'full'}`;
  const hit = cache.get(opts.channelId);
  if (hit?.key === key) return hit.jpeg;
  const frame = await decodeFirstFrame(opts.ffmpegPath, join(opts.hlsDir, segment));
  const jpeg = await encode(frame.data, frame.width, frame.height, width);
  cache.set(opts.channelId, { key, jpeg });
  return jpeg;
}
