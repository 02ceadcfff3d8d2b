// Frozen picture: the mean absolute luma difference between two frames taken
// apart in time. A live sensor always adds some noise, so even a still scene
// differs a little; an encoder repeating one picture differs by (almost) zero.
import type { AnalysisImage } from './image.ts';

/** Mean |a − b| of luma, or undefined when the two are not the same size (the stream changed). */
export function meanAbsDifference(a: AnalysisImage, b: AnalysisImage): number | undefined {
  if (a.width !== b.width || a.height !== b.height) return undefined;
  let sum = 0;
  for (let i = 0; i < a.luma.length; i++) sum += Math.abs(a.luma[i]! - b.luma[i]!);
  return sum / a.luma.length;
}
