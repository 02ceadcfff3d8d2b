// Colour cast: in CIELAB, the distance D of the mean (a, b) from neutral
// against the spread M of a and b around that mean (the "equivalent circle"):
// K = D / M. A natural scene has colours spread around neutral (K well under
// 1); a cast moves them all one way (K above ~1.5). Sampled on every other
// pixel: the means do not need more.
import type { AnalysisImage } from './image.ts';

const LINEAR = Array.from({ length: 256 }, (_, v) => {
  const c = v / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
});
const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);

/** CIELAB a and b of one sRGB colour (D65). */
export function labAB(r: number, g: number, b: number): [number, number] {
  const R = LINEAR[Math.round(r)]!, G = LINEAR[Math.round(g)]!, B = LINEAR[Math.round(b)]!;
  const x = (0.4124 * R + 0.3576 * G + 0.1805 * B) / 0.95047;
  const y = 0.2126 * R + 0.7152 * G + 0.0722 * B;
  const z = (0.0193 * R + 0.1192 * G + 0.9505 * B) / 1.08883;
  const fy = f(y);
  return [500 * (f(x) - fy), 200 * (fy - f(z))];
}

export interface CastMeasure {
  /** D / M; Infinity when the colours do not spread at all. */
  k: number;
  /** Distance of the mean (a, b) from neutral. */
  d: number;
  meanA: number;
  meanB: number;
}

export function colourCast(img: AnalysisImage): CastMeasure {
  const as: number[] = [], bs: number[] = [];
  for (let y = 0; y < img.height; y += 2) {
    for (let x = 0; x < img.width; x += 2) {
      const i = (y * img.width + x) * 3;
      const [a, b] = labAB(img.rgb[i]!, img.rgb[i + 1]!, img.rgb[i + 2]!);
      as.push(a);
      bs.push(b);
    }
  }
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const meanA = mean(as), meanB = mean(bs);
  const spreadA = as.reduce((s, a) => s + Math.abs(a - meanA), 0) / as.length;
  const spreadB = bs.reduce((s, b) => s + Math.abs(b - meanB), 0) / bs.length;
  const d = Math.hypot(meanA, meanB);
  const m = Math.hypot(spreadA, spreadB);
  return { k: m > 0 ? d / m : d > 0 ? Infinity : 0, d, meanA, meanB };
}
