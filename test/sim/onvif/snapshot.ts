// The JPEG a simulated camera serves at its snapshot URI unless given one:
// a small grey picture made once per process with sharp.
import sharp from 'sharp';

let made: Promise<Buffer> | undefined;

export function defaultSnapshotJpeg(): Promise<Buffer> {
  made ??= sharp({ create: { width: 352, height: 288, channels: 3, background: { r: 128, g: 128, b: 128 } } }).jpeg({ quality: 70 }).toBuffer();
  return made;
}
