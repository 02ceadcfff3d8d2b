// A JPEG of the frame with the boxes and their labels drawn in: the evidence
// a dispatcher sees. sharp composites an SVG overlay. Labels use our own pixel
// font, which renders without system fonts; a label it cannot draw (人员, 车辆)
// is SVG text in a CJK system font when there is one (`label-font.ts`).
import sharp from 'sharp';
import { GLYPH_HEIGHT, pixelFontCovers, textRects, textWidth } from './font.ts';
import { cjkFont } from './label-font.ts';
import type { Detection, RawFrame } from './types.ts';

const COLOURS = ['#ff3b30', '#34c759', '#0a84ff', '#ffcc00', '#af52de', '#ff9500', '#5ac8fa'];

function colourOf(label: string): string {
  let h = 0;
  for (const ch of label) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return COLOURS[h % COLOURS.length]!;
}

const escapeXml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Width of `text` in the font at `size` px: CJK and other wide characters take a full em, the rest about 0.6. */
const textEm = (text: string, size: number) => [...text].reduce((sum, ch) => sum + ((ch.codePointAt(0) ?? 0) > 0x2e80 ? 1 : 0.6), 0) * size;

export interface OverlayOptions {
  /** Font family for labels the pixel font cannot draw; default: found with fontconfig. `null`: none (they show `?`). */
  cjkFontFamily?: string | null;
}

export function overlaySvg(width: number, height: number, detections: Detection[], opts: OverlayOptions = {}): string {
  const stroke = Math.max(3, Math.round(width / 320));
  const scale = Math.max(2, Math.round(width / 480));
  const family = opts.cjkFontFamily === undefined ? cjkFont().family : (opts.cjkFontFamily ?? undefined);
  const parts = detections.map((d) => {
    const [x, y, w, h] = d.box;
    const colour = colourOf(d.label);
    const label = `${d.label} ${d.score.toFixed(2)}${d.trackId !== undefined ? ` #${d.trackId}` : ''}`;
    const lh = (GLYPH_HEIGHT + 2) * scale;
    const ly = y >= lh ? y - lh : y; // above the box, or inside it at the top edge
    const box = `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="none" stroke="${colour}" stroke-width="${stroke}"/>`;
    if (!pixelFontCovers(label) && family) {
      const size = GLYPH_HEIGHT * scale * 1.15; // CJK glyphs need more height than the 5×7 font to stay legible
      const th = Math.round(size * 1.3);
      const ty = y >= th ? y - th : y;
      return box + `<rect x="${x}" y="${ty}" width="${Math.ceil(textEm(label, size) + 2 * scale)}" height="${th}" fill="${colour}"/>` +
        `<text x="${x + scale}" y="${ty + Math.round(size * 1.05)}" font-family="${escapeXml(family)}" font-size="${size.toFixed(1)}" fill="#000">${escapeXml(label)}</text>`;
    }
    return box + `<rect x="${x}" y="${ly}" width="${textWidth(label, scale) + 2 * scale}" height="${lh}" fill="${colour}"/>` +
      textRects(label, x + scale, ly + scale, scale, '#000');
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
}

export interface AnnotateOptions extends OverlayOptions {
  /** The picture's size when it differs from the frame's (the camera's, for a tap frame): the frame is scaled to it and the boxes are in its pixels. */
  size?: readonly [number, number];
}

export async function annotatedJpeg(frame: RawFrame, detections: Detection[], quality = 85, opts: AnnotateOptions = {}): Promise<Buffer> {
  const [width, height] = opts.size ?? [frame.width, frame.height];
  const scaled = width !== frame.width || height !== frame.height;
  return sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } })
    .resize(scaled ? { width, height, fit: 'fill' } : undefined)
    .composite([{ input: Buffer.from(overlaySvg(width, height, detections, opts)), top: 0, left: 0 }])
    .jpeg({ quality })
    .toBuffer();
}
