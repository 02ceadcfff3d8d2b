// Test support, not library API: small clips made with the real ffmpeg (no
// assets in git), cached in the temp dir under a hash of their recipe so
// parallel test files share them. Also ffprobe's view of a clip, as the
// reference the demuxer is checked against.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const FFMPEG = process.env.FFMPEG_PATH ?? 'ffmpeg';
export const FFPROBE = process.env.FFPROBE_PATH ?? 'ffprobe';

const DIR = join(tmpdir(), 'gb28181-media-clips');
const PATTERN = ['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25'];
const VIDEO = ['-t', '2', '-pix_fmt', 'yuv420p', '-g', '25', '-bf', '0'];

/** Input arguments, codec arguments and muxer of each clip; later clips remux earlier ones. */
const RECIPES: Record<string, () => string[]> = {
  'h264.h264': () => [...PATTERN, ...VIDEO, '-c:v', 'libx264', '-f', 'h264'],
  'h265.h265': () => [...PATTERN, ...VIDEO, '-c:v', 'libx265', '-x265-params', 'log-level=error', '-f', 'hevc'],
  'h264.mpg': () => ['-framerate', '25', '-f', 'h264', '-i', clip('h264.h264'), '-c', 'copy', '-f', 'mpeg'],
  'h264.vob': () => ['-framerate', '25', '-f', 'h264', '-i', clip('h264.h264'), '-c', 'copy', '-f', 'vob'],
  'h264.ts': () => ['-framerate', '25', '-f', 'h264', '-i', clip('h264.h264'), '-c', 'copy', '-f', 'mpegts'],
  'h265.mpg': () => ['-framerate', '25', '-f', 'hevc', '-i', clip('h265.h265'), '-c', 'copy', '-f', 'mpeg'],
  'h264-mp2.mpg': () => [...PATTERN, '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', ...VIDEO, '-c:v', 'libx264', '-c:a', 'mp2', '-f', 'mpeg'],
  'h264-mp2.mp2': () => ['-i', clip('h264-mp2.mpg'), '-vn', '-c:a', 'copy', '-f', 'mp2'],
  'tiny.vob': () => ['-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=25', '-frames:v', '6', '-g', '3', '-bf', '0', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-f', 'vob'],
  'aac.adts': () => ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '2', '-c:a', 'aac', '-b:a', '64k', '-f', 'adts'],
  'alaw.raw': () => ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=8000', '-t', '2', '-c:a', 'pcm_alaw', '-f', 'alaw'],
};

/** Path of a generated clip, made on first use. */
export function clip(name: keyof typeof RECIPES & string): string {
  const args = RECIPES[name]!();
  const hash = createHash('sha1').update(args.join('\0')).digest('hex').slice(0, 10);
  const file = join(DIR, `${hash}-${name}`);
  if (existsSync(file)) return file;
  mkdirSync(DIR, { recursive: true });
  const partial = `${file}.${process.pid}.part`;
  execFileSync(FFMPEG, ['-hide_banner', '-v', 'error', '-y', ...args, partial], { stdio: ['ignore', 'ignore', 'pipe'] });
  renameSync(partial, file); // atomic: a parallel test file sees the whole clip or none
  return file;
}

export function hasEncoder(name: string): boolean {
  const list = execFileSync(FFMPEG, ['-hide_banner', '-encoders'], { encoding: 'utf8' });
  return new RegExp(`^\\s*\\S+\\s+${name}\\s`, 'm').test(list);
}

export interface VideoProbe {
  codec: string;
  width: number;
  height: number;
  frames: number;
  /** Indexes of key frames, in decode order. */
  keyframes: number[];
}

/** Decodes the first video stream with ffprobe; `format` forces a demuxer (e.g. 'h264'). */
export function probeVideo(file: string, format?: string): VideoProbe {
  const args = ['-v', 'error', ...(format ? ['-f', format] : []), '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height:frame=key_frame', '-of', 'json', file];
  const json = JSON.parse(execFileSync(FFPROBE, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })) as {
    streams: Array<{ codec_name: string; width: number; height: number }>;
    frames: Array<{ key_frame: number }>;
  };
  const stream = json.streams[0]!;
  const keyframes = json.frames.flatMap((f, i) => (f.key_frame ? [i] : []));
  return { codec: stream.codec_name, width: stream.width, height: stream.height, frames: json.frames.length, keyframes };
}

/** PTS of each video packet as ffmpeg's own demuxer reads them (undefined for N/A). */
export function packetPts(file: string): Array<number | undefined> {
  const out = execFileSync(FFPROBE, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  return out.trim().split('\n').map((line) => (line.trim() === 'N/A' ? undefined : Number(line)));
}
