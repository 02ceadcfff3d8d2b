// Strong noise (snow, a failing sensor or cable): Immerkær's fast estimate of
// the noise standard deviation, from the response to a mask that cancels
// smooth surfaces and straight edges ("Fast Noise Variance Estimation", 1996).
import type { AnalysisImage } from './image.ts';

export function noiseSigma(img: AnalysisImage): number {
  const { luma, width: w, height: h } = img;
  if (w < 3 || h < 3) return 0;
  let sum = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const v =
        luma[i - w - 1]! - 2 * luma[i - w]! + luma[i - w + 1]! -
        2 * luma[i - 1]! + 4 * luma[i]! - 2 * luma[i + 1]! +
        luma[i + w - 1]! - 2 * luma[i + w]! + luma[i + w + 1]!;
      sum += Math.abs(v);
    }
  }
  return (Math.sqrt(Math.PI / 2) * sum) / (6 * (w - 2) * (h - 2));
}
