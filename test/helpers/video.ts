// Shared pieces of the video tests: a gateway with video on and short
// timeouts, polling, and ffprobe.
import { execFile } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startTestGateway, type TestGateway } from './gateway.ts';

const run = promisify(execFile);

/** Clips are generated once per machine and shared by the test files. */
export const CLIP_DIR = join(tmpdir(), 'gw-test-clips');

export function startVideoGateway(argv: string[] = []): Promise<TestGateway> {
  return startTestGateway({
    argv: [
      '--video.enabled', 'true', '--video.watchdogSeconds', '4', '--video.ioTimeoutSeconds', '3',
      '--video.backoff.initialMs', '300', '--video.backoff.maxMs', '1500', '--video.startStaggerMs', '0',
      '--video.onDemandIdleSeconds', '6', '--log.level', 'info', ...argv,
    ],
  });
}

export async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value as T;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}

export interface ProbedStream {
  codec_name: string;
  codec_type: string;
  width?: number;
  height?: number;
}

export async function ffprobe(target: string, extra: string[] = []): Promise<ProbedStream[]> {
  const { stdout } = await run('ffprobe', ['-v', 'error', ...extra, '-show_streams', '-of', 'json', target], { timeout: 20_000 });
  return (JSON.parse(stdout) as { streams: ProbedStream[] }).streams;
}

/** Counts decodable video frames in a file or URL. */
export async function countFrames(target: string): Promise<number> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', target], { timeout: 30_000 });
  return Number(stdout.trim().split(/\s+/)[0]); // MPEG-TS files list the stream once per program too
}

export type Status = {
  state: string; reason?: string; lastError?: string; restarts: number; pid?: number; transcoding: boolean; note?: string;
  mode?: string; feed?: string; input?: { codec: string; width: number; height: number };
};

/** A frozen camera: accepts TCP connections and never says a word. */
export async function startSilentServer(): Promise<{ port: number; stop: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined); // the client gives up and resets: expected
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    stop: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

export const statusOf = async (t: TestGateway, id: string): Promise<Status> =>
  (await t.call('operator', { method: 'GET', url: `/api/channels/${id}/status` })).json() as Status;
