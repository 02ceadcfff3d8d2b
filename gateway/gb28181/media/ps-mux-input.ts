// The muxer's input: an Annex-B byte stream (ffmpeg `-f h264 pipe:1`, a
// file) cut into access units, whatever the chunking.
import { AccessUnitAssembler } from './access-units.ts';
import type { VideoCodec } from './nal.ts';

export interface SplitAccessUnit {
  data: Buffer;
  keyframe: boolean;
}

/**
 * Cuts an Annex-B byte stream (ffmpeg `-f h264 pipe:1`, chunks split
 * anywhere) into access units: a unit ends at an AUD, at parameter sets or
 * SEI after a slice, or at a slice with first_mb_in_slice == 0.
 */
export class AnnexBAccessUnitSplitter {
  private readonly assembler: AccessUnitAssembler;

  constructor(codec: VideoCodec = 'h264') {
    this.assembler = new AccessUnitAssembler({ codec, maxBytes: 16 * 1024 * 1024 });
  }

  push(chunk: Buffer): SplitAccessUnit[] {
    return this.assembler.push(chunk).map(({ data, keyframe }) => ({ data, keyframe }));
  }

  /** The last access unit, at end of stream. */
  end(): SplitAccessUnit[] {
    return this.assembler.flush().map(({ data, keyframe }) => ({ data, keyframe }));
  }
}
