// Clients for checking what the simulator serves: ffprobe, an ffmpeg reader
// that counts decoded frames while it runs, and a raw RTSP request on a
// socket for what ffmpeg would never send.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { findFfmpeg } from '../../gateway/video/ffmpeg/locate.ts';

/** $FFPROBE_PATH, else the ffprobe beside the ffmpeg in use, else Debian's. */
export function findFfprobe(): string {
  if (process.env.FFPROBE_PATH) return process.env.FFPROBE_PATH;
  const sibling = join(dirname(findFfmpeg().path), 'ffprobe');
  return existsSync(sibling) ? sibling : '/usr/bin/ffprobe';
}

export interface ProbeResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs ffprobe over TCP interleaved; never rejects, the exit code says how it went. */
export function ffprobe(url: string, extra: string[] = [], timeoutMs = 15_000): Promise<ProbeResult> {
  const args = ['-hide_banner', '-v', 'error', '-rtsp_transport', 'tcp', ...extra, url];
  return new Promise((resolve) => {
    execFile(findFfprobe(), args, { timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export interface Reader {
  /** Frames decoded so far, from ffmpeg's -progress reports (about twice a second). */
  frames(): number;
  stderr(): string;
  running(): boolean;
  exit: Promise<number | null>;
  stop(): Promise<void>;
}

/** ffmpeg decoding an RTSP URL to nowhere; `seconds` limits the output duration. */
export function startReader(url: string, seconds?: number): Reader {
  const limit = seconds === undefined ? [] : ['-t', String(seconds)];
  const args = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'warning', '-progress', 'pipe:1',
    '-rtsp_transport', 'tcp', '-i', url, ...limit, '-f', 'null', '-'];
  const proc = spawn(findFfmpeg().path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let frames = 0;
  let err = '';
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (chunk: string) => {
    for (const m of chunk.matchAll(/^frame=(\d+)/gm)) frames = Number(m[1]);
  });
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (chunk: string) => (err += chunk));
  const exit = once(proc, 'close').then(([code]) => code as number | null);
  return {
    frames: () => frames,
    stderr: () => err,
    running: () => proc.exitCode === null && proc.signalCode === null,
    exit,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exit;
    },
  };
}

export interface RawResponse {
  status: number;
  headers: string;
  body: string;
}

/** A bare RTSP client on one socket: write anything, read responses in order (interleaved frames skipped). */
export class RawClient {
  private buf = Buffer.alloc(0);
  private closed = false;
  private wake: (() => void) | undefined;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buf = Buffer.concat([this.buf, chunk]);
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    socket.on('error', () => undefined); // the close that follows is what tests look at
  }

  static async open(port: number): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    return new RawClient(socket);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  async request(method: string, url: string, cseq: number, headers: string[] = [], body = ''): Promise<RawResponse> {
    const length = body ? [`Content-Length: ${Buffer.byteLength(body)}`] : [];
    this.write([`${method} ${url} RTSP/1.0`, `CSeq: ${cseq}`, ...headers, ...length, '', body].join('\r\n'));
    return this.next();
  }

  /** The next response; rejects if the socket closes or nothing comes within timeoutMs. */
  async next(timeoutMs = 5000): Promise<RawResponse> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.buf[0] === 0x24 && this.buf.length >= 4 && this.buf.length >= 4 + this.buf.readUInt16BE(2)) {
        this.buf = this.buf.subarray(4 + this.buf.readUInt16BE(2));
      }
      const end = this.buf.indexOf('\r\n\r\n');
      if (this.buf[0] !== 0x24 && end >= 0) {
        const head = this.buf.subarray(0, end).toString('latin1');
        const length = Number(/^content-length:\s*(\d+)/im.exec(head)?.[1] ?? 0);
        if (this.buf.length >= end + 4 + length) {
          const body = this.buf.subarray(end + 4, end + 4 + length).toString('utf8');
          this.buf = this.buf.subarray(end + 4 + length);
          return { status: Number(/^RTSP\/1\.0 (\d{3})/.exec(head)?.[1] ?? NaN), headers: head, body };
        }
      }
      if (this.closed) throw new Error(`socket closed before a response: ${this.buf.toString('latin1')}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no RTSP response in ${timeoutMs} ms: ${this.buf.toString('latin1')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
