// Letterbox as the YOLO exporter does: keep the aspect ratio, centre, pad with
// 114 grey; then HWC uint8 → CHW float 0–1 for the model. Boxes go back to
// source pixels through the same transform.
import sharp from 'sharp';
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

export async function letterbox(frame: RawFrame, dstW: number, dstH: number): Promise<Letterboxed> {
  const g = letterboxGeometry(frame.width, frame.height, dstW, dstH);
  // sharp resizes (on the libuv pool); padding and HWC → CHW happen in one pass here,
  // which costs less than sharp's extend. A frame already at the model's scale skips sharp.
  const hwc = frame.width === g.w && frame.height === g.h
    ? frame.data
    : await sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } }).resize(g.w, g.h, { fit: 'fill', kernel: 'linear' }).raw().toBuffer();
  const plane = dstW * dstH;
  const tensor = new Float32Array(3 * plane).fill(114 / 255);
  for (let y = 0; y < g.h; y++) {
    let p = (y + g.padY) * dstW + g.padX;
    for (let x = 0, i = y * g.w * 3; x < g.w; x++, i += 3, p++) {
      tensor[p] = hwc[i]! / 255;
      tensor[plane + p] = hwc[i + 1]! / 255;
      tensor[2 * plane + p] = hwc[i + 2]! / 255;
    }
  }
  return { tensor, scale: g.scale, padX: g.padX, padY: g.padY };
}

/** A model-input box back in source pixels, [x, y, w, h], clipped to the frame. */
export function toSourceBox(b: RawBox, lb: Pick<Letterboxed, 'scale' | 'padX' | 'padY'>, srcW: number, srcH: number): [number, number, number, number] {
  const x1 = Math.max(0, Math.min(srcW, (b.x1 - lb.padX) / lb.scale));
  const y1 = Math.max(0, Math.min(srcH, (b.y1 - lb.padY) / lb.scale));
  const x2 = Math.max(0, Math.min(srcW, (b.x2 - lb.padX) / lb.scale));
  const y2 = Math.max(0, Math.min(srcH, (b.y2 - lb.padY) / lb.scale));
  return [Math.round(x1), Math.round(y1), Math.round(x2 - x1), Math.round(y2 - y1)];
}
