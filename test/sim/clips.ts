// Short test clips made with ffmpeg's lavfi sources (no network, no assets in
// git), generated once per directory and reused. They are published in a
// loop with `-stream_loop -1 -c copy`, so they use no B-frames and a fixed GOP:
// timestamps then stay monotonic across loops and every GOP is decodable alone.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findFfmpeg } from '../../gateway/video/ffmpeg/locate.ts';

const run = promisify(execFile);

export const CLIP_KINDS = [
  'h264-720p', 'h264-720p-gop4', 'h265-720p', 'audio-only', 'h264-360p',
  'h264-cif', 'red-square-360p', 'blue-square-360p', 'still-360p', 'empty-360p', 'h264-360p-bframes', 'h265-360p-bframes', 'red-still-360p',
  'red-square-720p',
] as const;
export type ClipKind = (typeof CLIP_KINDS)[number];

const SECONDS = 10;
const FPS = 25;

/** Test pattern with an orange, black-edged square sweeping across it, so motion and freezes are visible. */
function movingSquare(width: number, height: number): string[] {
  const side = Math.round(height / 4.5);
  // drawbox evaluates x/y once at start-up (no time variable in 4.1 or 5.1); overlay evaluates per frame.
  const graph =
    `testsrc2=size=${width}x${height}:rate=${FPS}:duration=${SECONDS}[bg];` +
    `color=c=0xff8000:size=${side}x${side}:rate=${FPS},drawbox=c=black:t=${Math.round(side / 16)}[sq];` +
    `[bg][sq]overlay=shortest=1:x='(W-w)*mod(t/${SECONDS},1)':y='(H-h)/2+(H-h)/3*sin(2*PI*t/5)'`;
  return ['-filter_complex', graph];
}

/**
 * For the detection tests: a plain mid-grey 640x360 scene and, when `colour` is
 * given, a 48 px square of it sweeping left → right at constant speed, vertically
 * centred. Nothing else in the frame is saturated, so the test detector sees only the square.
 * `scale` 2: the same scene at 1280x720 (a camera's main stream beside its 360p sub-stream).
 */
function squareOnGrey(colour?: string, scale = 1): string[] {
  const [width, height, side] = [640 * scale, 360 * scale, 48 * scale];
  const bg = `color=c=0x808080:size=${width}x${height}:rate=${FPS}:duration=${SECONDS}`;
  if (!colour) return ['-f', 'lavfi', '-i', bg];
  const graph =
    `${bg}[bg];color=c=${colour}:size=${side}x${side}:rate=${FPS}[sq];` +
    `[bg][sq]overlay=shortest=1:x='(W-w)*t/${SECONDS}':y='(H-h)/2'`;
  return ['-filter_complex', graph];
}

function x264(gopSeconds: number, bframes = 0): string[] {
  const gop = String(gopSeconds * FPS);
  return [
    '-c:v', 'libx264', '-preset', 'veryfast', ...(bframes ? [] : ['-tune', 'zerolatency']), '-profile:v', 'main', '-pix_fmt', 'yuv420p',
    '-g', gop, '-keyint_min', gop, '-sc_threshold', '0', '-bf', String(bframes),
  ];
}

/** H.265 as encoders make it by default: B-frames (which RTSP carries without decode timestamps). */
function x265(bframes: number): string[] {
  return [
    '-c:v', 'libx265', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-tag:v', 'hvc1',
    '-x265-params', `keyint=${FPS}:min-keyint=${FPS}:scenecut=0:bframes=${bframes}:log-level=error`,
  ];
}

function recipe(kind: ClipKind): string[] {
  switch (kind) {
    case 'h264-720p':
      return [...movingSquare(1280, 720), ...x264(1), '-an'];
    case 'h264-720p-gop4':
      return [...movingSquare(1280, 720), ...x264(4), '-an'];
    case 'h264-360p':
      return [...movingSquare(640, 360), ...x264(1), '-an'];
    case 'h264-cif':
      // A camera's typical sub-stream (子码流): CIF 352x288.
      return [...movingSquare(352, 288), ...x264(1), '-an'];
    case 'h264-360p-bframes':
      return [...movingSquare(640, 360), ...x264(1, 3), '-an'];
    case 'h265-360p-bframes':
      return [...movingSquare(640, 360), ...x265(3), '-an'];
    case 'h265-720p':
      return [
        ...movingSquare(1280, 720),
        '-c:v', 'libx265', '-preset', 'veryfast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-tag:v', 'hvc1',
        '-x265-params', `keyint=${FPS}:min-keyint=${FPS}:scenecut=0:bframes=0:log-level=error`, '-an',
      ];
    case 'red-square-360p':
      return [...squareOnGrey('0xff0000'), ...x264(1), '-an'];
    case 'red-square-720p':
      return [...squareOnGrey('0xff0000', 2), ...x264(1), '-an'];
    case 'blue-square-360p':
      return [...squareOnGrey('0x0000ff'), ...x264(1), '-an'];
    case 'still-360p':
      return [...squareOnGrey(), ...x264(1), '-an'];
    case 'red-still-360p':
      // Loitering: the red square standing still at (400, 156), in the right half, for the whole clip.
      return ['-f', 'lavfi', '-i', `color=c=0x808080:size=640x360:rate=${FPS}:duration=${SECONDS},drawbox=x=400:y=156:w=48:h=48:color=0xff0000:t=fill`, ...x264(1), '-an'];
    case 'empty-360p':
      // Motion without anything to detect: a barely lighter grey square on the same path.
      return [...squareOnGrey('0x909090'), ...x264(1), '-an'];
    case 'audio-only':
      return [
        '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${SECONDS}`,
        '-c:a', 'aac', '-b:a', '96k', '-ac', '1',
      ];
  }
}

/** File name carries a hash of the recipe, so changing a recipe regenerates instead of reusing a stale clip. */
export function clipFileName(kind: ClipKind): string {
  const hash = createHash('sha1').update(JSON.stringify(recipe(kind))).digest('hex').slice(0, 8);
  return `${kind}.${hash}.mp4`;
}

const pending = new Map<string, Promise<string>>();

/** Path of the clip in `dir`, generating it first if it is not there yet. */
export function ensureClip(kind: ClipKind, dir: string): Promise<string> {
  if (!CLIP_KINDS.includes(kind)) return Promise.reject(new Error(`unknown clip kind "${String(kind)}"`));
  const file = join(dir, clipFileName(kind));
  let job = pending.get(file);
  if (!job) {
    job = generate(kind, dir, file);
    pending.set(file, job);
    // Forget failures so a later call can retry; keep successes as a cheap cache.
    job.catch(() => pending.delete(file));
  }
  return job;
}

async function generate(kind: ClipKind, dir: string, file: string): Promise<string> {
  try {
    await access(file);
    return file;
  } catch {
    // Not generated yet: make it below.
  }
  await mkdir(dir, { recursive: true });
  // Temp name, then rename: a reader (or a parallel test process) never sees half a clip.
  const temp = join(dir, `.${kind}.${process.pid}.${randomBytes(4).toString('hex')}.mp4`);
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...recipe(kind), '-movflags', '+faststart', temp];
  try {
    await run(findFfmpeg().path, args, { timeout: 120_000 });
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new Error(`generating clip ${kind} failed${stderr ? `: ${stderr}` : ''}`, { cause: err });
  }
  return file;
}
