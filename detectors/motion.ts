// The motion gate: a cheap difference between small grey versions of
// consecutive frames, so still scenes cost no inference. Masked areas (a
// clock, a flag, trees) are ignored.
import { pointInPolygon, type Polygon } from './geometry.ts';
import type { RawFrame } from './types.ts';

const W = 64;
const H = 36;

export interface MotionOptions {
  /** Grey-level change (0–255) that counts a pixel as changed. */
  pixelThreshold: number;
  /** Share of (unmasked) pixels that must change. */
  minChangedFraction: number;
  /** Polygons to ignore, in fractions 0–1 of the picture (geometry.ts). */
  masks?: Polygon[];
}

/** Downsamples to 64×36 grey by averaging blocks; cheap and enough for "did anything move". */
export function smallGrey(frame: RawFrame): Uint8Array {
  const out = new Uint8Array(W * H);
  const bw = frame.width / W;
  const bh = frame.height / H;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      // sample a 2×2 grid inside the block instead of every pixel
      let sum = 0;
      for (const [fx, fy] of [[0.25, 0.25], [0.75, 0.25], [0.25, 0.75], [0.75, 0.75]] as const) {
        const sx = Math.floor((x + fx) * bw);
        const sy = Math.floor((y + fy) * bh);
        const i = (sy * frame.width + sx) * 3;
        sum += (frame.data[i]! * 77 + frame.data[i + 1]! * 150 + frame.data[i + 2]! * 29) >> 8;
      }
      out[y * W + x] = sum >> 2;
    }
  }
  return out;
}

export class MotionGate {
  private previous: Uint8Array | undefined;
  /** In fractions of the picture, so one mask serves frames of any size. */
  private readonly mask: Uint8Array;

  constructor(private readonly options: MotionOptions) {
    this.mask = this.buildMask();
  }

  private buildMask(): Uint8Array {
    const mask = new Uint8Array(W * H);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const point: [number, number] = [(x + 0.5) / W, (y + 0.5) / H]; // the cell's centre, as a fraction of the picture
        mask[y * W + x] = this.options.masks?.some((p) => pointInPolygon(point, p)) ? 0 : 1;
      }
    }
    return mask;
  }

  /** Whether this frame differs enough from the last one. The first frame always counts. */
  moved(frame: RawFrame): { moved: boolean; changed: number } {
    const grey = smallGrey(frame);
    const previous = this.previous;
    this.previous = grey;
    if (!previous) return { moved: true, changed: 1 };
    let changed = 0;
    let counted = 0;
    for (let i = 0; i < grey.length; i++) {
      if (!this.mask[i]) continue;
      counted++;
      if (Math.abs(grey[i]! - previous[i]!) > this.options.pixelThreshold) changed++;
    }
    const fraction = counted ? changed / counted : 0;
    return { moved: fraction >= this.options.minChangedFraction, changed: fraction };
  }
}
