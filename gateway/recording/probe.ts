// How long a segment file plays, read by remuxing it to nothing (copy, no
// decode): a segment cut short by kill -9 reads up to its last whole packet.
import { execFile } from 'node:child_process';

/** Seconds of media in the file; undefined when ffmpeg reads none (empty, not MPEG-TS, unreadable). */
export function mediaSeconds(ffmpegPath: string, file: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    execFile(ffmpegPath, ['-hide_banner', '-nostdin', '-v', 'error', '-i', file, '-map', '0:v:0?', '-c', 'copy', '-f', 'null', '-progress', 'pipe:1', '-'], { timeout: 30_000 }, (_err, stdout) => {
      // The last progress block is the whole file; an error leaves none, or zero.
      const times = [...String(stdout).matchAll(/^out_time_us=(\d+)$/gm)].map((m) => Number(m[1]));
      const us = times.at(-1);
      resolve(us !== undefined && us > 0 ? us / 1e6 : undefined);
    });
  });
}
