// Tells what a GB/T 28181 "PS" stream really is before demuxing it. Some
// devices send MPEG-TS or bare Annex-B H.264/H.265 on the PS payload type;
// the caller should log that clearly rather than "no frames". Incremental:
// each byte is scanned once however the stream is split.
import { guessCodec, isVcl, nalType, type VideoCodec } from './nal.ts';
import { PACK_START, START_CODE, isAudioStream, isVideoStream, packHeaderLength, parsePesHeader } from './ps-headers.ts';

export type StreamFormat = 'unknown' | 'ps' | 'mpegts' | 'annexb' | 'unrecognized';

export interface ProbeResult {
  format: 'ps' | 'mpegts' | 'annexb';
  reason: string;
  /** Where PS data starts (for 'ps'). */
  offset: number;
}

const TS_PACKET = 188;
const TS_SYNCS = 4;
/** A PES start code alone decides PS only once TS has had a chance to show its sync bytes. */
const PES_DECIDES_AFTER = TS_PACKET * (TS_SYNCS + 1) + 100;

export class FormatProbe {
  private pos = 0;
  private codec: VideoCodec | undefined;
  private slicesAfterSps = 0;

  /** Called when the caller drops `n` bytes from the head of the buffer it probes. */
  shift(n: number): void {
    this.pos = Math.max(0, this.pos - n);
  }

  check(buf: Buffer): ProbeResult | undefined {
    const ts = this.transportStream(buf);
    if (ts) return ts;
    for (;;) {
      const i = buf.indexOf(START_CODE, this.pos);
      if (i < 0 || i + 4 > buf.length) {
        this.pos = i < 0 ? Math.max(this.pos, buf.length - 3) : i;
        return undefined;
      }
      const code = buf[i + 3]!;
      const at = buf.subarray(i);
      if (code === PACK_START) {
        const pack = packHeaderLength(at);
        if (pack === 'more') return this.wait(i);
        if (pack !== 'bad') return { format: 'ps', reason: 'MPEG program stream pack header', offset: i };
      } else if (isVideoStream(code) || isAudioStream(code)) {
        const pes = parsePesHeader(at);
        if (pes === 'more' || (pes !== 'bad' && buf.length < PES_DECIDES_AFTER)) return this.wait(i);
        if (pes !== 'bad') return { format: 'ps', reason: 'PES packet without a pack header', offset: i };
      } else if (code < 0x80) {
        if (i + 5 > buf.length) return this.wait(i);
        const annexB = this.nal(buf.subarray(i + 3, i + 5));
        if (annexB) return annexB;
      }
      this.pos = i + 3;
    }
  }

  private wait(i: number): undefined {
    this.pos = i;
    return undefined;
  }

  /** Raw Annex-B: a sequence parameter set then two slices with no PS start code around them. */
  private nal(header: Buffer): ProbeResult | undefined {
    const guessed = guessCodec(header);
    const spsType = guessed === 'h264' ? 7 : 33;
    if (guessed && nalType(guessed, header[0]!) === spsType) {
      this.codec = guessed;
      this.slicesAfterSps = 0;
    } else if (this.codec && isVcl(this.codec, nalType(this.codec, header[0]!)) && ++this.slicesAfterSps >= 2) {
      const name = this.codec === 'h264' ? 'H.264' : 'H.265';
      return { format: 'annexb', reason: `raw ${name} Annex-B elementary stream, not MPEG-PS`, offset: 0 };
    }
    return undefined;
  }

  private transportStream(buf: Buffer): ProbeResult | undefined {
    const last = TS_PACKET * (TS_SYNCS - 1);
    for (let p = 0; p < TS_PACKET && p + last < buf.length; p++) {
      let syncs = 0;
      while (syncs < TS_SYNCS && buf[p + syncs * TS_PACKET] === 0x47) syncs++;
      if (syncs === TS_SYNCS) return { format: 'mpegts', reason: 'MPEG-TS (0x47 sync byte every 188 bytes), not MPEG-PS', offset: p };
    }
    return undefined;
  }
}
