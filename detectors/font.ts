// A 5×7 pixel font drawn as SVG rectangles, so box labels render on any
// machine: SVG <text> needs fontconfig and a font, and without them sharp
// draws empty boxes (tofu). Lower case is drawn as upper case.
const GLYPHS: Record<string, number[]> = {
  A: [14, 17, 17, 31, 17, 17, 17], B: [30, 17, 17, 30, 17, 17, 30], C: [14, 17, 16, 16, 16, 17, 14], D: [30, 17, 17, 17, 17, 17, 30],
  E: [31, 16, 16, 30, 16, 16, 31], F: [31, 16, 16, 30, 16, 16, 16], G: [14, 17, 16, 23, 17, 17, 15], H: [17, 17, 17, 31, 17, 17, 17],
  I: [14, 4, 4, 4, 4, 4, 14], J: [7, 2, 2, 2, 2, 18, 12], K: [17, 18, 20, 24, 20, 18, 17], L: [16, 16, 16, 16, 16, 16, 31],
  M: [17, 27, 21, 21, 17, 17, 17], N: [17, 17, 25, 21, 19, 17, 17], O: [14, 17, 17, 17, 17, 17, 14], P: [30, 17, 17, 30, 16, 16, 16],
  Q: [14, 17, 17, 17, 21, 18, 13], R: [30, 17, 17, 30, 20, 18, 17], S: [15, 16, 16, 14, 1, 1, 30], T: [31, 4, 4, 4, 4, 4, 4],
  U: [17, 17, 17, 17, 17, 17, 14], V: [17, 17, 17, 17, 17, 10, 4], W: [17, 17, 17, 21, 21, 21, 10], X: [17, 17, 10, 4, 10, 17, 17],
  Y: [17, 17, 17, 10, 4, 4, 4], Z: [31, 1, 2, 4, 8, 16, 31],
  0: [14, 17, 19, 21, 25, 17, 14], 1: [4, 12, 4, 4, 4, 4, 14], 2: [14, 17, 1, 2, 4, 8, 31], 3: [31, 2, 4, 2, 1, 17, 14],
  4: [2, 6, 10, 18, 31, 2, 2], 5: [31, 16, 30, 1, 1, 17, 14], 6: [6, 8, 16, 30, 17, 17, 14], 7: [31, 1, 2, 4, 8, 8, 8],
  8: [14, 17, 17, 14, 17, 17, 14], 9: [14, 17, 17, 15, 1, 2, 12],
  '.': [0, 0, 0, 0, 0, 12, 12], '-': [0, 0, 0, 31, 0, 0, 0], _: [0, 0, 0, 0, 0, 0, 31], ':': [0, 12, 12, 0, 12, 12, 0],
  '%': [24, 25, 2, 4, 8, 19, 3], '#': [10, 10, 31, 10, 31, 10, 10], ' ': [0, 0, 0, 0, 0, 0, 0], '?': [14, 17, 1, 2, 4, 0, 4],
};

export const GLYPH_WIDTH = 6; // 5 columns and a gap
export const GLYPH_HEIGHT = 7;

/** SVG rectangles drawing `text` with its top-left at (x, y), each font pixel `scale` units. */
export function textRects(text: string, x: number, y: number, scale: number, fill: string): string {
  const rects: string[] = [];
  [...text.toUpperCase()].forEach((ch, i) => {
    const rows = GLYPHS[ch] ?? GLYPHS['?']!;
    rows.forEach((bits, row) => {
      // one rectangle per horizontal run of set pixels
      for (let col = 0; col < 5; ) {
        if (!(bits & (16 >> col))) {
          col++;
          continue;
        }
        const start = col;
        while (col < 5 && bits & (16 >> col)) col++;
        rects.push(`<rect x="${x + (i * GLYPH_WIDTH + start) * scale}" y="${y + row * scale}" width="${(col - start) * scale}" height="${scale}" fill="${fill}"/>`);
      }
    });
  });
  return rects.join('');
}

/** Whether the pixel font draws every character of `text` (else some become `?`). */
export const pixelFontCovers = (text: string) => [...text.toUpperCase()].every((ch) => ch in GLYPHS);

export const textWidth = (text: string, scale: number) => (text.length * GLYPH_WIDTH - 1) * scale;
