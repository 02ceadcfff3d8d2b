// Occlusion (a covered or blocked lens, a sign in front of the camera): the
// largest connected area of blocks with almost no detail, as a fraction of
// the frame. A whole flat frame is blank (exposure.ts), not covered.
import type { AnalysisImage } from './image.ts';

export const OCCLUSION_GRID = { cols: 16, rows: 9 };

/** Per block of a 16×9 grid: true when its luma spread is under `flatStd`. */
export function flatBlocks(img: AnalysisImage, flatStd: number): boolean[] {
  const { cols, rows } = OCCLUSION_GRID;
  const flat: boolean[] = [];
  for (let by = 0; by < rows; by++) {
    const y0 = Math.floor((by * img.height) / rows), y1 = Math.floor(((by + 1) * img.height) / rows);
    for (let bx = 0; bx < cols; bx++) {
      const x0 = Math.floor((bx * img.width) / cols), x1 = Math.floor(((bx + 1) * img.width) / cols);
      let sum = 0, sq = 0, n = 0;
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          const v = img.luma[y * img.width + x]!;
          sum += v;
          sq += v * v;
          n++;
        }
      }
      const mean = n ? sum / n : 0;
      flat.push(n === 0 || Math.sqrt(Math.max(0, sq / n - mean * mean)) < flatStd);
    }
  }
  return flat;
}

/** The largest 4-connected group of flat blocks, as a fraction of all blocks (0–1). */
export function largestFlatArea(img: AnalysisImage, flatStd: number): number {
  const { cols, rows } = OCCLUSION_GRID;
  const flat = flatBlocks(img, flatStd);
  const seen = new Uint8Array(flat.length);
  let best = 0;
  for (let start = 0; start < flat.length; start++) {
    if (!flat[start] || seen[start]) continue;
    let size = 0;
    const stack = [start];
    seen[start] = 1;
    while (stack.length) {
      const i = stack.pop()!;
      size++;
      const x = i % cols, y = Math.floor(i / cols);
      for (const [nx, ny] of [[x - 1, y], [x + 1, y], [x, y - 1], [x, y + 1]] as const) {
        if (nx < 0 || ny < 0 || nx >= cols || ny >= rows) continue;
        const j = ny * cols + nx;
        if (flat[j] && !seen[j]) {
          seen[j] = 1;
          stack.push(j);
        }
      }
    }
    best = Math.max(best, size);
  }
  return best / flat.length;
}
