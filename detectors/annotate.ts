// A JPEG of the frame with the boxes and their labels drawn in: the evidence
// a dispatcher sees. sharp composites an SVG overlay; labels use our own pixel
// font so they render without system fonts.
import sharp from 'sharp';
import { GLYPH_HEIGHT, textRects, textWidth } from './font.ts';
import type { Detection, RawFrame } from './types.ts';

const COLOURS = ['#ff3b30', '#34c759', '#0a84ff', '#ffcc00', '#af52de', '#ff9500', '#5ac8fa'];

function colourOf(label: string): string {
  let h = 0;
  for (const ch of label) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return COLOURS[h % COLOURS.length]!;
}

export function overlaySvg(width: number, height: number, detections: Detection[]): string {
  const stroke = Math.max(3, Math.round(width / 320));
  const scale = Math.max(2, Math.round(width / 480));
  const parts = detections.map((d) => {
    const [x, y, w, h] = d.box;
    const colour = colourOf(d.label);
    const label = `${d.label} ${d.score.toFixed(2)}${d.trackId !== undefined ? ` #${d.trackId}` : ''}`;
    const lw = textWidth(label, scale) + 2 * scale;
    const lh = (GLYPH_HEIGHT + 2) * scale;
    const ly = y >= lh ? y - lh : y; // above the box, or inside it at the top edge
    return `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="none" stroke="${colour}" stroke-width="${stroke}"/>` +
      `<rect x="${x}" y="${ly}" width="${lw}" height="${lh}" fill="${colour}"/>` +
      textRects(label, x + scale, ly + scale, scale, '#000');
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
}

export async function annotatedJpeg(frame: RawFrame, detections: Detection[], quality = 85): Promise<Buffer> {
  return sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } })
    .composite([{ input: Buffer.from(overlaySvg(frame.width, frame.height, detections)), top: 0, left: 0 }])
    .jpeg({ quality })
    .toBuffer();
}
