// RTP packets of one session → elementary-stream bytes for ffmpeg: back in
// sequence order, PS demuxed, video access units out from the first keyframe
// on (a decoder cannot start elsewhere), dropped up to the next keyframe after
// a loss so ffmpeg never sees a damaged picture.
import { PsDemuxer, RtpReorderBuffer, type AccessUnit, type RtpPacket, type StreamFormat } from '../media/index.ts';
import type { VideoCodec } from '../media/index.ts';

export interface PipelineCounts {
  frames: number;
  keyframes: number;
  /** Frames thrown away while waiting for a keyframe (start, after loss). */
  skipped: number;
  lost: number;
  reordered: number;
}

export class EsPipeline {
  readonly counts: PipelineCounts = { frames: 0, keyframes: 0, skipped: 0, lost: 0, reordered: 0 };
  codec: VideoCodec | undefined;
  private readonly reorder: RtpReorderBuffer<RtpPacket>;
  private readonly demux: PsDemuxer;
  private prevSeq: number | undefined;
  private waitingForKey = true;
  private timer: NodeJS.Timeout;

  constructor(window: number, private readonly onFrame: (data: Buffer, codec: VideoCodec, pts: number | undefined, keyframe: boolean) => void, onFormat: (format: StreamFormat, why: string) => void) {
    this.reorder = new RtpReorderBuffer<RtpPacket>({ maxPackets: window });
    this.demux = new PsDemuxer({ onFormat });
    // Gaps that never fill are declared lost on a timer, not only when the next packet comes.
    this.timer = setInterval(() => this.deliver(this.reorder.poll()), 50);
    this.timer.unref();
  }

  get format(): StreamFormat {
    return this.demux.format;
  }

  get demuxStats() {
    return this.demux.stats;
  }

  push(packet: RtpPacket): void {
    this.deliver(this.reorder.push(packet));
  }

  close(): void {
    clearInterval(this.timer);
  }

  private deliver(packets: RtpPacket[]): void {
    for (const p of packets) {
      if (this.prevSeq !== undefined && p.seq !== ((this.prevSeq + 1) & 0xffff)) {
        this.counts.lost += (p.seq - this.prevSeq - 1 + 0x10000) & 0xffff;
        this.demux.discontinuity();
        this.waitingForKey = true;
      }
      this.prevSeq = p.seq;
      this.units(this.demux.push(p.payload));
      if (p.marker) this.units(this.demux.flush());
    }
    this.counts.reordered = this.reorder.stats.reordered;
  }

  private units(units: AccessUnit[]): void {
    for (const u of units) {
      if (u.kind !== 'video') continue; // audio is dropped from all outputs, as for RTSP channels
      if (this.waitingForKey && !u.keyframe) {
        this.counts.skipped++;
        continue;
      }
      this.waitingForKey = false;
      this.codec ??= u.codec;
      this.counts.frames++;
      if (u.keyframe) this.counts.keyframes++;
      this.onFrame(u.data, u.codec, u.pts, u.keyframe);
    }
  }
}
