// Audio elementary streams out of PES packets. AAC (ADTS) is cut into its
// frames, which may straddle PES packets; G.711 and unknown codecs come out
// one unit per PES packet. Without a stream map, ADTS sync words mean AAC.
import { ByteQueue } from './byte-queue.ts';
import { PesTimestamps } from './timestamps.ts';

export type AudioCodec = 'aac' | 'g711a' | 'g711u' | 'unknown';

export interface AudioAccessUnit {
  kind: 'audio';
  codec: AudioCodec;
  /** 90 kHz. For AAC frames after the first in a PES packet, extrapolated from the sample rate. */
  pts?: number;
  data: Buffer;
}

const ADTS_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];
const ADTS_HEADER = 7;

const isAdtsSync = (a: number, b: number) => a === 0xff && (b & 0xf6) === 0xf0;

export class AudioAssembler {
  codec: AudioCodec | undefined;
  droppedBytes = 0;
  private readonly queue = new ByteQueue(8 * 1024);
  private readonly stamps = new PesTimestamps();
  private readonly maxBytes: number;
  private base = 0;
  private pesPts: number | undefined;
  private lastPts: number | undefined;

  constructor(options: { codec?: AudioCodec; maxBytes?: number } = {}) {
    this.codec = options.codec;
    this.maxBytes = options.maxBytes ?? 256 * 1024;
  }

  /** The bytes pushed next start a PES packet with this PTS. */
  mark(pts?: number): void {
    this.pesPts = pts;
    this.stamps.mark(this.base + this.queue.length, pts);
  }

  push(chunk: Buffer): AudioAccessUnit[] {
    if (this.codec === undefined && chunk.length >= 2) this.codec = isAdtsSync(chunk[0]!, chunk[1]!) ? 'aac' : 'unknown';
    this.queue.append(chunk);
    const out = this.codec === 'aac' ? this.adtsFrames() : [];
    if (this.queue.length > this.maxBytes) this.drop(this.queue.length);
    return out;
  }

  /** End of a PES packet: non-AAC audio is emitted per packet. */
  endPes(): AudioAccessUnit[] {
    if (this.codec === 'aac' || this.queue.length === 0) return [];
    const unit: AudioAccessUnit = { kind: 'audio', codec: this.codec ?? 'unknown', data: this.queue.copy() };
    if (this.pesPts !== undefined) unit.pts = this.pesPts;
    this.base += this.queue.length;
    this.queue.clear();
    this.stamps.prune(this.base);
    return [unit];
  }

  /** Forgets partial data (known loss). */
  abort(): void {
    this.drop(this.queue.length);
  }

  private drop(n: number): void {
    this.droppedBytes += n;
    this.queue.consume(n);
    this.base += n;
    this.stamps.prune(this.base);
  }

  private adtsFrames(): AudioAccessUnit[] {
    const out: AudioAccessUnit[] = [];
    const q = this.queue;
    while (q.length >= ADTS_HEADER) {
      if (!isAdtsSync(q.at(0), q.at(1))) {
        let i = 1;
        while (i + 1 < q.length && !isAdtsSync(q.at(i), q.at(i + 1))) i++;
        this.drop(i);
        continue;
      }
      const length = ((q.at(3) & 0x03) << 11) | (q.at(4) << 3) | (q.at(5) >> 5);
      if (length < ADTS_HEADER) {
        this.drop(1); // a false sync word
        continue;
      }
      if (q.length < length) break;
      const rate = ADTS_RATES[(q.at(2) >> 2) & 0x0f];
      let { pts } = this.stamps.take(this.base);
      if (pts === undefined && this.lastPts !== undefined && rate) pts = this.lastPts + Math.round((1024 * 90000) / rate);
      const unit: AudioAccessUnit = { kind: 'audio', codec: 'aac', data: q.copy(0, length) };
      if (pts !== undefined) unit.pts = pts;
      this.lastPts = pts;
      out.push(unit);
      q.consume(length);
      this.base += length;
    }
    return out;
  }
}
