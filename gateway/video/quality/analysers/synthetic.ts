// Synthetic frames for the analysers' unit tests and the benchmark: a
// deterministic textured scene (a chessboard with gradients), and the same
// scene black, flat, blurred, covered, tinted or noisy. Pure TS, no ffmpeg.
import { prng } from '../../../gb28181/media/test-random.ts';

export interface RawRgb {
  data: Buffer;
  width: number;
  height: number;
}

/** A colourful textured scene; `shift` moves the pattern (a moving camera picture). */
export function scene(width = 640, height = 360, shift = 0): RawRgb {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const sx = x + shift;
      const check = ((Math.floor(sx / 20) + Math.floor(y / 20)) & 1) === 1;
      data[i] = check ? 40 + ((sx * 3) % 180) : 200 - (y % 120);
      data[i + 1] = check ? 60 + (y % 150) : 30 + ((sx + y) % 200);
      data[i + 2] = check ? 220 - ((sx + 2 * y) % 160) : 50 + (sx % 140);
    }
  }
  return { data, width, height };
}

export function flat(r: number, g: number, b: number, width = 640, height = 360): RawRgb {
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < data.length; i += 3) {
    data[i] = r;
    data[i + 1] = g;
    data[i + 2] = b;
  }
  return { data, width, height };
}

/** Box blur of radius r, separable, clamped at the edges. */
export function blurred(src: RawRgb, r: number): RawRgb {
  const { width: w, height: h } = src;
  const pass = (from: Buffer, horizontal: boolean) => {
    const out = Buffer.alloc(from.length);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let c = 0; c < 3; c++) {
          let sum = 0;
          for (let k = -r; k <= r; k++) {
            const xx = horizontal ? Math.min(w - 1, Math.max(0, x + k)) : x;
            const yy = horizontal ? y : Math.min(h - 1, Math.max(0, y + k));
            sum += from[(yy * w + xx) * 3 + c]!;
          }
          out[(y * w + x) * 3 + c] = Math.round(sum / (2 * r + 1));
        }
      }
    }
    return out;
  };
  return { data: pass(pass(src.data, true), false), width: w, height: h };
}

/** The left `fraction` of the frame painted one dark colour (a hand, a board, a lens cap half on). */
export function covered(src: RawRgb, fraction: number): RawRgb {
  const data = Buffer.from(src.data);
  const edge = Math.round(src.width * fraction);
  for (let y = 0; y < src.height; y++) {
    for (let x = 0; x < edge; x++) data.fill(25, (y * src.width + x) * 3, (y * src.width + x) * 3 + 3);
  }
  return { ...src, data };
}

/** Desaturated towards grey and shifted towards one colour (a failing IR-cut filter, a wrong white balance). */
export function tinted(src: RawRgb, shift: [number, number, number], saturation = 0.3): RawRgb {
  const data = Buffer.alloc(src.data.length);
  for (let i = 0; i < data.length; i += 3) {
    const y = 0.299 * src.data[i]! + 0.587 * src.data[i + 1]! + 0.114 * src.data[i + 2]!;
    for (let c = 0; c < 3; c++) data[i + c] = Math.max(0, Math.min(255, Math.round(y + saturation * (src.data[i + c]! - y) + shift[c]!)));
  }
  return { ...src, data };
}

/** Uniform noise of ±amplitude on every sample. */
export function noisy(src: RawRgb, amplitude: number, seed = 1): RawRgb {
  const random = prng(seed).next; // seeded: noisy frames are the same every run
  const data = Buffer.alloc(src.data.length);
  for (let i = 0; i < data.length; i++) data[i] = Math.max(0, Math.min(255, Math.round(src.data[i]! + (random() * 2 - 1) * amplitude)));
  return { ...src, data };
}
