// One channel's video for upward sessions, taken from what already runs: the
// channel's ingest publishes its (copied, or once transcoded) stream to our
// node-media-server as internal/<channel>; we read that back over loopback
// HTTP-FLV and unpack it to Annex-B access units. No camera connection, no
// encode. One feed per channel, shared by all its upward sessions; it keeps
// the channel wanted as a viewer does (touch), so an on-demand channel starts
// and, once the last session is gone, stops after the usual idle time.
// In a cluster a channel whose ingest runs on another node is read from that
// node's live.flv instead (`owners`), which keeps it wanted there.
import { get, type ClientRequest, type IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { GwError } from '../../../device-registry/errors.ts';
import { safeName } from '../../video/channel-spec.ts';
import { FlvTagReader } from './flv-tags.ts';
import { FlvVideoUnpacker, type EsFrame } from './flv-video.ts';

/** The low-latency server's side the feed reads (gateway/video/live LiveServer). */
export interface LiveFlv {
  flvUrl(app: string, name: string): string;
  isPublishing(app: string, name: string): boolean;
}

/** The video manager's side: ask for the channel as a viewer does, and read why it does not run. */
export interface ChannelVideo {
  touch(channelId: string): Promise<void>;
  status(channelId: string): { state: string; reason?: string; running?: boolean; retryAt?: unknown } | undefined;
}

/** The channel's FLV on the node of the cluster that runs it, when that is another node. */
export interface OwnerFlv {
  nodeId: string;
  /** Starts the GET of the channel's live.flv there (while it is read, the owner keeps the channel wanted). */
  open(): ClientRequest;
  /** Asks for the channel there as a viewer does (an on-demand channel keeps running). */
  touch(): Promise<void>;
}

/**
 * Cluster: where a channel's FLV is read when it runs on another node
 * (gateway/cluster/media/owner-flv.ts); undefined when it runs here, or
 * rests (the local checks say why); throws when no node runs it right now.
 */
export type FlvOwners = (channelId: string) => Promise<OwnerFlv | undefined>;

export interface FeedTiming {
  /** How long the ingest may take to publish and send a keyframe (then 503). */
  startTimeoutMs: number;
  /** How often the channel is asked for again while sessions use it (below the video idle time). */
  touchEveryMs: number;
  /** No frame for this long ends the feed (the ingest stopped or hangs). */
  stallMs: number;
}

/** A frame on the feed's own 90 kHz clock: continuous across ingest restarts, starting at 1 s. */
export interface FeedFrame extends EsFrame {
  dts90: number;
  pts90: number;
}

export interface FeedListener {
  frame(f: FeedFrame): void;
  ended(reason: string): void;
}

const APP = 'internal';
const POLL_MS = 250;
/** The owner answers 503 while an on-demand channel starts: asked again after this pause, until the start timeout. */
const OWNER_RETRY_MS = 1000;
const GOP_CACHE_BYTES = 16 * 1024 * 1024;
/** A decode-time step outside [-1 s, +10 s] is a new timeline (the ingest restarted); frames continue 40 ms on. */
const JUMP_BACK_MS = 1000;
const JUMP_AHEAD_MS = 10_000;

export class ChannelFeed {
  readonly ready: Promise<void>;
  endedWhy: string | undefined;
  private readonly listeners = new Set<FeedListener>();
  private readonly unpacker = new FlvVideoUnpacker();
  /** Frames from the last keyframe on, given at once to a session that joins. */
  private gop: FeedFrame[] = [];
  private gopBytes = 0;
  private request: ClientRequest | undefined;
  private touchTimer: NodeJS.Timeout | undefined;
  private stallTimer: NodeJS.Timeout | undefined;
  private startTimer: NodeJS.Timeout | undefined;
  private offsetMs = 0;
  private lastDtsMs: number | undefined;
  private readyOk!: () => void;
  private readyFail!: (err: GwError) => void;
  private readonly name: string;
  /** Set when the channel runs on another node of the cluster. */
  private owner: OwnerFlv | undefined;
  /** The owner's last refusal while the channel starts there (for the start timeout's reason). */
  private ownerSaid: string | undefined;

  constructor(
    readonly channelId: string,
    private readonly d: { live: LiveFlv | undefined; video: ChannelVideo; timing: FeedTiming; log: Logger; owners?: FlvOwners },
  ) {
    this.name = safeName(channelId);
    this.ready = new Promise((resolve, reject) => {
      this.readyOk = resolve;
      this.readyFail = reject;
    });
    this.ready.catch(() => undefined); // the opener awaits it; a feed nobody awaits must not crash the process
    void this.start();
  }

  /** The codec of the frames flowing now (known once ready). */
  get codec() {
    return this.gop[0]?.codec ?? this.unpacker.codec;
  }

  /** Adds a session's listener; it gets the current GOP at once, then every frame. */
  subscribe(l: FeedListener): () => void {
    if (this.endedWhy) {
      l.ended(this.endedWhy);
      return () => undefined;
    }
    this.listeners.add(l);
    for (const f of this.gop) l.frame(f);
    return () => this.listeners.delete(l);
  }

  /** The frames from the last keyframe on (what a session that can send only now starts with). */
  currentGop(): FeedFrame[] {
    return [...this.gop];
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  close(reason: string): void {
    if (this.endedWhy) return;
    this.endedWhy = reason;
    clearInterval(this.touchTimer);
    clearTimeout(this.stallTimer);
    clearTimeout(this.startTimer);
    this.request?.destroy();
    this.gop = [];
    this.readyFail(new GwError('GW_ERR_UNAVAILABLE', `channel '${this.channelId}' has no video: ${reason}`, 'channelId'));
    for (const l of [...this.listeners]) l.ended(reason);
    this.listeners.clear();
  }

  private async start(): Promise<void> {
    let owner: OwnerFlv | undefined;
    try {
      owner = await this.d.owners?.(this.channelId);
    } catch (err) {
      return this.close((err as Error).message);
    }
    if (owner) return this.startFrom(owner);
    const live = this.d.live;
    if (!live) return this.close('the low-latency FLV server is off (video.rtmp.enabled)');
    const t = this.d.timing;
    this.touchTimer = setInterval(() => void this.touch(), t.touchEveryMs);
    this.touchTimer.unref();
    const deadline = Date.now() + t.startTimeoutMs;
    this.startTimer = setTimeout(() => this.close(`no video within ${Math.round(t.startTimeoutMs / 1000)} s${this.because()}`), t.startTimeoutMs);
    this.startTimer.unref();
    if (!(await this.touch())) return;
    const resting = this.resting();
    if (resting) return this.close(resting);
    while (!live.isPublishing(APP, this.name)) {
      if (this.endedWhy) return;
      if (Date.now() > deadline) return; // the start timer says why
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    if (!this.endedWhy) this.read(() => get(live.flvUrl(APP, this.name)));
  }

  /** The channel runs on another node: its live.flv there (which starts it and keeps it wanted), touched as here. */
  private startFrom(owner: OwnerFlv): void {
    this.owner = owner;
    const t = this.d.timing;
    this.touchTimer = setInterval(() => {
      owner.touch().catch((err: Error) => this.d.log.debug({ channelId: this.channelId, nodeId: owner.nodeId, err: err.message }, 'upward feed: touch on the owner node failed'));
    }, t.touchEveryMs);
    this.touchTimer.unref();
    this.startTimer = setTimeout(() => {
      this.close(`no video from node '${owner.nodeId}' within ${Math.round(t.startTimeoutMs / 1000)} s${this.ownerSaid ? ` (${this.ownerSaid})` : ''}`);
    }, t.startTimeoutMs);
    this.startTimer.unref();
    this.read(() => owner.open(), Date.now() + t.startTimeoutMs);
  }

  private async touch(): Promise<boolean> {
    try {
      await this.d.video.touch(this.channelId);
      return true;
    } catch (err) {
      this.d.log.warn({ channelId: this.channelId, err: (err as Error).message }, 'upward feed: the channel could not be asked for');
      this.close(`the channel could not be started: ${(err as Error).message}`);
      return false;
    }
  }

  /** Why the channel does not run here and will not by itself (disabled, no push, another node, device offline …). */
  private resting(): string | undefined {
    const s = this.d.video.status(this.channelId);
    if (!s) return 'the channel is not known to the video room';
    const rests = s.state === 'idle' || (s.state === 'offline' && !s.running && s.retryAt === undefined);
    return rests ? `the channel does not run (${s.reason ?? s.state})` : undefined;
  }

  private because(): string {
    const s = this.d.video.status(this.channelId);
    return s?.reason ? ` (${s.state}: ${s.reason})` : s ? ` (${s.state})` : '';
  }

  /** Reads the FLV `open` requests; an owner node's 503 (the channel starting there) is asked again until `retryUntil`. */
  private read(open: () => ClientRequest, retryUntil = 0): void {
    const reader = new FlvTagReader();
    const server = this.owner ? `node '${this.owner.nodeId}'` : 'the FLV server';
    this.request = open();
    this.request.on('response', (res: IncomingMessage) => {
      if (res.statusCode !== 200) {
        if (!this.owner) {
          res.resume();
          return this.close(`the FLV server answered ${res.statusCode}`);
        }
        return void refusal(res).then((why) => {
          this.ownerSaid = `${server} answered ${res.statusCode}${why ? `: ${why}` : ''}`;
          if (res.statusCode !== 503 || Date.now() + OWNER_RETRY_MS > retryUntil) return this.close(this.ownerSaid);
          setTimeout(() => this.endedWhy || this.read(open, retryUntil), OWNER_RETRY_MS).unref();
        });
      }
      res.on('data', (chunk: Buffer) => {
        try {
          for (const tag of reader.push(chunk)) if (tag.type === 9) this.tag(tag.data, tag.timestamp);
        } catch (err) {
          this.close(`unreadable FLV from the ingest: ${(err as Error).message}`);
        }
      });
      res.on('end', () => this.close('the ingest stopped'));
      res.on('error', () => this.close('the ingest stopped'));
    });
    this.request.on('error', (err) => this.close(`${server} cannot be read: ${err.message}`));
  }

  private tag(data: Buffer, timestamp: number): void {
    const es = this.unpacker.push(data, timestamp);
    if (!es) return;
    const frame = this.stamp(es);
    if (frame.keyframe) {
      this.gop = [];
      this.gopBytes = 0;
    } else if (this.gop.length === 0) {
      return; // no session can start before the first keyframe
    }
    if (this.gopBytes + frame.data.length <= GOP_CACHE_BYTES) {
      this.gop.push(frame);
      this.gopBytes += frame.data.length;
    }
    if (frame.keyframe && this.startTimer) {
      clearTimeout(this.startTimer);
      this.startTimer = undefined;
      this.readyOk();
    }
    this.armStall();
    for (const l of [...this.listeners]) l.frame(frame);
  }

  /** The feed's clock: FLV milliseconds made continuous, in 90 kHz. */
  private stamp(es: EsFrame): FeedFrame {
    let dts = es.dtsMs + this.offsetMs;
    if (this.lastDtsMs !== undefined && (dts < this.lastDtsMs - JUMP_BACK_MS || dts > this.lastDtsMs + JUMP_AHEAD_MS)) {
      this.offsetMs = this.lastDtsMs + 40 - es.dtsMs;
      dts = es.dtsMs + this.offsetMs;
    }
    this.lastDtsMs = Math.max(dts, this.lastDtsMs ?? dts);
    const pts = dts + (es.ptsMs - es.dtsMs);
    return { ...es, dts90: 90_000 + dts * 90, pts90: 90_000 + pts * 90 };
  }

  private armStall(): void {
    clearTimeout(this.stallTimer);
    this.stallTimer = setTimeout(() => {
      if (this.owner) return this.close(`no video from node '${this.owner.nodeId}' for ${Math.round(this.d.timing.stallMs / 1000)} s`);
      const publishing = this.d.live?.isPublishing(APP, this.name);
      this.close(publishing ? `no video from the ingest for ${Math.round(this.d.timing.stallMs / 1000)} s` : `the ingest stopped${this.because()}`);
    }, this.d.timing.stallMs);
    this.stallTimer.unref();
  }
}

/** The message of an error answer (our JSON error body), at most 2 kB read. */
function refusal(res: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      if (body.length < 2048) body += chunk;
    });
    res.on('end', () => {
      try {
        resolve((JSON.parse(body) as { message?: string }).message);
      } catch {
        resolve(undefined); // not our JSON: the status says enough
      }
    });
    res.on('error', () => resolve(undefined));
  });
}
