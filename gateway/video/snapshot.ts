// Snapshots: the first frame of the newest HLS segment, decoded by a one-shot
// ffmpeg and encoded with sharp; or, when the frame tap runs and is recent
// enough at the asked size, its latest frame at no decoding cost. Either way
// with the time the frame was captured, so a reader can tell its age.
import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { parseVideoStream } from './ffmpeg/diagnostics.ts';
import type { Frame } from './frames.ts';
import { parsePlaylist, type ListedSegment } from './ingest/hls-stats.ts';

const TAP_FRESH_MS = 2000;
const cache = new Map<string, { key: string; snapshot: Snapshot }>();

export interface Snapshot {
  jpeg: Buffer;
  /** When the frame was captured (epoch ms): the tap frame's time, or the segment's start. */
  capturedAt: number;
}

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

/** The newest complete segment listed, or undefined when none is listed yet. */
async function newestListed(hlsDir: string): Promise<ListedSegment | undefined> {
  try {
    return parsePlaylist(await readFile(join(hlsDir, 'index.m3u8'), 'utf8')).at(-1);
  } catch {
    return undefined; // no playlist (yet): nothing to show
  }
}

/** The newest complete segment's file name, or undefined when none is listed yet. */
export async function newestSegment(hlsDir: string): Promise<string | undefined> {
  return (await newestListed(hlsDir))?.uri;
}

export async function snapshotJpeg(opts: { channelId: string; ffmpegPath: string; hlsDir: string; width?: number; tapFrame?: Frame }): Promise<Snapshot | undefined> {
  const { tapFrame, width } = opts;
  if (tapFrame && width && width <= tapFrame.width && Date.now() - tapFrame.ts < TAP_FRESH_MS) {
    return { jpeg: await encode(tapFrame.data, tapFrame.width, tapFrame.height, width), capturedAt: tapFrame.ts };
  }
  const segment = await newestListed(opts.hlsDir);
  if (!segment) return undefined;
  const key = `${segment.uri}@${width ?? 'full'}`;
  const hit = cache.get(opts.channelId);
  if (hit?.key === key) return hit.snapshot;
  const file = join(opts.hlsDir, segment.uri);
  // A segment file is closed when the next one starts: its first frame is about one duration older.
  const closedAt = await stat(file).then((st) => st.mtimeMs, () => undefined);
  if (closedAt === undefined) return undefined; // cleared by a new run meanwhile: no frame to show
  const frame = await decodeFirstFrame(opts.ffmpegPath, file);
  const snapshot = { jpeg: await encode(frame.data, frame.width, frame.height, width), capturedAt: Math.round(closedAt - segment.duration * 1000) };
  cache.set(opts.channelId, { key, snapshot });
  return snapshot;
}
