// Letterbox as the YOLO exporter does: keep the aspect ratio, centre, pad with
// 114 grey, resize bilinear with half-pixel centres (OpenCV's INTER_LINEAR,
// which the exporter's own preprocessing uses); then HWC uint8 → CHW float
// 0–1 for the model, all in one pass. A Letterboxer keeps its tensor and its
// sampling tables between frames: nothing is allocated per frame once the
// source size is known. Boxes go back to source pixels through the same transform.
import type { RawBox, RawFrame } from './types.ts';

export interface Letterboxed {
  tensor: Float32Array;
  scale: number;
  padX: number;
  padY: number;
}

export function letterboxGeometry(srcW: number, srcH: number, dstW: number, dstH: number) {
  const scale = Math.min(dstW / srcW, dstH / srcH);
  const w = Math.round(srcW * scale);
  const h = Math.round(srcH * scale);
  const padX = Math.floor((dstW - w) / 2);
  const padY = Math.floor((dstH - h) / 2);
  return { scale, w, h, padX, padY };
}

const PAD = 114 / 255;

/** Per output column (or row): the two source samples (times `stride`) and the weight of the second. */
function samplingTable(src: number, dst: number, stride: number) {
  const lo = new Int32Array(dst);
  const hi = new Int32Array(dst);
  const frac = new Float32Array(dst);
  const ratio = src / dst;
  for (let i = 0; i < dst; i++) {
    const at = Math.max(0, (i + 0.5) * ratio - 0.5);
    const i0 = Math.min(src - 1, Math.floor(at));
    lo[i] = i0 * stride;
    hi[i] = Math.min(src - 1, i0 + 1) * stride;
    frac[i] = at - i0;
  }
  return { lo, hi, frac };
}

type Table = ReturnType<typeof samplingTable>;

/** One per model input size and caller: the tensor it returns is reused by the next call, so run it before letterboxing again. */
export class Letterboxer {
  readonly tensor: Float32Array;
  private key = '';
  private geometry = letterboxGeometry(1, 1, 1, 1);
  private cols: Table | undefined;
  private rows: Table | undefined;
  private readonly result: Letterboxed;

  constructor(readonly dstW: number, readonly dstH: number) {
    this.tensor = new Float32Array(3 * dstW * dstH);
    this.result = { tensor: this.tensor, scale: 1, padX: 0, padY: 0 };
  }

  fit(frame: RawFrame): Letterboxed {
    const { width: srcW, height: srcH } = frame;
    const key = `${srcW}x${srcH}`;
    if (key !== this.key) this.prepare(srcW, srcH, key);
    const g = this.geometry;
    const { lo: x0, hi: x1, frac: fx } = this.cols!;
    const { lo: y0, hi: y1, frac: fy } = this.rows!;
    const data = frame.data;
    const t = this.tensor;
    const plane = this.dstW * this.dstH;
    if (g.w === srcW && g.h === srcH) return this.copy(data);
    if (2 * g.w === srcW && 2 * g.h === srcH) return this.halve(data, srcW);
    // The four neighbours' weights folded together, /255 included, the three channels written
    // out: the hottest loop of the pipeline after the model (about half the time of a plain loop).
    for (let y = 0; y < g.h; y++) {
      const r0 = y0[y]!;
      const r1 = y1[y]!;
      const wy = fy[y]!;
      let p = (y + g.padY) * this.dstW + g.padX;
      for (let x = 0; x < g.w; x++, p++) {
        const wx = fx[x]!;
        const wa = ((1 - wx) * (1 - wy)) / 255;
        const wb = (wx * (1 - wy)) / 255;
        const wc = ((1 - wx) * wy) / 255;
        const wd = (wx * wy) / 255;
        const a = r0 + x0[x]!;
        const b = r0 + x1[x]!;
        const c = r1 + x0[x]!;
        const d = r1 + x1[x]!;
        t[p] = data[a]! * wa + data[b]! * wb + data[c]! * wc + data[d]! * wd;
        t[plane + p] = data[a + 1]! * wa + data[b + 1]! * wb + data[c + 1]! * wc + data[d + 1]! * wd;
        t[2 * plane + p] = data[a + 2]! * wa + data[b + 2]! * wb + data[c + 2]! * wc + data[d + 2]! * wd;
      }
    }
    return this.result;
  }

  /** A frame already at the model's scale (the tap's width set to it): no resampling. */
  private copy(data: Buffer): Letterboxed {
    const g = this.geometry;
    const t = this.tensor;
    const plane = this.dstW * this.dstH;
    for (let y = 0, i = 0; y < g.h; y++) {
      for (let x = 0, p = (y + g.padY) * this.dstW + g.padX; x < g.w; x++, i += 3, p++) {
        t[p] = data[i]! / 255;
        t[plane + p] = data[i + 1]! / 255;
        t[2 * plane + p] = data[i + 2]! / 255;
      }
    }
    return this.result;
  }

  /**
   * Exactly half the source (the 640×360 tap into a 320 model): bilinear with half-pixel centres
   * samples each output pixel midway between four source pixels, their plain average.
   */
  private halve(data: Buffer, srcW: number): Letterboxed {
    const g = this.geometry;
    const t = this.tensor;
    const plane = this.dstW * this.dstH;
    const row = srcW * 3;
    const k = 0.25 / 255;
    for (let y = 0; y < g.h; y++) {
      let a = 2 * y * row;
      let c = a + row;
      for (let x = 0, p = (y + g.padY) * this.dstW + g.padX; x < g.w; x++, p++, a += 6, c += 6) {
        t[p] = (data[a]! + data[a + 3]! + data[c]! + data[c + 3]!) * k;
        t[plane + p] = (data[a + 1]! + data[a + 4]! + data[c + 1]! + data[c + 4]!) * k;
        t[2 * plane + p] = (data[a + 2]! + data[a + 5]! + data[c + 2]! + data[c + 5]!) * k;
      }
    }
    return this.result;
  }

  /** A new source size: sampling tables, and the padding (written once: the picture area never covers it). */
  private prepare(srcW: number, srcH: number, key: string): void {
    this.key = key;
    this.geometry = letterboxGeometry(srcW, srcH, this.dstW, this.dstH);
    this.cols = samplingTable(srcW, this.geometry.w, 3);
    this.rows = samplingTable(srcH, this.geometry.h, srcW * 3);
    this.tensor.fill(PAD);
    Object.assign(this.result, { scale: this.geometry.scale, padX: this.geometry.padX, padY: this.geometry.padY });
  }
}

/** A one-off letterbox (its own tensor); a channel's pipeline keeps a Letterboxer instead. */
export async function letterbox(frame: RawFrame, dstW: number, dstH: number): Promise<Letterboxed> {
  return { ...new Letterboxer(dstW, dstH).fit(frame) };
}

/** A model-input box back in source pixels, [x, y, w, h], clipped to the frame. */
export function toSourceBox(b: RawBox, lb: Pick<Letterboxed, 'scale' | 'padX' | 'padY'>, srcW: number, srcH: number): [number, number, number, number] {
  const x1 = Math.max(0, Math.min(srcW, (b.x1 - lb.padX) / lb.scale));
  const y1 = Math.max(0, Math.min(srcH, (b.y1 - lb.padY) / lb.scale));
  const x2 = Math.max(0, Math.min(srcW, (b.x2 - lb.padX) / lb.scale));
  const y2 = Math.max(0, Math.min(srcH, (b.y2 - lb.padY) / lb.scale));
  return [Math.round(x1), Math.round(y1), Math.round(x2 - x1), Math.round(y2 - y1)];
}
