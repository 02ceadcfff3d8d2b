// Polygons in image coordinates (zones, motion masks): containment and checks.

export type Point = [number, number];
export type Polygon = Point[];

export function pointInPolygon([x, y]: Point, polygon: Polygon): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i]!;
    const [xj, yj] = polygon[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

const orient = (a: Point, b: Point, c: Point) => Math.sign((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]));

/** Why a zone polygon is unusable for a frame of this size, or undefined. */
export function polygonProblem(polygon: Polygon, width: number, height: number): string | undefined {
  if (polygon.length < 3) return 'needs at least 3 points';
  if (polygon.some(([x, y]) => !(x >= 0 && x <= width && y >= 0 && y <= height))) return `a point lies outside the ${width}×${height} frame`;
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
