// The simulated cameras' RTP senders: every live stream replays the clip's
// access units as MPEG-PS over RTP (UDP, or TCP with RFC 4571 framing), all
// paced by one shared 25 fps timer so many streams cost one timer. A device
// can also send what some real ones send instead of PS: MPEG-TS, or raw
// Annex-B H.264 on payload type 98.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { frameRfc4571, packetizeRtp, PsMuxer } from '../../../gateway/gb28181/media/index.ts';
import { clipAccessUnits, clipTransportStream, GB_CLIP_FPS } from './clip.ts';

export type MediaFormat = 'ps' | 'mpegts' | 'annexb';

/** Seven TS packets per RTP packet, as TS-over-RTP senders do. */
const TS_PER_RTP = 7 * 188;

export interface StreamTarget {
  transport: 'udp' | 'tcp';
  address: string;
  port: number;
  ssrc: number;
  clip: string;
  /** Address the UDP socket sends from (the device's). */
  bindHost: string;
  /** Default ps. */
  format?: MediaFormat;
  /** A playback or download of a recording: its length in frames, speed, pause, end-of-file callback. */
  history?: HistoryPlay;
}

export interface HistoryPlay {
  endFrame: number;
  scale: number;
  paused: boolean;
  credit: number;
  ended: boolean;
  onEndOfFile(): void;
}

export class RtpStream {
  private seq = Math.floor(Math.random() * 60000);
  private index = 0;
  private readonly muxer = new PsMuxer({ video: 'h264' });
  private udp: UdpSocket | undefined;
  private tcp: Socket | undefined;
  sentPackets = 0;
  closed = false;

  constructor(readonly target: StreamTarget, private readonly onEnd: (why: string) => void) {}

  async open(): Promise<void> {
    const t = this.target;
    if (t.transport === 'udp') {
      const socket = createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(0, t.bindHost, () => resolve());
      });
      socket.on('error', (err) => this.end(`udp error: ${err.message}`));
      this.udp = socket;
      return;
    }
    const socket = connect({ host: t.address, port: t.port, localAddress: t.bindHost });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.setNoDelay(true);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.end('the platform closed the media connection'));
    this.tcp = socket;
  }

  /** Sends the next frame(s) of the clip (called by the pacer). */
  tick(): void {
    if (this.closed) return;
    const h = this.target.history;
    if (!h) return this.sendFrame();
    if (h.paused || h.ended) return;
    // Scale 4 sends four frames a tick, 0.5 one every other tick: PTS follow the recording, not the clock.
    h.credit += h.scale;
    while (h.credit >= 1 && !this.closed && !h.ended) {
      h.credit--;
      this.sendFrame();
      if (this.index >= h.endFrame) {
        h.ended = true;
        h.onEndOfFile();
      }
    }
  }

  /** Playback: the next frame is `seconds` into the range (whole seconds, so a keyframe of the 1 s GOP clip). */
  seek(seconds: number): void {
    this.index = Math.floor(seconds) * GB_CLIP_FPS;
    if (this.target.history) this.target.history.ended = this.index >= this.target.history.endFrame;
  }

  private sendFrame(): void {
    const units = clipAccessUnits(this.target.clip);
    const unit = units[this.index % units.length]!;
    const pts = this.index * (90000 / GB_CLIP_FPS);
    const frame = this.index++;
    const format = this.target.format ?? 'ps';
    const packets = format === 'ps'
      ? packetizeRtp(this.muxer.videoFrame({ data: unit.data, pts, keyframe: unit.keyframe }), { ssrc: this.target.ssrc, seqStart: this.seq, timestamp: pts })
      : format === 'annexb'
        ? packetizeRtp(unit.data, { ssrc: this.target.ssrc, seqStart: this.seq, timestamp: pts, pt: 98 })
        : packetizeRtp(this.transportStreamSlice(frame, units.length), { ssrc: this.target.ssrc, seqStart: this.seq, timestamp: pts, mtu: TS_PER_RTP + 12 });
    this.seq = (this.seq + packets.length) & 0xffff;
    for (const p of packets) {
      if (this.udp) this.udp.send(p, this.target.port, this.target.address);
      else this.tcp?.write(frameRfc4571(p));
    }
    this.sentPackets += packets.length;
  }

  /** The clip as MPEG-TS, cut in equal whole-packet slices, one per frame time. */
  private transportStreamSlice(frame: number, frames: number): Buffer {
    const ts = clipTransportStream(this.target.clip);
    const slice = Math.ceil(ts.length / 188 / frames) * 188;
    const at = (frame % frames) * slice;
    return ts.subarray(at, Math.min(ts.length, at + slice));
  }

  end(why: string): void {
    if (this.closed) return;
    this.closed = true;
    this.udp?.close();
    this.tcp?.destroy();
    this.onEnd(why);
  }
}

/** One timer for all streams of a host. */
export class Pacer {
  private readonly streams = new Set<RtpStream>();
  private timer: NodeJS.Timeout | undefined;

  add(stream: RtpStream): void {
    this.streams.add(stream);
    this.timer ??= setInterval(() => {
      for (const s of this.streams) s.tick();
    }, 1000 / GB_CLIP_FPS);
  }

  remove(stream: RtpStream): void {
    this.streams.delete(stream);
    if (this.streams.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  get size(): number {
    return this.streams.size;
  }
}
