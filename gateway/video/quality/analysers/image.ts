// The picture every quality analyser works on: the frame box-averaged down to
// about 320 px wide (enough for the measures, and a few ms of work), as RGB
// and as luma (BT.601). Measures are therefore on the analysis scale, not the
// camera's, and thresholds are set for it.
export interface AnalysisImage {
  width: number;
  height: number;
  /** Interleaved RGB, 0–255. */
  rgb: Uint8Array;
  /** 0.299 R + 0.587 G + 0.114 B, 0–255. */
  luma: Float32Array;
}

export const ANALYSIS_WIDTH = 320;

/** Box-averages an interleaved RGB frame by the whole factor that brings it nearest `targetWidth`. */
export function analysisImage(data: Uint8Array, width: number, height: number, targetWidth = ANALYSIS_WIDTH): AnalysisImage {
  if (data.length < width * height * 3) throw new RangeError(`frame of ${data.length} bytes is too short for ${width}x${height} RGB`);
  const f = Math.max(1, Math.round(width / targetWidth));
  const w = Math.floor(width / f);
  const h = Math.floor(height / f);
  const rgb = new Uint8Array(w * h * 3);
  const luma = new Float32Array(w * h);
  const area = f * f;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let r = 0, g = 0, b = 0;
      for (let dy = 0; dy < f; dy++) {
        let i = ((y * f + dy) * width + x * f) * 3;
        for (let dx = 0; dx < f; dx++, i += 3) {
          r += data[i]!;
          g += data[i + 1]!;
          b += data[i + 2]!;
        }
      }
      const o = y * w + x;
      r /= area; g /= area; b /= area;
      rgb[o * 3] = r; rgb[o * 3 + 1] = g; rgb[o * 3 + 2] = b;
      luma[o] = 0.299 * r + 0.587 * g + 0.114 * b;
    }
  }
  return { width: w, height: h, rgb, luma };
}
