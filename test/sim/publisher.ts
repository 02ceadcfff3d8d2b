// Feeds a clip into an RTSP server (or an RTMP one) in a loop at real-time
// rate, like a camera's encoder, with one supervisor: when ffmpeg exits it
// is started again after a pause that doubles from 1 s to 10 s.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { findFfmpeg } from '../../gateway/video/ffmpeg/locate.ts';

export interface PublishOptions {
  /** `rtsp` (default) pushes with ANNOUNCE/RECORD over TCP; `flv` pushes to an rtmp:// URL (H.264/AAC only). */
  format?: 'rtsp' | 'flv';
  /** Receives ffmpeg's stderr lines and the supervisor's own notes. */
  log?: (line: string) => void;
}

export interface Publisher {
  stop(): Promise<void>;
  /** The running ffmpeg's pid, undefined between restarts. */
  pid(): number | undefined;
  /** How many times ffmpeg was started again after exiting. */
  restarts(): number;
}

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 10_000;
/** A run this long counts as healthy, so the next failure waits 1 s again. */
const HEALTHY_MS = 30_000;
const KILL_AFTER_MS = 2000;

export function publishArgs(clip: string, target: string, format: 'rtsp' | 'flv'): string[] {
  // No -timeout/-stimeout: their names differ between ffmpeg 4 and 5; the server closing the socket ends ffmpeg.
  const output = format === 'rtsp' ? ['-f', 'rtsp', '-rtsp_transport', 'tcp'] : ['-f', 'flv'];
  return ['-hide_banner', '-nostdin', '-loglevel', 'warning', '-re', '-stream_loop', '-1', '-i', clip, '-c', 'copy', ...output, target];
}

export function publish(clip: string, target: string, opts: PublishOptions = {}): Publisher {
  const log = opts.log ?? (() => undefined);
  const args = publishArgs(clip, target, opts.format ?? 'rtsp');
  const redacted = target.replace(/\/\/[^@/]*@/, '//***@');
  let child: ChildProcess | undefined;
  let exited: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let restarts = 0;
  let delay = FIRST_RETRY_MS;

  const start = () => {
    timer = undefined;
    if (stopped) return;
    const startedAt = Date.now();
    const proc = spawn(findFfmpeg().path, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    exited = once(proc, 'close');
    let pending = '';
    proc.stderr?.setEncoding('utf8');
    proc.stderr?.on('data', (chunk: string) => {
      const lines = (pending + chunk).split(/\r?\n|\r/);
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) log(line);
    });
    proc.on('error', (err) => log(`[publisher ${redacted}] spawn failed: ${err.message}`));
    proc.on('close', (code, signal) => {
      if (child === proc) child = undefined;
      if (stopped) return;
      if (Date.now() - startedAt >= HEALTHY_MS) delay = FIRST_RETRY_MS;
      log(`[publisher ${redacted}] ffmpeg exited (${signal ?? `code ${code}`}); restarting in ${delay} ms`);
      timer = setTimeout(() => {
        restarts++;
        start();
      }, delay);
      delay = Math.min(delay * 2, MAX_RETRY_MS);
    });
  };
  start();

  return {
    pid: () => child?.pid,
    restarts: () => restarts,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      const proc = child;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) {
        await exited;
        return;
      }
      // SIGTERM lets ffmpeg send TEARDOWN; SIGKILL if it hangs (e.g. blocked on a dead socket).
      proc.kill('SIGTERM');
      const killer = setTimeout(() => proc.kill('SIGKILL'), KILL_AFTER_MS);
      await exited;
      clearTimeout(killer);
    },
  };
}
