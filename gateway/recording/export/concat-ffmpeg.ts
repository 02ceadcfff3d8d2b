// One ffmpeg run of an export: the concat list into an MP4 without
// re-encoding (-c copy, ADTS audio to MP4's, +faststart), with progress from
// its -progress output as seconds written.
import { spawn, type ChildProcess } from 'node:child_process';

const FFMPEG_TIMEOUT_MS = 10 * 60_000;

export interface ConcatRun {
  child: ChildProcess;
  finished: Promise<void>;
}

export function runConcat(ffmpegPath: string, list: string, out: string, onSeconds: (s: number) => void): ConcatRun {
  const args = [
    '-hide_banner', '-nostdin', '-v', 'error', '-nostats', '-progress', 'pipe:1',
    // -f mp4: the file is written under a temporary name and renamed when whole.
    '-f', 'concat', '-safe', '0', '-i', list, '-map', '0', '-c', 'copy', '-bsf:a', 'aac_adtstoasc', '-movflags', '+faststart', '-f', 'mp4', '-y', out,
  ];
  const child = spawn(ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const finished = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), FFMPEG_TIMEOUT_MS);
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
    child.stdout!.on('data', (c: Buffer) => {
      const us = [...c.toString().matchAll(/^out_time_us=(\d+)$/gm)].map((m) => Number(m[1])).at(-1);
      if (us !== undefined) onSeconds(us / 1e6);
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`ffmpeg exited ${code ?? signal}: ${stderr.trim()}`));
    });
  });
  return { child, finished };
}
