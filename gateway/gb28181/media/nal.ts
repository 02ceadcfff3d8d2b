// H.264 / H.265 NAL unit helpers shared by the PS demuxer, the access-unit
// assembler and the device simulator: start codes, NAL types, what starts an
// access unit (H.264 §7.4.1.2.3, H.265 §7.4.2.4.4) and what makes a keyframe.

export type VideoCodec = 'h264' | 'h265';

const START_CODE = Buffer.from([0, 0, 1]);

/** Index of the next `00 00 01` in buf[from, to), or -1. */
export function findStartCode(buf: Buffer, from = 0, to = buf.length): number {
  if (to - from < 3) return -1;
  const i = (to === buf.length ? buf : buf.subarray(0, to)).indexOf(START_CODE, from);
  return i;
}

/** Bytes after the start code needed to classify a NAL unit (header plus the first slice-header bit). */
export function nalBytesNeeded(codec: VideoCodec): number {
  return codec === 'h264' ? 2 : 3;
}

export function nalType(codec: VideoCodec, firstByte: number): number {
  return codec === 'h264' ? firstByte & 0x1f : (firstByte >> 1) & 0x3f;
}

export function isVcl(codec: VideoCodec, type: number): boolean {
  return codec === 'h264' ? type >= 1 && type <= 5 : type <= 31;
}

/** IDR or SPS (H.264); IRAP or VPS (H.265). */
export function isKeyNal(codec: VideoCodec, type: number): boolean {
  return codec === 'h264' ? type === 5 || type === 7 : (type >= 16 && type <= 21) || type === 32;
}

/** NAL types that, after a VCL NAL unit, begin the next access unit (AUD, parameter sets, prefix SEI…). */
function startsAfterVcl(codec: VideoCodec, type: number): boolean {
  if (codec === 'h264') return (type >= 6 && type <= 9) || (type >= 14 && type <= 18);
  return (type >= 32 && type <= 35) || type === 39 || (type >= 41 && type <= 44) || (type >= 48 && type <= 55);
}

/**
 * Whether the NAL unit whose header starts at `nal[0]` opens a new access
 * unit, given that the current one already holds a VCL NAL unit. A slice
 * opens one when it is the first of its picture: first_mb_in_slice == 0
 * (ue(v) whose first bit is 1) or first_slice_segment_in_pic_flag.
 */
export function opensAccessUnit(codec: VideoCodec, nal: Buffer): boolean {
  const type = nalType(codec, nal[0]!);
  if (isVcl(codec, type)) {
    const firstSliceBit = codec === 'h264' ? nal[1]! : nal[2]!;
    return (firstSliceBit & 0x80) !== 0;
  }
  return startsAfterVcl(codec, type);
}

/** Whether `nal[0]` looks like a NAL header at all (forbidden_zero_bit clear). */
export function isNalHeader(firstByte: number): boolean {
  return (firstByte & 0x80) === 0;
}

/**
 * Guesses the codec from one NAL header when no stream map says it. Only
 * parameter sets, delimiters and IDR/IRAP slices decide; anything else is
 * ambiguous (undefined). H.265 is tested first: its two-byte headers of
 * layer 0, temporal id 0 (`xx 01`) do not occur for the H.264 types that decide.
 */
export function guessCodec(nal: Buffer): VideoCodec | undefined {
  if (nal.length < 2 || !isNalHeader(nal[0]!)) return undefined;
  const h265 = (nal[0]! >> 1) & 0x3f;
  if ((nal[0]! & 0x01) === 0 && nal[1] === 0x01 && [19, 20, 21, 32, 33, 34, 35].includes(h265)) return 'h265';
  const h264 = nal[0]! & 0x1f;
  const refIdc = nal[0]! >> 5;
  if (h264 === 7 || h264 === 8 || h264 === 5 || (h264 === 9 && refIdc === 0)) return 'h264';
  return undefined;
}

/** NAL units of an Annex-B buffer, without their start codes. */
export function splitNalUnits(annexB: Buffer): Buffer[] {
  const units: Buffer[] = [];
  let start = findStartCode(annexB, 0);
  while (start >= 0) {
    const next = findStartCode(annexB, start + 3);
    let end = next < 0 ? annexB.length : next;
    // Zero bytes before a start code belong to it (zero_byte / trailing_zero_8bits).
    while (end > start + 3 && annexB[end - 1] === 0) end--;
    if (end > start + 3) units.push(annexB.subarray(start + 3, end));
    start = next;
  }
  return units;
}
