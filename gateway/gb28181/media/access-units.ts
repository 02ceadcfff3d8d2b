// Cuts an H.264/H.265 Annex-B elementary stream, fed in arbitrary pieces,
// into access units. Boundaries come from the NAL units themselves (AUD,
// parameter sets or SEI after a slice, first slice of a picture), not from
// PES packets: muxers such as ffmpeg's pack the end of one frame and the
// start of the next into one PES packet. Timestamps follow ISO/IEC 13818-1
// §2.4.3.7: a PES packet's PTS belongs to the first access unit that starts
// in it, so `mark()` records where each PES payload starts in the stream.
import { ByteQueue } from './byte-queue.ts';
import { PesTimestamps } from './timestamps.ts';
import { findStartCode, guessCodec, isKeyNal, isVcl, nalBytesNeeded, nalType, opensAccessUnit, type VideoCodec } from './nal.ts';

export interface VideoAccessUnit {
  kind: 'video';
  codec: VideoCodec;
  /** 90 kHz; absent when no PES packet carried one for this frame. */
  pts?: number;
  dts?: number;
  keyframe: boolean;
  /** Annex-B, starting with a start code. */
  data: Buffer;
}

export interface AssemblerOptions {
  /** Known from the stream map; guessed from the first parameter sets otherwise. */
  codec?: VideoCodec;
  /** An access unit growing past this is dropped (runaway or missing boundaries). */
  maxBytes?: number;
}

export class AccessUnitAssembler {
  codec: VideoCodec | undefined;
  /** Access units given up on because they grew past `maxBytes`. */
  oversized = 0;
  /** Bytes dropped: before the first access unit boundary, and oversized units. */
  droppedBytes = 0;
  private readonly maxBytes: number;
  private readonly queue = new ByteQueue();
  /** Absolute stream offset of queue[0]. */
  private base = 0;
  /** Where the next start-code search begins (relative to queue[0]). */
  private scan = 0;
  /** False until an access unit boundary is seen (start of stream, after a drop or a flush). */
  private inUnit = false;
  private sawVcl = false;
  private keyframe = false;
  private pts: number | undefined;
  private dts: number | undefined;
  private readonly stamps = new PesTimestamps();
  /** Whether a parameter set or IDR has confirmed `codec`. */
  private verified = false;

  constructor(options: AssemblerOptions = {}) {
    this.codec = options.codec;
    this.maxBytes = options.maxBytes ?? 4 * 1024 * 1024;
  }

  /** The bytes pushed next start a PES packet with these timestamps. */
  mark(pts?: number, dts?: number): void {
    this.stamps.mark(this.base + this.queue.length, pts, dts);
  }

  /** Adds elementary-stream bytes; returns the access units they complete. */
  push(chunk: Buffer): VideoAccessUnit[] {
    this.queue.append(chunk);
    const out: VideoAccessUnit[] = [];
    this.split(out);
    if (this.queue.length > this.maxBytes) {
      this.oversized++;
      this.abort();
    }
    return out;
  }

  /**
   * Ends the current access unit now (RTP marker, end of stream) instead of
   * when the next one starts. Parameter sets without a slice yet are kept for
   * the next unit. Afterwards data is dropped up to the next unit boundary.
   */
  flush(): VideoAccessUnit[] {
    const out: VideoAccessUnit[] = [];
    if (!this.inUnit || !this.sawVcl) return out;
    this.emit(this.queue.length, out);
    this.reset();
    return out;
  }

  /** Forgets the access unit in progress (data known to be missing); waits for the next boundary. */
  abort(): void {
    this.droppedBytes += this.queue.length;
    this.reset();
  }

  private reset(): void {
    this.base += this.queue.length;
    this.queue.clear();
    this.scan = 0;
    this.inUnit = false;
    this.sawVcl = false;
    this.keyframe = false;
    this.stamps.prune(this.base);
  }

  private split(out: VideoAccessUnit[]): void {
    for (;;) {
      const view = this.queue.view();
      const sc = findStartCode(view, this.scan);
      if (sc < 0) {
        if (this.inUnit) this.scan = Math.max(this.scan, view.length - 2);
        else this.discard(Math.max(0, view.length - 3)); // keep a possible partial four-byte start code
        return;
      }
      if (sc + 3 + (this.codec ? nalBytesNeeded(this.codec) : 2) > view.length) {
        this.scan = sc; // wait for the NAL header
        return;
      }
      if (!this.verified) {
        // Until a NAL unit decides, check the codec: some devices map H.265 as H.264 (or no map at all).
        const guessed = guessCodec(view.subarray(sc + 3, sc + 5));
        if (guessed) {
          this.verified = true;
          if (guessed !== this.codec) {
            this.codec = guessed;
            this.inUnit = false;
            this.scan = 0;
            continue;
          }
        }
      }
      const codec = this.codec;
      if (!codec) {
        this.discard(sc + 3); // codec still unknown: this NAL unit cannot be used
        continue;
      }
      if (sc + 3 + nalBytesNeeded(codec) > view.length) {
        this.scan = sc;
        return;
      }
      const nal = view.subarray(sc + 3);
      const opens = opensAccessUnit(codec, nal);
      // A four-byte start code's leading zero belongs to the NAL unit it starts.
      const begin = sc > 0 && view[sc - 1] === 0 ? sc - 1 : sc;
      let shift = 0;
      if (!this.inUnit) {
        if (!opens) {
          this.discard(sc + 3);
          continue;
        }
        this.discard(begin);
        shift = begin;
        this.begin();
      } else if (this.sawVcl && opens) {
        this.emit(begin, out);
        shift = begin;
        this.begin();
      }
      const type = nalType(codec, nal[0]!);
      if (isVcl(codec, type)) this.sawVcl = true;
      if (isKeyNal(codec, type)) this.keyframe = true;
      this.scan = sc - shift + 3;
    }
  }

  private discard(n: number): void {
    if (n <= 0) return;
    this.droppedBytes += n;
    this.queue.consume(n);
    this.base += n;
    this.scan = 0;
    this.stamps.prune(this.base);
  }

  /** A unit starts at queue[0]: it takes the PTS of the PES packet that holds that byte. */
  private begin(): void {
    this.inUnit = true;
    this.sawVcl = false;
    this.keyframe = false;
    ({ pts: this.pts, dts: this.dts } = this.stamps.take(this.base));
  }

  private emit(end: number, out: VideoAccessUnit[]): void {
    const au: VideoAccessUnit = { kind: 'video', codec: this.codec!, keyframe: this.keyframe, data: this.queue.copy(0, end) };
    if (this.pts !== undefined) au.pts = this.pts;
    if (this.dts !== undefined) au.dts = this.dts;
    out.push(au);
    this.queue.consume(end);
    this.base += end;
  }
}
