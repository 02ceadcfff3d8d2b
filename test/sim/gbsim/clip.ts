// The simulated GB28181 camera's picture: a real H.264 clip made once with
// ffmpeg (Annex-B, 640x360, 25 fps, 1 s GOP, no B-frames), cut into access
// units and kept in memory, so hundreds of streams replay it without an
// ffmpeg each.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findFfmpeg } from '../../../gateway/video/ffmpeg/locate.ts';
import { AnnexBAccessUnitSplitter, type SplitAccessUnit } from '../../../gateway/gb28181/media/index.ts';

const run = promisify(execFile);
export const GB_CLIP_FPS = 25;

const RECIPES = {
  // Test pattern with a clock: every frame differs.
  pattern: 'testsrc2=size=640x360:rate=25:duration=10',
  // Mid-grey with a 48 px red square crossing left to right (what the demo's test detector sees as a person).
  'red-square': "color=c=0x808080:size=640x360:rate=25:duration=10[bg];color=c=0xff0000:size=48x48:rate=25[sq];[bg][sq]overlay=shortest=1:x='(W-w)*t/10':y=(H-h)/2",
} as const;
export type GbClipKind = keyof typeof RECIPES;

/** Path of the clip, generated on first use (cached per directory), with its MPEG-TS remux beside it. */
export async function ensureGbClip(dir = join(tmpdir(), 'city-gw-sim-clips'), kind: GbClipKind = 'pattern'): Promise<string> {
  const file = join(dir, `gb-${kind}-640x360.h264`);
  mkdirSync(dir, { recursive: true });
  // Source filters only, so -filter_complex needs no input file.
  await make(file, [
    '-filter_complex', RECIPES[kind], '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-profile:v', 'main',
    '-preset', 'veryfast', '-g', '25', '-keyint_min', '25', '-bf', '0', '-sc_threshold', '0', '-f', 'h264',
  ]);
  // What some devices send instead of PS (the simulator's mediaFormat: 'mpegts').
  await make(`${file}.ts`, ['-framerate', String(GB_CLIP_FPS), '-f', 'h264', '-i', file, '-c', 'copy', '-f', 'mpegts']);
  return file;
}

/** Runs ffmpeg into a temporary name and renames it: a parallel test sees the whole file or none. */
async function make(file: string, args: string[]): Promise<void> {
  if (existsSync(file)) return;
  const partial = `${file}.${process.pid}.part`;
  await run(findFfmpeg().path, ['-hide_banner', '-loglevel', 'error', '-y', ...args, partial], { timeout: 120_000 });
  renameSync(partial, file);
}

const tsCache = new Map<string, Buffer>();

/** The clip remuxed to MPEG-TS (made by ensureGbClip), read once per process. */
export function clipTransportStream(path: string): Buffer {
  let ts = tsCache.get(path);
  if (!ts) tsCache.set(path, (ts = readFileSync(`${path}.ts`)));
  return ts;
}

const cache = new Map<string, SplitAccessUnit[]>();

/** The clip's access units, read once per process. */
export function clipAccessUnits(path: string): SplitAccessUnit[] {
  let units = cache.get(path);
  if (!units) {
    const splitter = new AnnexBAccessUnitSplitter('h264');
    units = [...splitter.push(readFileSync(path)), ...splitter.end()];
    // Start at a keyframe so every loop begins decodable.
    const first = units.findIndex((u) => u.keyframe);
    units = units.slice(Math.max(0, first));
    cache.set(path, units);
  }
  return units;
}
