// A minimal RTSP server (built-ins only) that stands in for IP cameras in
// tests, the benchmark and the demo: ffmpeg publishes a clip into a path with
// ANNOUNCE/RECORD, and readers DESCRIBE/SETUP/PLAY it over TCP interleaved
// RTP. Test controls simulate the field's failures: a stalled camera that
// keeps its session open (pause), dropped readers, a publisher that dies.
import { createServer, type Server, type Socket } from 'node:net';
import { DigestAuth, type Credentials } from './rtsp-auth.ts';
import { RtspConnection, type Hub, type PublishedStream } from './rtsp-session.ts';
import { frameInterleaved } from './rtsp-wire.ts';
import { startsKeyframe } from './sdp-tracks.ts';

export interface RtspServerOptions {
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** When set, DESCRIBE/SETUP/PLAY need them (Digest or Basic); publishing never does. */
  credentials?: Credentials;
  /** Bytes a reader may leave unread before it is disconnected; default 4 MiB. */
  maxPlayerBuffer?: number;
  log?: (line: string) => void;
}

export interface RtspServerStats {
  /** Paths with a live publisher. */
  publishers: string[];
  /** Playing sessions per path. */
  players: Record<string, number>;
  /** Interleaved bytes received from publishers and written to players. */
  bytesReceived: number;
  bytesRelayed: number;
  connections: number;
}

export class RtspServer {
  private readonly server: Server;
  private readonly streams = new Map<string, PublishedStream>();
  private readonly connections = new Set<RtspConnection>();
  private readonly paused = new Set<string>();
  private readonly resumeSent = new Map<string, number>();
  private readonly hub: Hub;
  private readonly host: string;
  private port: number;
  private bytesReceived = 0;
  private bytesRelayed = 0;

  constructor(private readonly opts: RtspServerOptions = {}) {
    this.host = opts.host ?? '127.0.0.1';
    this.port = opts.port ?? 0;
    const log = opts.log ?? (() => undefined);
    this.hub = {
      auth: opts.credentials ? new DigestAuth(opts.credentials) : undefined,
      maxPlayerBuffer: opts.maxPlayerBuffer ?? 4 * 1024 * 1024,
      log,
      find: (path) => this.streams.get(path),
      findByPrefix: (path) => {
        const parts = path.split('/');
        for (let n = parts.length; n > 0; n--) {
          const stream = this.streams.get(parts.slice(0, n).join('/'));
          if (stream) return stream;
        }
        return undefined;
      },
      publish: (stream) => this.publish(stream),
      unpublish: (conn) => this.unpublish(conn),
      relay: (from, channel, payload) => this.relay(from, channel, payload),
    };
    this.server = createServer((socket: Socket) => {
      const conn = new RtspConnection(socket, this.hub);
      this.connections.add(conn);
      socket.on('close', () => this.connections.delete(conn));
    });
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, this.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('RTSP server has no TCP address');
    this.port = address.port;
    return this.port;
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const conn of this.connections) conn.socket.destroy();
    this.streams.clear();
    await closed;
  }

  /** rtsp://[user:pass@]host:port/path; `creds` adds the configured credentials. */
  url(path: string, creds = false): string {
    const host = this.host === '0.0.0.0' || this.host === '::' ? '127.0.0.1' : this.host;
    const c = this.opts.credentials;
    const auth = creds && c ? `${encodeURIComponent(c.username)}:${encodeURIComponent(c.password)}@` : '';
    const hostPart = host.includes(':') ? `[${host}]` : host;
    return `rtsp://${auth}${hostPart}:${this.port}/${path.replace(/^\/+/, '')}`;
  }

  /** The SDP of the stream published on a path, if any. */
  sdp(path: string): string | undefined {
    return this.streams.get(path)?.sdp;
  }

  /** Stops forwarding media to the path's players; their sessions stay open, like a stalled camera. */
  pause(path: string): void {
    this.paused.add(path);
  }

  /** When the first keyframe after the last resume() went out to a player (for latency measurements). */
  resumedAt(path: string): number | undefined {
    return this.resumeSent.get(path);
  }

  /** Forwards again, from the next keyframe, so decoders restart cleanly. */
  resume(path: string): void {
    this.paused.delete(path);
    this.resumeSent.delete(path);
    for (const player of this.streams.get(path)?.players ?? []) {
      for (const out of player.outputs.values()) out.waitKey = true;
    }
  }

  /** Disconnects every player of a path; returns how many. */
  dropPlayers(path: string): number {
    const players = [...(this.streams.get(path)?.players ?? [])];
    for (const player of players) player.close('dropped by test', true);
    return players.length;
  }

  stats(): RtspServerStats {
    const players: Record<string, number> = {};
    for (const [path, stream] of this.streams) {
      players[path] = [...stream.players].filter((p) => p.playing).length;
    }
    return {
      publishers: [...this.streams.keys()],
      players,
      bytesReceived: this.bytesReceived,
      bytesRelayed: this.bytesRelayed,
      connections: this.connections.size,
    };
  }

  private publish(stream: PublishedStream): void {
    const previous = this.streams.get(stream.path);
    this.streams.set(stream.path, stream);
    if (previous && previous.publisher !== stream.publisher) {
      // The newer publisher wins; readers of the old one must DESCRIBE again to get its SDP.
      this.endPlayers(previous, 'publisher replaced');
      previous.publisher.close('replaced by a newer publisher');
    }
  }

  private unpublish(conn: RtspConnection): void {
    const stream = conn.recording;
    if (!stream || this.streams.get(stream.path) !== stream) return;
    this.streams.delete(stream.path);
    this.endPlayers(stream, 'publisher gone');
  }

  private endPlayers(stream: PublishedStream, reason: string): void {
    for (const player of [...stream.players]) player.close(reason);
    stream.players.clear();
  }

  private relay(from: RtspConnection, channel: number, payload: Buffer): void {
    const stream = from.recording;
    const map = from.channels.get(channel);
    if (!stream || !map || this.streams.get(stream.path) !== stream) return; // RTCP from players, stale publishers
    stream.bytesIn += payload.length;
    this.bytesReceived += payload.length;
    if (this.paused.has(stream.path)) return;
    const codec = stream.tracks[map.track]?.codec ?? '';
    let key: boolean | undefined;
    for (const player of stream.players) {
      const out = player.outputs.get(map.track);
      if (!player.playing || !out) continue;
      if (out.waitKey) {
        if (map.rtcp) continue;
        key ??= startsKeyframe(codec, payload);
        if (!key) continue;
        out.waitKey = false;
        if (!this.resumeSent.has(stream.path)) this.resumeSent.set(stream.path, Date.now());
      }
      player.send(frameInterleaved(map.rtcp ? out.rtcp : out.rtp, payload));
      stream.bytesOut += payload.length + 4;
      this.bytesRelayed += payload.length + 4;
    }
  }
}
