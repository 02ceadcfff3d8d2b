// Blur and defocus: the variance of the Laplacian of luma. Sharp edges give a
// high variance; a defocused or fogged lens a low one. Scene-dependent, so
// the channel's own baseline matters as much as a fixed floor.
import type { AnalysisImage } from './image.ts';

export function laplacianVariance(img: AnalysisImage): number {
  const { luma, width: w, height: h } = img;
  if (w < 3 || h < 3) return 0;
  let sum = 0, sq = 0, n = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const lap = luma[i - w]! + luma[i + w]! + luma[i - 1]! + luma[i + 1]! - 4 * luma[i]!;
      sum += lap;
      sq += lap * lap;
      n++;
    }
  }
  const mean = sum / n;
  return sq / n - mean * mean;
}
