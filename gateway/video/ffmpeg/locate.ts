// Finds the ffmpeg binary at run time: $FFMPEG_PATH, then ffmpeg on PATH
// (Debian's 5.1), then the static build shipped by @ffmpeg-installer (4.1),
// and reads its version once, since some options changed between 4 and 5.
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';

export interface Ffmpeg {
  path: string;
  /** Major version, e.g. 5 for Debian bookworm, 4 for the npm static build. */
  major: number;
  version: string;
}

const executable = (file: string) => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** Every `name` in the PATH's directories, in order (executable or not). */
const onPath = (name: string, env: NodeJS.ProcessEnv = process.env): string[] =>
  (env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, name));

export const executableOnPath = (name: string, env: NodeJS.ProcessEnv = process.env): string | undefined => onPath(name, env).find(executable);

function candidates(env: NodeJS.ProcessEnv): string[] {
  const list: string[] = [];
  if (env.FFMPEG_PATH) list.push(env.FFMPEG_PATH);
  list.push(...onPath('ffmpeg', env));
  try {
    const require = createRequire(import.meta.url);
    list.push((require('@ffmpeg-installer/ffmpeg') as { path: string }).path);
  } catch {
    // The npm build is optional (no binary for this platform): PATH must have one.
  }
  return list;
}

/** Parses "ffmpeg version 5.1.9-0+deb12u1" or "ffmpeg version N-47683-g0e8eb07980-static" (4.1 builds). */
export function parseVersion(banner: string): { version: string; major: number } {
  const version = /ffmpeg version (\S+)/.exec(banner)?.[1] ?? 'unknown';
  const release = /^n?(\d+)\./.exec(version);
  if (release) return { version, major: Number(release[1]) };
  const libavformat = /libavformat\s+(\d+)\./.exec(banner);
  // libavformat 58 shipped with ffmpeg 4.x, 59 with 5.x, 60 with 6.x
  return { version, major: libavformat ? Number(libavformat[1]) - 54 : 4 };
}

let cached: Ffmpeg | undefined;

export function findFfmpeg(env: NodeJS.ProcessEnv = process.env): Ffmpeg {
  if (cached && env === process.env) return cached;
  const tried: string[] = [];
  for (const path of candidates(env)) {
    tried.push(path);
    if (!executable(path)) continue;
    const banner = execFileSync(path, ['-hide_banner', '-version'], { encoding: 'utf8' });
    const found = { path, ...parseVersion(banner) };
    if (env === process.env) cached = found;
    return found;
  }
  throw new Error(`ffmpeg not found (tried ${tried.join(', ') || 'nothing'}); set FFMPEG_PATH or install ffmpeg`);
}
