// Chinese labels on evidence snapshots: drawn in a CJK system font found with
// fontconfig (fonts-noto-cjk in CI), checked on the pixels; without such a
// font they fall back to the pixel font's `?`, as the gateway warns at start.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { annotatedJpeg, overlaySvg } from './annotate.ts';
import { textRects } from './font.ts';
import { cjkFont } from './label-font.ts';
import type { Detection, RawFrame } from './types.ts';

const W = 640;
const H = 360;
const grey: RawFrame = { width: W, height: H, ts: 0, data: Buffer.alloc(W * H * 3, 128) };
const person = (label: string): Detection => ({ label, score: 0.93, box: [200, 120, 80, 80] });

/** Dark (text-coloured) pixels of a decoded snapshot inside a rectangle, as a 0/1 mask. */
async function darkMask(jpeg: Buffer, x0: number, y0: number, w: number, h: number): Promise<Uint8Array> {
  const { data } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  const mask = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = ((y0 + y) * W + x0 + x) * 3;
      mask[y * w + x] = data[i]! + data[i + 1]! + data[i + 2]! < 180 ? 1 : 0;
    }
  }
  return mask;
}
const count = (m: Uint8Array) => m.reduce((a, b) => a + b, 0);
const differing = (a: Uint8Array, b: Uint8Array) => a.reduce((n, v, i) => n + (v !== b[i] ? 1 : 0), 0);

test('a CJK font is found with fontconfig', () => {
  const font = cjkFont();
  assert.ok(font.family, `no CJK font: ${'problem' in font ? font.problem : ''}`);
});

test('人员 is drawn in the CJK font: text pixels in the label, not the ?? of the pixel font, two different glyphs', async () => {
  const family = cjkFont().family!;
  const svg = overlaySvg(W, H, [person('人员')], { cjkFontFamily: family });
  assert.match(svg, /<text [^>]*font-family="[^"]+"[^>]*>人员 0\.93<\/text>/);
  const withFont = await annotatedJpeg(grey, [person('人员')], 95, { cjkFontFamily: family });
  const asQuestionMarks = await annotatedJpeg(grey, [person('人员')], 95, { cjkFontFamily: null });
  // The label sits above the box (y 120): its first two glyphs are within x 200..236, y 99..120.
  const [gx, gy, gw, gh] = [201, 99, 34, 21];
  const cjk = await darkMask(withFont, gx, gy, gw, gh);
  const fallback = await darkMask(asQuestionMarks, gx, gy, gw, gh);
  assert.ok(count(cjk) >= 40, `text-coloured pixels in the label (${count(cjk)})`);
  assert.ok(differing(cjk, fallback) >= 0.3 * Math.max(count(cjk), count(fallback)), `the glyphs differ from ?? (${differing(cjk, fallback)} pixels of ${count(cjk)} / ${count(fallback)})`);
  // 人 and 员 side by side: a missing glyph would draw the same box twice
  const half = Math.floor(gw / 2);
  const left = await darkMask(withFont, gx, gy, half, gh);
  const right = await darkMask(withFont, gx + half, gy, half, gh);
  assert.ok(count(left) > 10 && count(right) > 10, `both glyphs have ink (${count(left)}, ${count(right)})`);
  assert.ok(differing(left, right) >= 0.3 * Math.max(count(left), count(right)), `人 and 员 are different shapes (${differing(left, right)} pixels differ)`);
});

test('labels the pixel font covers stay in the pixel font; without a CJK font, Chinese falls back to ?', () => {
  assert.doesNotMatch(overlaySvg(W, H, [person('person')], { cjkFontFamily: 'Noto Sans CJK SC' }), /<text/);
  const fallback = overlaySvg(W, H, [person('车辆')], { cjkFontFamily: null });
  assert.doesNotMatch(fallback, /<text/);
  assert.ok(fallback.includes(textRects('?? 0.93', 202, 104, 2, '#000')), 'drawn as ?? in the pixel font');
  assert.match(overlaySvg(W, H, [person('a<b&"c"')], { cjkFontFamily: 'X' }), /&#60;b&#38;&#34;c&#34;/, 'label text is escaped in the SVG');
});
