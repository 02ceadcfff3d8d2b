// Loopback HTTP server that hands a GB28181 channel's demuxed elementary
// stream to the channel's ffmpeg, so a GB28181 channel runs through the same
// supervised ingest (HLS, FLV, snapshots, frame tap) as an RTSP one. A request
// opens the live session (INVITE), closing it ends the session (BYE). Failures
// answer with status codes and reason phrases that ffmpeg prints and the
// video room classifies (see video/ffmpeg/diagnostics.ts).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';

/** One opened live stream: elementary-stream chunks until it ends. */
export interface EsStream {
  codec: 'h264' | 'h265';
  /** Registers the sink; chunks that arrived before are flushed to it first. */
  pipe(sink: { write(chunk: Buffer): boolean; end(): void }): void;
  close(why: string): void;
}

/** Why a stream was not opened: 404 no such channel, 502 INVITE refused, 503 device offline or unreachable, 504 no answer. */
export class RelayError extends Error {
  constructor(readonly status: 404 | 502 | 503 | 504, message: string) {
    super(message);
  }
}

export type OpenStream = (channelId: string, abort: AbortSignal) => Promise<EsStream>;

export class EsRelay {
  private server: Server | undefined;
  private port = 0;
  private readonly token = randomBytes(16).toString('hex');
  readonly streams = new Set<EsStream>();

  constructor(private readonly open: OpenStream, private readonly log: Logger) {}

  async start(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: 0 }, resolve);
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  url(channelId: string): string {
    return `http://127.0.0.1:${this.port}/gb/${this.token}/${encodeURIComponent(channelId)}`;
  }

  async stop(): Promise<void> {
    for (const s of this.streams) s.close('gateway stopping');
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private authorised(token: string): boolean {
    const given = Buffer.from(token);
    const mine = Buffer.from(this.token);
    return given.length === mine.length && timingSafeEqual(given, mine);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const m = /^\/gb\/([0-9a-f]+)\/([^/?]+)$/.exec(req.url ?? '');
    if (req.method !== 'GET' || !m || !this.authorised(m[1]!)) {
      res.writeHead(404).end();
      return;
    }
    const channelId = decodeURIComponent(m[2]!);
    const abort = new AbortController();
    req.once('close', () => abort.abort());
    let stream: EsStream;
    try {
      stream = await this.open(channelId, abort.signal);
    } catch (err) {
      const status = err instanceof RelayError ? err.status : 500;
      const reason = err instanceof RelayError ? err.message.replace(/[^\x20-\x7e]/g, '?').slice(0, 200) : 'Internal Server Error';
      // A device's answer (or silence) is an expected outcome; anything else is a fault of ours.
      if (err instanceof RelayError) this.log.info({ channelId, status, reason }, 'GB28181 live stream not opened');
      else this.log.error({ channelId, err }, 'GB28181 live stream failed to open');
      if (!res.headersSent && !res.destroyed) res.writeHead(status, reason).end();
      return;
    }
    if (abort.signal.aborted) {
      stream.close('reader went away');
      return;
    }
    this.streams.add(stream);
    res.writeHead(200, { 'content-type': stream.codec === 'h265' ? 'video/h265' : 'video/h264', 'cache-control': 'no-store' });
    // Backpressure: a stalled ffmpeg must not grow our memory; drop the stream instead (ffmpeg restarts it).
    stream.pipe({
      write: (chunk) => {
        if (res.writableLength > 8 * 1024 * 1024) {
          stream.close('ffmpeg is not reading');
          res.destroy();
          return false;
        }
        return res.write(chunk);
      },
      end: () => res.end(),
    });
    req.once('close', () => {
      this.streams.delete(stream);
      stream.close('ingest stopped');
    });
  }
}
