// Checks on grid outlines that JSON Schema cannot express: coordinate ranges,
// closed rings, a non-zero area and no self-crossing edges. A bad outline would
// later put incidents in the wrong 网格, so it is refused at the door.
import type { FieldError } from './errors.ts';
import type { GridPolygon } from './schemas/grid.ts';

type Position = number[];

// Self-intersection is checked pairwise; above this many vertices the quadratic
// cost is not worth it at the door (the outline is still range- and closure-checked).
const MAX_RING_FOR_CROSSING_CHECK = 2000;

export function checkPolygon(polygon: GridPolygon, field: string): FieldError[] {
  const polygons = polygon.type === 'Polygon' ? [polygon.coordinates] : polygon.coordinates;
  const errors: FieldError[] = [];
  polygons.forEach((rings, p) => {
    rings.forEach((ring, r) => {
      const at = polygon.type === 'Polygon' ? `${field}.coordinates.${r}` : `${field}.coordinates.${p}.${r}`;
      const problem = ringProblem(ring);
      if (problem) errors.push({ field: at, message: problem });
    });
  });
  return errors;
}

function ringProblem(ring: Position[]): string | undefined {
  for (const [i, pos] of ring.entries()) {
    const [lng, lat] = pos as [number, number];
    if (!(lng >= -180 && lng <= 180) || !(lat >= -90 && lat <= 90)) {
      return `position ${i} is not [lng, lat] within ±180/±90`;
    }
  }
  const first = ring[0]!;
  const last = ring[ring.length - 1]!;
  if (first[0] !== last[0] || first[1] !== last[1]) return 'ring is not closed (first and last positions differ)';
  if (Math.abs(signedArea(ring)) < 1e-14) return 'ring has no area';
  if (ring.length <= MAX_RING_FOR_CROSSING_CHECK && selfIntersects(ring)) return 'ring crosses itself';
  return undefined;
}

function signedArea(ring: Position[]): number {
  let sum = 0;
  for (let i = 0; i < ring.length - 1; i++) {
    const a = ring[i]!;
    const b = ring[i + 1]!;
    sum += a[0]! * b[1]! - b[0]! * a[1]!;
  }
  return sum / 2;
}

const orient = (a: Position, b: Position, c: Position) => Math.sign((b[0]! - a[0]!) * (c[1]! - a[1]!) - (b[1]! - a[1]!) * (c[0]! - a[0]!));

function segmentsCross(a: Position, b: Position, c: Position, d: Position): boolean {
  const o1 = orient(a, b, c);
  const o2 = orient(a, b, d);
  const o3 = orient(c, d, a);
  const o4 = orient(c, d, b);
  return o1 !== o2 && o3 !== o4 && o1 !== 0 && o2 !== 0 && o3 !== 0 && o4 !== 0;
}

function selfIntersects(ring: Position[]): boolean {
  const n = ring.length - 1; // edges
  for (let i = 0; i < n; i++) {
    for (let j = i + 2; j < n; j++) {
      if (i === 0 && j === n - 1) continue; // first and last edges share the closing vertex
      if (segmentsCross(ring[i]!, ring[i + 1]!, ring[j]!, ring[j + 1]!)) return true;
    }
  }
  return false;
}
