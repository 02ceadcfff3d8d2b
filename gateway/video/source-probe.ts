// "Test connection" before a camera is saved: one short ffmpeg against the
// RTSP URL, reading the stream until the first video frame or the timeout,
// answering ok with codec and size, or the reason a person can act on and the
// line that says so (credentials scrubbed, as every ffmpeg line we keep).
import { diagnose, isNoise, parseVideoStream, type StreamInfo } from './ffmpeg/diagnostics.ts';
import type { Ffmpeg } from './ffmpeg/locate.ts';
import { scrubberFor } from './ffmpeg/scrub.ts';
import { spawnTied } from './ffmpeg/tied-spawn.ts';

export interface ProbeResult {
  ok: boolean;
  input?: StreamInfo;
  /** When not ok: the reason (unreachable, auth failed, not found, timeout, …) and ffmpeg's line for it. */
  reason?: string;
  detail?: string;
  ms: number;
}

const TAIL = 40;

export function probeRtsp(url: string, ffmpeg: Pick<Ffmpeg, 'path' | 'major'>, timeoutMs: number): Promise<ProbeResult> {
  const scrub = scrubberFor({ kind: 'rtsp', url });
  const us = String(timeoutMs * 1000);
  const args = [
    '-hide_banner', '-nostdin', '-loglevel', 'info', '-rtsp_transport', 'tcp', ffmpeg.major >= 5 ? '-timeout' : '-stimeout', us,
    '-analyzeduration', '2000000', '-i', url, '-map', '0:v:0', '-frames:v', '1', '-f', 'null', '-',
  ];
  const started = Date.now();
  return new Promise((resolve) => {
    const proc = spawnTied(ffmpeg.path, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const lines: string[] = [];
    let input: StreamInfo | undefined;
    let partial = '';
    proc.stderr!.on('data', (chunk: Buffer) => {
      const parts = (partial + chunk.toString()).split(/\r?\n|\r/);
      partial = parts.pop() ?? '';
      for (const line of parts) {
        input ??= parseVideoStream(line);
        if (line.trim() && !isNoise(line)) lines.push(line);
        if (lines.length > TAIL) lines.shift();
      }
    });
    // A camera that answers nothing within the I/O timeout makes ffmpeg give up; this is the backstop.
    const killer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs + 3000);
    const finish = (code: number | null) => {
      clearTimeout(killer);
      const ms = Date.now() - started;
      if (input && code === 0) return resolve({ ok: true, input, ms });
      const found = diagnose(lines, { exitCode: code, ranMs: ms, ioTimeoutMs: timeoutMs, producedFrames: false, rtmpInput: false, rtspInput: true });
      resolve({ ok: false, ...(input ? { input } : {}), reason: code === null ? 'timeout' : found.reason, detail: scrub(found.line), ms });
    };
    proc.once('error', () => finish(-1));
    proc.once('close', (code) => finish(code));
  });
}
