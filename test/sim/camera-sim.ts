// A set of simulated IP cameras: one RTSP server, and per stream path one
// ffmpeg publisher looping a generated clip into it. This is what tests, the
// benchmark and the demo point the gateway at.
import { ensureClip, type ClipKind } from './clips.ts';
import { publish, type Publisher } from './publisher.ts';
import { RtspServer } from './rtsp-server.ts';
import type { Credentials } from './rtsp-auth.ts';

export interface CameraSimulatorOptions {
  /** 0 or unset: a free port. */
  port?: number;
  host?: string;
  /** Where clips are generated and cached. */
  clipDir: string;
  streams: Array<{ path: string; clip: ClipKind }>;
  /** Readers must authenticate (Digest or Basic) when set. */
  credentials?: Credentials;
  log?: (line: string) => void;
}

export interface CameraSimulator {
  port: number;
  server: RtspServer;
  url(path: string, withCreds?: boolean): string;
  /** Resolves once the path has a publisher and its SDP; rejects after timeoutMs (default 15 s). */
  waitReady(path: string, timeoutMs?: number): Promise<void>;
  /** The publisher feeding a path, e.g. to kill its ffmpeg in a test. */
  publisher(path: string): Publisher | undefined;
  stop(): Promise<void>;
}

export async function startCameraSimulator(opts: CameraSimulatorOptions): Promise<CameraSimulator> {
  const paths = opts.streams.map((s) => s.path.replace(/^\/+|\/+$/g, ''));
  const duplicate = paths.find((p, i) => paths.indexOf(p) !== i);
  if (duplicate !== undefined) throw new Error(`camera simulator: path "${duplicate}" is listed twice`);

  // Clips first (several paths may share one): a failure here leaves nothing running.
  const kinds = [...new Set(opts.streams.map((s) => s.clip))];
  const clips = new Map(await Promise.all(kinds.map(async (k) => [k, await ensureClip(k, opts.clipDir)] as const)));

  const server = new RtspServer({ host: opts.host, port: opts.port ?? 0, credentials: opts.credentials, log: opts.log });
  const port = await server.start();
  const publishers = new Map<string, Publisher>();
  opts.streams.forEach((stream, i) => {
    const path = paths[i]!;
    const log = opts.log && ((line: string) => opts.log?.(`[camera ${path}] ${line}`));
    // Publishing needs no credentials, so the plain URL is used even when readers must log in.
    publishers.set(path, publish(clips.get(stream.clip)!, server.url(path), { log }));
  });

  let stopped = false;
  return {
    port,
    server,
    url: (path, withCreds = false) => server.url(path, withCreds),
    publisher: (path) => publishers.get(path),
    async waitReady(path, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (server.sdp(path) === undefined) {
        if (stopped) throw new Error(`camera simulator stopped while waiting for ${path}`);
        if (Date.now() > deadline) throw new Error(`camera ${path} not publishing after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      stopped = true;
      await Promise.all([...publishers.values()].map((p) => p.stop()));
      await server.stop();
    },
  };
}
