// Geometry of the picture. One convention for everything configured (zones,
// masks, areas): fractions 0–1 of the picture, x of its width from the left,
// y of its height from the top. They mean the same place on the main stream,
// a sub-stream and the tap at any size. Boxes leave the detectors in pixels of
// the frame they were found on, with its size beside them (`frameSize`).

export type Point = [number, number];
export type Polygon = Point[];
export type Box = [x: number, y: number, w: number, h: number];

export function pointInPolygon([x, y]: Point, polygon: Polygon): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i]!;
    const [xj, yj] = polygon[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** A box in pixels of a `width`×`height` frame as fractions of it. */
export const normaliseBox = ([x, y, w, h]: Box, width: number, height: number): Box => [x / width, y / height, w / width, h / height];

/** A box from pixels of one frame size to another (tap → source, sub-stream → main stream). */
export function scaleBox([x, y, w, h]: Box, from: readonly [number, number], to: readonly [number, number]): Box {
  const sx = to[0] / from[0];
  const sy = to[1] / from[1];
  return [x * sx, y * sy, w * sx, h * sy];
}

/** Where an object stands: the middle of its box's bottom edge (Frigate's point for zones and masks). */
export const bottomCentre = ([x, y, w, h]: Box): Point => [x + w / 2, y + h];

/** A polygon in fractions, in pixels of a `width`×`height` frame. */
export const polygonToPixels = (polygon: Polygon, width: number, height: number): Polygon => polygon.map(([x, y]) => [x * width, y * height]);

const orient = (a: Point, b: Point, c: Point) => Math.sign((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]));

/** Why a polygon in fractions of the picture is unusable, or undefined. */
export function polygonProblem(polygon: Polygon): string | undefined {
  if (polygon.length < 3) return 'needs at least 3 points';
  const outside = polygon.find(([x, y]) => !(x >= 0 && x <= 1 && y >= 0 && y <= 1));
  if (outside) {
    const pixels = outside.some((v) => v > 1);
    return `point [${outside.join(', ')}] lies outside the picture: points are fractions 0–1 of its width and height${pixels ? ' (this looks like pixels: divide x by the source\'s width and y by its height)' : ''}`;
  }
  const n = polygon.length;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (j === i + 1 || (i === 0 && j === n - 1)) continue; // neighbouring edges share a point
      const [a, b, c, d] = [polygon[i]!, polygon[(i + 1) % n]!, polygon[j]!, polygon[(j + 1) % n]!];
      const o = [orient(a, b, c), orient(a, b, d), orient(c, d, a), orient(c, d, b)];
      if (o[0] !== o[1] && o[2] !== o[3] && !o.includes(0)) return 'edges cross each other';
    }
  }
  return undefined;
}
