// Where an upward session's frames come from. A channel's running ingest
// (channel-feed.ts) is one source; frames pushed by someone else — a device
// playback relayed up to the upper platform that asked for it — are another.
// The session only subscribes and, when a TCP upper connects late, asks for
// the frames from the last keyframe on.
import type { VideoCodec } from '../media/index.ts';
import type { FeedFrame, FeedListener } from './channel-feed.ts';

export interface FrameSource {
  /** Adds a listener; it gets the frames kept so far at once, then every frame, and `ended` once. */
  subscribe(l: FeedListener): () => void;
  /** The frames from the last keyframe on. */
  currentGop(): FeedFrame[];
}

/** A frame as a device's PS gives it: PTS on the 90 kHz clock when the PES carried one. */
export interface PushedFrame {
  data: Buffer;
  codec: VideoCodec;
  pts?: number;
  keyframe: boolean;
}

const KEEP_BYTES = 16 * 1024 * 1024;
/** A frame without a PTS is put one 25 fps frame after the one before. */
const FRAME_90K = 3600;

/**
 * Frames pushed in by their producer. Until the first listener comes (the
 * upper's ACK follows our 200, and the device may already be sending), every
 * frame from the first keyframe on is kept, so the upper gets the recording
 * from its start; past 16 MB only the frames from the last keyframe on.
 */
export class PushedFrames implements FrameSource {
  endedWhy: string | undefined;
  private readonly listeners = new Set<FeedListener>();
  private kept: FeedFrame[] = [];
  private keptBytes = 0;
  private lastPts: number | undefined;
  private subscribed = false;

  push(f: PushedFrame): void {
    if (this.endedWhy) return;
    const pts = f.pts ?? (this.lastPts === undefined ? 0 : this.lastPts + FRAME_90K);
    this.lastPts = pts;
    const frame: FeedFrame = { codec: f.codec, data: f.data, keyframe: f.keyframe, dtsMs: pts / 90, ptsMs: pts / 90, dts90: pts, pts90: pts };
    this.keep(frame);
    for (const l of [...this.listeners]) l.frame(frame);
  }

  end(why: string): void {
    if (this.endedWhy) return;
    this.endedWhy = why;
    this.kept = [];
    for (const l of [...this.listeners]) l.ended(why);
    this.listeners.clear();
  }

  subscribe(l: FeedListener): () => void {
    if (this.endedWhy) {
      l.ended(this.endedWhy);
      return () => undefined;
    }
    this.subscribed = true;
    this.listeners.add(l);
    for (const f of this.kept) l.frame(f);
    return () => this.listeners.delete(l);
  }

  currentGop(): FeedFrame[] {
    return this.kept.slice(this.lastKeyframe());
  }

  private keep(frame: FeedFrame): void {
    const size = frame.data.length;
    if (frame.keyframe && (this.subscribed || this.keptBytes + size > KEEP_BYTES)) this.keepFrom(this.kept.length);
    else if (!frame.keyframe && this.keptBytes + size > KEEP_BYTES) this.keepFrom(this.lastKeyframe());
    if (!frame.keyframe && this.kept.length === 0) return; // nothing decodes before a keyframe
    if (this.keptBytes + size > KEEP_BYTES) return this.keepFrom(this.kept.length); // one GOP above the bound: from the next keyframe
    this.kept.push(frame);
    this.keptBytes += size;
  }

  private lastKeyframe(): number {
    let at = this.kept.length - 1;
    while (at > 0 && !this.kept[at]!.keyframe) at--;
    return Math.max(0, at);
  }

  /** Drops the kept frames before index `at`. */
  private keepFrom(at: number): void {
    this.kept = this.kept.slice(at);
    this.keptBytes = this.kept.reduce((sum, f) => sum + f.data.length, 0);
  }
}
