// MPEG-PS demuxer for GB/T 28181 live video: fed the concatenated RTP
// payloads in any split, it returns video access units (Annex-B, with the
// PTS of the PES packet they start in) and audio units. It never throws on
// input: broken headers are counted and skipped by scanning for the next
// pack or PES start code, and every buffer is bounded.
import { ByteQueue } from './byte-queue.ts';
import { FormatProbe, type StreamFormat } from './probe.ts';
import { PACK_START, PROGRAM_END, STREAM_MAP, START_CODE, isAudioStream, isVideoStream, packHeaderLength, parsePesHeader, parseStreamMap, systemStartCode } from './ps-headers.ts';
import { ElementaryStreams, type AccessUnit } from './ps-streams.ts';

export type { AccessUnit } from './ps-streams.ts';

export interface PsDemuxStats {
  packs: number;
  pes: number;
  videoFrames: number;
  audioFrames: number;
  /** Broken headers and packets cut short. */
  errors: number;
  /** Times the demuxer lost its place and scanned for the next start code. */
  resyncs: number;
  /** Bytes thrown away: garbage, partial frames, oversized frames, non-PS streams. */
  droppedBytes: number;
  /** Video frames dropped for growing past `maxFrameBytes`. */
  oversized: number;
}

export interface PsDemuxerOptions {
  /** A video frame larger than this is dropped (default 4 MiB). */
  maxFrameBytes?: number;
  /** Called once the stream is recognised as PS, or as something else (MPEG-TS, raw Annex-B). */
  onFormat?: (format: StreamFormat, reason: string) => void;
}

type Mode = 'header' | 'payload' | 'open' | 'skip';

const MAX_STREAM_MAP = 4096; // 1018 by the standard; some leeway
const PROBE_WINDOW = 64 * 1024;
const UNRECOGNIZED_AFTER = 1024 * 1024;

export class PsDemuxer {
  format: StreamFormat = 'unknown';
  private readonly counts = { packs: 0, pes: 0, videoFrames: 0, audioFrames: 0, errors: 0, resyncs: 0, droppedBytes: 0 };
  private readonly queue = new ByteQueue();
  private readonly probe = new FormatProbe();
  private readonly streams: ElementaryStreams;
  private mode: Mode = 'header';
  private remaining = 0;
  private current = 0;
  private hunting = false;
  private probed = 0;

  constructor(private readonly options: PsDemuxerOptions = {}) {
    this.streams = new ElementaryStreams(options.maxFrameBytes);
  }

  get stats(): PsDemuxStats {
    return { ...this.counts, droppedBytes: this.counts.droppedBytes + this.streams.droppedBytes, oversized: this.streams.oversized };
  }

  /** Adds stream bytes; returns the access units they complete, in stream order. */
  push(payload: Buffer): AccessUnit[] {
    const out: AccessUnit[] = [];
    if (this.format === 'mpegts' || this.format === 'annexb') {
      this.counts.droppedBytes += payload.length;
      return out;
    }
    this.queue.append(payload);
    if (this.format !== 'ps' && !this.recognise(payload.length)) return out;
    this.parse(out);
    this.count(out);
    return out;
  }

  /**
   * Emits the video frames in progress now instead of when the next frame
   * starts: call on the RTP marker bit (end of a frame) or at end of stream.
   */
  flush(): AccessUnit[] {
    const out: AccessUnit[] = [];
    if (this.format !== 'ps') return out;
    if (this.mode === 'open') {
      this.deliver(this.queue.length, out);
      this.endPacket(out);
    }
    this.streams.flush(out);
    this.count(out);
    return out;
  }

  /** Data is known to be missing (RTP loss): drop frames in progress and resynchronise. */
  discontinuity(): void {
    this.streams.abort();
    if (this.mode !== 'header') this.lose();
    this.mode = 'header';
  }

  private count(units: AccessUnit[]): void {
    for (const u of units) {
      if (u.kind === 'video') this.counts.videoFrames++;
      else this.counts.audioFrames++;
    }
  }

  private recognise(added: number): boolean {
    this.probed += added;
    const found = this.probe.check(this.queue.view());
    if (!found) {
      if (this.queue.length > PROBE_WINDOW) this.drop(this.queue.length - PROBE_WINDOW);
      if (this.format === 'unknown' && this.probed > UNRECOGNIZED_AFTER) this.setFormat('unrecognized', `no MPEG-PS, MPEG-TS or Annex-B structure in ${this.probed} bytes`);
      return false;
    }
    this.setFormat(found.format, found.reason);
    if (found.format !== 'ps') {
      this.drop(this.queue.length);
      return false;
    }
    this.drop(found.offset);
    return true;
  }

  private setFormat(format: StreamFormat, reason: string): void {
    this.format = format;
    this.options.onFormat?.(format, reason);
  }

  private drop(n: number): void {
    this.counts.droppedBytes += n;
    this.queue.consume(n);
    this.probe.shift(n);
  }

  private parse(out: AccessUnit[]): void {
    const q = this.queue;
    for (;;) {
      if (this.mode === 'skip') {
        const n = Math.min(this.remaining, q.length);
        // Skipped packets (padding, private data) never hold a pack header: a length gone wrong does.
        const cut = systemStartCode(q.view(0, n), true);
        q.consume(cut >= 0 ? cut : n);
        this.remaining = cut >= 0 ? 0 : this.remaining - n;
        if (cut >= 0) this.counts.errors++;
        if (this.remaining > 0) return;
        this.mode = 'header';
      } else if (this.mode === 'payload') {
        const n = Math.min(this.remaining, q.length);
        // A system start code inside the payload: the packet was cut short (lost RTP packets).
        const cut = systemStartCode(q.view(0, n), !isVideoStream(this.current));
        this.deliver(cut >= 0 ? cut : n, out);
        this.remaining = cut >= 0 ? 0 : this.remaining - n;
        if (cut >= 0) this.counts.errors++;
        if (this.remaining > 0) return;
        this.endPacket(out);
      } else if (this.mode === 'open') {
        // PES_packet_length 0: the payload runs to the next system start code.
        const end = systemStartCode(q.view(), false);
        if (end < 0) {
          this.deliver(Math.max(0, q.length - 3), out);
          return;
        }
        this.deliver(end, out);
        this.endPacket(out);
      } else if (!this.header()) {
        return;
      }
    }
  }

  /** Parses the header at the head of the queue; false when more data is needed. */
  private header(): boolean {
    const q = this.queue;
    if (q.length < 4) return false;
    if (q.at(0) === 0 && q.at(1) === 0 && q.at(2) === 0) {
      // Zero stuffing before a start code (a four-byte start code, zero-padded payloads): harmless.
      this.counts.droppedBytes++;
      q.consume(1);
      return true;
    }
    if (q.at(0) !== 0 || q.at(1) !== 0 || q.at(2) !== 1) return this.hunt();
    const code = q.at(3);
    const view = q.view();
    if (code === PACK_START) {
      const length = packHeaderLength(view);
      if (length === 'bad') return this.bad();
      if (length === 'more' || q.length < length) return false;
      q.consume(length);
      this.counts.packs++;
    } else if (code === PROGRAM_END) {
      q.consume(4);
    } else if (isVideoStream(code) || isAudioStream(code)) {
      const pes = parsePesHeader(view);
      if (pes === 'bad') return this.bad();
      if (pes === 'more') return false;
      q.consume(pes.headerLength);
      this.counts.pes++;
      this.current = code;
      this.streams.start(code, pes.pts, pes.dts);
      this.mode = pes.packetLength === 0 ? 'open' : 'payload';
      this.remaining = pes.packetLength + 6 - pes.headerLength;
    } else if (code > PACK_START) {
      // System header, stream map, padding, private and other streams: skipped by length.
      if (q.length < 6) return false;
      const length = q.view(4, 6).readUInt16BE(0);
      if (code === STREAM_MAP) {
        if (length > MAX_STREAM_MAP) return this.bad();
        if (q.length < 6 + length) return false;
        this.streamMap(q.view(0, 6 + length));
        q.consume(6 + length);
      } else {
        q.consume(6);
        this.mode = 'skip';
        this.remaining = length;
      }
    } else {
      return this.bad(); // 00 00 01 followed by an elementary-stream start code: not a PS packet
    }
    this.hunting = false;
    return true;
  }

  private bad(): boolean {
    this.counts.errors++;
    return this.hunt();
  }

  /** Skips to the next pack or PES start code; false when none is buffered yet. */
  private hunt(): boolean {
    this.lose();
    const view = this.queue.view();
    let i = 1;
    for (;;) {
      i = view.indexOf(START_CODE, i);
      if (i < 0 || i + 3 >= view.length) break;
      const code = view[i + 3]!;
      if (code === PACK_START || code === STREAM_MAP || isVideoStream(code) || isAudioStream(code)) {
        this.counts.droppedBytes += i;
        this.queue.consume(i);
        return true;
      }
      i++;
    }
    const keep = i < 0 ? Math.min(3, view.length) : view.length - i;
    this.counts.droppedBytes += view.length - keep;
    this.queue.consume(view.length - keep);
    return false;
  }

  /** Entering a resynchronisation: frames in progress are missing data, so they go. */
  private lose(): void {
    if (this.hunting) return;
    this.hunting = true;
    this.counts.resyncs++;
    this.streams.abort();
  }

  private streamMap(buf: Buffer): void {
    const types = parseStreamMap(buf);
    if (types) this.streams.applyStreamMap(types);
    else this.counts.errors++;
  }

  private deliver(n: number, out: AccessUnit[]): void {
    if (n <= 0) return;
    this.streams.push(this.current, this.queue.view(0, n), out);
    this.queue.consume(n);
  }

  private endPacket(out: AccessUnit[]): void {
    this.streams.end(this.current, out);
    this.mode = 'header';
    this.remaining = 0;
  }
}
