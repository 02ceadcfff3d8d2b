// One TCP connection to the simulator: answers RTSP requests for a publisher
// (ANNOUNCE, SETUP mode=record, RECORD) or a player (DESCRIBE, SETUP, PLAY),
// and hands interleaved media to the hub. Sessions live and die with the
// connection, since only TCP interleaved transport is offered.
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { DigestAuth } from './rtsp-auth.ts';
import { RtspReader, formatResponse, parseTcpTransport, type RtspRequest } from './rtsp-wire.ts';
import { findTrack, parseSdpTracks, urlPath, type SdpTrack } from './sdp-tracks.ts';

export interface PublishedStream {
  path: string;
  sdp: string;
  tracks: SdpTrack[];
  publisher: RtspConnection;
  players: Set<RtspConnection>;
  bytesIn: number;
  bytesOut: number;
}

/** What a connection needs from the server. */
export interface Hub {
  readonly auth: DigestAuth | undefined;
  readonly maxPlayerBuffer: number;
  find(path: string): PublishedStream | undefined;
  /** The stream whose path is the longest prefix of this one (a SETUP URL's path ends with the track). */
  findByPrefix(path: string): PublishedStream | undefined;
  publish(stream: PublishedStream): void;
  unpublish(conn: RtspConnection): void;
  relay(from: RtspConnection, channel: number, payload: Buffer): void;
  log(line: string): void;
}

type Reply = { status: number; headers?: Array<[string, string]>; body?: string };

const PUBLIC = 'OPTIONS, DESCRIBE, ANNOUNCE, SETUP, PLAY, PAUSE, RECORD, TEARDOWN, GET_PARAMETER, SET_PARAMETER';

export class RtspConnection {
  readonly id: string;
  private readonly reader = new RtspReader();
  private session: string | undefined;
  private announced: { path: string; sdp: string; tracks: SdpTrack[] } | undefined;
  /** Publisher: interleaved channel → track index and whether it carries RTCP. */
  readonly channels = new Map<number, { track: number; rtcp: boolean }>();
  recording: PublishedStream | undefined;
  /** Player: the stream it set up, and per track the channels to write to. */
  stream: PublishedStream | undefined;
  readonly outputs = new Map<number, { rtp: number; rtcp: number; waitKey: boolean }>();
  playing = false;
  private closed = false;
  private corked = false;

  constructor(readonly socket: Socket, private readonly hub: Hub) {
    this.id = `${socket.remoteAddress}:${socket.remotePort}`;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => hub.log(`[rtsp ${this.id}] socket error: ${err.message}`));
    socket.on('close', () => this.detach());
  }

  /** Writes to the peer; a player that cannot keep up is cut off instead of buffered without end. */
  send(data: Buffer): void {
    if (this.closed) return;
    if (!this.corked) {
      // One TCP read from a publisher holds many packets: batch their writes into one syscall per reader.
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(data);
    if (this.socket.writableLength > this.hub.maxPlayerBuffer) {
      this.close(`slow reader: ${this.socket.writableLength} bytes unsent`, true);
    }
  }

  close(reason: string, hard = false): void {
    if (this.closed) return;
    this.hub.log(`[rtsp ${this.id}] closing: ${reason}`);
    this.detach();
    if (hard) {
      this.socket.destroy();
      return;
    }
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 2000).unref(); // a peer that never reads must not hold the fd
  }

  private detach(): void {
    if (this.closed) return;
    this.closed = true;
    this.stream?.players.delete(this);
    this.hub.unpublish(this);
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    for (const event of this.reader.push(chunk)) {
      if (event.kind === 'interleaved') {
        this.hub.relay(this, event.channel, event.payload);
      } else if (event.kind === 'malformed') {
        this.hub.log(`[rtsp ${this.id}] 400: ${event.reason}`);
        this.socket.write(formatResponse(400, event.cseq));
        if (event.fatal) this.close('unparseable input');
      } else if (event.kind === 'request') {
        const { request } = event;
        let reply: Reply;
        try {
          reply = this.handle(request);
        } catch (err) {
          // A bug in a handler answers 500 for that request; the server keeps running.
          this.hub.log(`[rtsp ${this.id}] ${request.method} failed: ${(err as Error).stack ?? String(err)}`);
          reply = { status: 500 };
        }
        const headers = [...(reply.headers ?? [])];
        if (this.session && reply.status < 400) headers.push(['Session', `${this.session};timeout=60`]);
        this.socket.write(formatResponse(reply.status, request.headers.get('cseq'), headers, reply.body));
        if (request.method === 'TEARDOWN') this.teardown();
      }
    }
  }

  private handle(req: RtspRequest): Reply {
    const given = req.headers.get('session')?.split(';')[0]?.trim();
    if (given !== undefined && req.method !== 'OPTIONS' && given !== this.session) return { status: 454 };
    switch (req.method) {
      case 'OPTIONS':
        return { status: 200, headers: [['Public', PUBLIC]] };
      case 'GET_PARAMETER':
      case 'SET_PARAMETER':
        return { status: 200 };
      case 'ANNOUNCE':
        return this.announce(req);
      case 'RECORD':
        return this.record();
      case 'DESCRIBE':
        return this.describe(req);
      case 'SETUP':
        return this.setup(req);
      case 'PLAY':
        return this.play(req);
      case 'PAUSE':
        this.playing = false;
        return { status: 200 };
      case 'TEARDOWN':
        return { status: 200 };
      default:
        return { status: 501 };
    }
  }

  private authorized(req: RtspRequest): boolean {
    return !this.hub.auth || this.hub.auth.verify(req.method, req.headers.get('authorization'));
  }

  private unauthorized(): Reply {
    return { status: 401, headers: this.hub.auth?.challenge() ?? [] };
  }

  private announce(req: RtspRequest): Reply {
    const path = urlPath(req.uri);
    const sdp = req.body.toString('utf8');
    if (!path || !sdp.startsWith('v=0')) return { status: 400 };
    if (this.recording) return { status: 455 };
    this.announced = { path, sdp, tracks: parseSdpTracks(sdp) };
    this.channels.clear();
    return { status: 200 };
  }

  private record(): Reply {
    if (this.recording) return { status: 200 };
    if (!this.announced || this.channels.size === 0) return { status: 455 };
    const { path, sdp, tracks } = this.announced;
    this.recording = { path, sdp, tracks, publisher: this, players: new Set(), bytesIn: 0, bytesOut: 0 };
    this.hub.publish(this.recording);
    return { status: 200 };
  }

  private describe(req: RtspRequest): Reply {
    if (!this.authorized(req)) return this.unauthorized();
    const path = urlPath(req.uri);
    const stream = path === undefined ? undefined : this.hub.find(path);
    if (!stream) return { status: 404 };
    // Controls resolve against Content-Base; a query (…/realmonitor?channel=1) is not part of it.
    const base = (req.uri.split('?')[0] ?? '').replace(/\/+$/, '') + '/';
    return {
      status: 200,
      headers: [['Content-Base', base], ['Content-Type', 'application/sdp']],
      body: stream.sdp,
    };
  }

  private setup(req: RtspRequest): Reply {
    const transport = parseTcpTransport(req.headers.get('transport'));
    if (!transport) return { status: 461 };
    const { record } = transport;
    if (record && (!this.announced || this.recording)) return { status: 455 };
    if (!record && !this.authorized(req)) return this.unauthorized();
    const stream = record ? undefined : (this.stream ?? this.hub.findByPrefix(urlPath(req.uri) ?? ''));
    const source = record ? this.announced : stream;
    const track = source && findTrack(source.tracks, source.path, req.uri);
    if (track === undefined) return { status: 404 };
    // Without an interleaved= parameter, track n gets channels 2n and 2n+1.
    const rtp = transport.rtp ?? 2 * track;
    const rtcp = transport.rtcp ?? rtp + 1;
    if (rtp > 255 || rtcp > 255) return { status: 400 };
    if (stream) {
      this.stream = stream;
      this.outputs.set(track, { rtp, rtcp, waitKey: true });
      stream.players.add(this);
    } else {
      this.channels.set(rtp, { track, rtcp: false });
      this.channels.set(rtcp, { track, rtcp: true });
    }
    this.session ??= randomBytes(8).toString('hex');
    const mode = record ? ';mode=record' : '';
    return { status: 200, headers: [['Transport', `RTP/AVP/TCP;unicast;interleaved=${rtp}-${rtcp}${mode}`]] };
  }

  private play(req: RtspRequest): Reply {
    if (!this.authorized(req)) return this.unauthorized();
    if (!this.stream || this.outputs.size === 0) return { status: 455 };
    for (const out of this.outputs.values()) out.waitKey = true;
    this.playing = true;
    return { status: 200, headers: [['Range', 'npt=0.000-']] };
  }

  private teardown(): void {
    this.playing = false;
    this.outputs.clear();
    this.stream?.players.delete(this);
    this.stream = undefined;
    this.hub.unpublish(this);
    this.recording = undefined;
    this.announced = undefined;
    this.channels.clear();
    this.session = undefined;
  }
}
