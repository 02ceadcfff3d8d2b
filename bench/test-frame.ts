// A 640×360 RGB frame with some structure (gradients, a fine pattern), the
// size the frame tap delivers by default (video.tap.width 640), for the
// detection benchmarks' model and pipeline timings.
import type { RawFrame } from '../detectors/index.ts';

export function structuredFrame(): RawFrame {
  const frame: RawFrame = { width: 640, height: 360, ts: 0, data: Buffer.alloc(640 * 360 * 3) };
  for (let i = 0; i < frame.data.length; i += 3) {
    const p = i / 3;
    frame.data[i] = (p % 640) / 3;
    frame.data[i + 1] = Math.floor(p / 640) / 2;
    frame.data[i + 2] = (p * 7) % 255;
  }
  return frame;
}
