// The elementary streams of a program stream, by PES stream id: one
// assembler per stream, its codec from the program stream map when there is
// one, otherwise from the data (NAL headers, ADTS sync words).
import { AccessUnitAssembler, type VideoAccessUnit } from './access-units.ts';
import { AudioAssembler, type AudioAccessUnit } from './audio.ts';
import { audioCodecOf, isVideoStream, videoCodecOf } from './ps-headers.ts';

export type AccessUnit = VideoAccessUnit | AudioAccessUnit;

export class ElementaryStreams {
  private readonly streamTypes = new Map<number, number>();
  private readonly video = new Map<number, AccessUnitAssembler>();
  private readonly audio = new Map<number, AudioAssembler>();

  constructor(private readonly maxFrameBytes?: number) {}

  get droppedBytes(): number {
    let n = 0;
    for (const s of [...this.video.values(), ...this.audio.values()]) n += s.droppedBytes;
    return n;
  }

  get oversized(): number {
    let n = 0;
    for (const v of this.video.values()) n += v.oversized;
    return n;
  }

  /** Stream id → stream_type from a program stream map. */
  applyStreamMap(types: Map<number, number>): void {
    for (const [id, type] of types) {
      const previous = this.streamTypes.get(id);
      this.streamTypes.set(id, type);
      if (previous === type) continue;
      if (previous !== undefined) {
        // The stream changed codec: start its assemblers afresh.
        this.video.delete(id);
        this.audio.delete(id);
        continue;
      }
      // First map: streams already seen keep what their data showed, unless nothing was known.
      const v = this.video.get(id);
      if (v && !v.codec) v.codec = videoCodecOf(type);
      const a = this.audio.get(id);
      if (a && a.codec !== 'aac') a.codec = audioCodecOf(type);
    }
  }

  /** A PES packet of stream `id` begins; its payload follows through `push`. */
  start(id: number, pts: number | undefined, dts: number | undefined): void {
    const type = this.streamTypes.get(id);
    if (isVideoStream(id)) {
      let v = this.video.get(id);
      if (!v) this.video.set(id, (v = new AccessUnitAssembler({ codec: videoCodecOf(type), maxBytes: this.maxFrameBytes })));
      v.mark(pts, dts);
    } else {
      let a = this.audio.get(id);
      if (!a) this.audio.set(id, (a = new AudioAssembler({ codec: audioCodecOf(type) })));
      a.mark(pts);
    }
  }

  push(id: number, bytes: Buffer, out: AccessUnit[]): void {
    const units = isVideoStream(id) ? this.video.get(id)?.push(bytes) : this.audio.get(id)?.push(bytes);
    if (units) out.push(...units);
  }

  /** The PES packet of stream `id` ended. */
  end(id: number, out: AccessUnit[]): void {
    const a = this.audio.get(id);
    if (a) out.push(...a.endPes());
  }

  /** Video frames in progress, now. */
  flush(out: AccessUnit[]): void {
    for (const v of this.video.values()) out.push(...v.flush());
  }

  /** Drops everything in progress (data is missing). */
  abort(): void {
    for (const v of this.video.values()) v.abort();
    for (const a of this.audio.values()) a.abort();
  }
}
