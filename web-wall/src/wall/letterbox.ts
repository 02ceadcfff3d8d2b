// Where the picture lies inside its element under `object-fit: contain`, and
// how a detection box maps onto it: boxes come in the camera's pixels with its
// size (`frameSize`), so the tile may play the main stream or a sub-stream.
export interface Rect { x: number; y: number; w: number; h: number }

export function contentRect(boxW: number, boxH: number, videoW: number, videoH: number): Rect {
  if (!videoW || !videoH) return { x: 0, y: 0, w: boxW, h: boxH };
  const scale = Math.min(boxW / videoW, boxH / videoH);
  const w = videoW * scale;
  const h = videoH * scale;
  return { x: (boxW - w) / 2, y: (boxH - h) / 2, w, h };
}

/** A detection box [x, y, w, h] in `frameSize` pixels, onto the displayed picture. */
export function mapBox(box: [number, number, number, number], frameSize: [number, number], picture: Rect): Rect {
  const sx = picture.w / frameSize[0];
  const sy = picture.h / frameSize[1];
  return { x: picture.x + box[0] * sx, y: picture.y + box[1] * sy, w: box[2] * sx, h: box[3] * sy };
}
