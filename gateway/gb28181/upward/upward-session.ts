// One upward session (an upper platform's INVITE for one channel): from ACK
// on, every frame of its source (the channel's feed, or a device playback's
// frames: frame-source.ts) is muxed to PS, cut into RTP with the
// offered SSRC and sent. It starts at a keyframe, and after a frame it could
// not send (TCP not connected yet, its buffer full) it waits for the next
// keyframe, so the upper never gets a picture with a hole in its references.
import { PsMuxer, RtpPacketizer, type VideoCodec } from '../media/index.ts';
import type { FeedFrame } from './channel-feed.ts';
import type { FrameSource } from './frame-source.ts';
import type { RtpSender } from './rtp-sender.ts';

export interface SessionInfo {
  callId: string;
  upperId: string;
  channelId: string;
  ssrc: string;
}

export class UpwardSession {
  readonly startedAt = Date.now();
  sentFrames = 0;
  endedWhy: string | undefined;
  private started = false;
  private waitingForKey = true;
  private unsubscribe: (() => void) | undefined;
  private mux: PsMuxer | undefined;
  private readonly rtp: RtpPacketizer;

  /** `codec` undefined: the first frame's (a device playback's codec is known once it sends). */
  constructor(
    readonly info: SessionInfo,
    public codec: VideoCodec | undefined,
    private readonly feed: FrameSource,
    private readonly sender: RtpSender,
    private readonly d: { release: () => void; connectTimeoutMs: number; ended: (why: string) => void },
  ) {
    this.rtp = new RtpPacketizer({ ssrc: Number(info.ssrc) });
  }

  /** Our side of the transport, as the sessions list shows it. */
  get transport(): string {
    return this.sender.target.transport === 'udp' ? 'udp' : `tcp-${this.sender.target.setup}`;
  }

  get counts() {
    return this.sender.counts;
  }

  start(): void {
    if (this.started || this.endedWhy) return;
    this.started = true;
    // A TCP upper that connects after ACK starts with the feed's current GOP, not the next keyframe.
    this.sender.start(this.d.connectTimeoutMs, (why) => this.end(why), () => this.feed.currentGop().forEach((f) => this.frame(f)));
    this.unsubscribe = this.feed.subscribe({ frame: (f) => this.frame(f), ended: (why) => this.end(why) });
  }

  /** Stops sending and frees the port and the feed; `ended` is not called (the caller knows). */
  close(reason: string): void {
    if (this.endedWhy) return;
    this.endedWhy = reason;
    this.unsubscribe?.();
    this.sender.close();
    this.d.release();
  }

  private end(why: string): void {
    if (this.endedWhy) return;
    this.close(why);
    this.d.ended(why);
  }

  private frame(f: FeedFrame): void {
    if (this.endedWhy) return;
    this.codec ??= f.codec;
    if (f.codec !== this.codec) return this.end(`the channel's codec changed to ${f.codec}`);
    if (!this.sender.connected) {
      this.waitingForKey = true;
      return;
    }
    if (this.waitingForKey && !f.keyframe) return;
    this.mux ??= new PsMuxer({ video: this.codec });
    const ps = this.mux.videoFrame({ data: f.data, pts: f.pts90, ...(f.dts90 !== f.pts90 ? { dts: f.dts90 } : {}), keyframe: f.keyframe });
    const sent = this.sender.send(this.rtp.packets(ps, f.pts90));
    this.waitingForKey = !sent;
    if (sent) this.sentFrames++;
  }
}
