// Black and blank pictures: the mean and spread of luma. Black is dark and
// flat (lens cap, dead sensor, "no video" black); blank is flat at any level
// (a grey or blue "no signal" screen from an encoder or NVR).
import type { AnalysisImage } from './image.ts';

export function lumaStats(img: AnalysisImage): { mean: number; std: number } {
  const { luma } = img;
  let sum = 0, sq = 0;
  for (let i = 0; i < luma.length; i++) {
    const v = luma[i]!;
    sum += v;
    sq += v * v;
  }
  const mean = sum / luma.length;
  return { mean, std: Math.sqrt(Math.max(0, sq / luma.length - mean * mean)) };
}
