// Places an incident in a grid cell (网格): the smallest cell whose outline
// contains the point; if none does, the nearest cell. Outlines come from the
// registry and are reloaded when a grid cell changes.
import type { RegistryService } from '../../device-registry/index.ts';

type Ring = number[][];
interface Cell {
  code: string;
  polygons: Ring[][]; // each: outer ring, then holes
  area: number;
}

function ringArea(ring: Ring): number {
  let sum = 0;
  for (let i = 0; i < ring.length - 1; i++) sum += ring[i]![0]! * ring[i + 1]![1]! - ring[i + 1]![0]! * ring[i]![1]!;
  return Math.abs(sum / 2);
}

/** Whether a point is inside a ring (even-odd rule), for outlines in [lng, lat]. */
export function inRing(lng: number, lat: number, ring: Ring): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i] as [number, number];
    const [xj, yj] = ring[j] as [number, number];
    if (yi > lat !== yj > lat && lng < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

const contains = (cell: Cell, lng: number, lat: number) =>
  cell.polygons.some(([outer, ...holes]) => outer !== undefined && inRing(lng, lat, outer) && !holes.some((h) => inRing(lng, lat, h)));

/** Distance in metres from a point to a segment, on a local flat projection (fine at grid-cell scale). */
function segmentDistance(lng: number, lat: number, a: number[], b: number[]): number {
  const kx = 111_320 * Math.cos((lat * Math.PI) / 180);
  const ky = 110_540;
  const [ax, ay, bx, by] = [(a[0]! - lng) * kx, (a[1]! - lat) * ky, (b[0]! - lng) * kx, (b[1]! - lat) * ky];
  const dx = bx - ax;
  const dy = by - ay;
  const t = dx === 0 && dy === 0 ? 0 : Math.max(0, Math.min(1, -(ax * dx + ay * dy) / (dx * dx + dy * dy)));
  return Math.hypot(ax + t * dx, ay + t * dy);
}

function distance(cell: Cell, lng: number, lat: number): number {
  let best = Infinity;
  for (const [outer] of cell.polygons) {
    for (let i = 0; outer && i < outer.length - 1; i++) best = Math.min(best, segmentDistance(lng, lat, outer[i]!, outer[i + 1]!));
  }
  return best;
}

export class GridLocator {
  private cells: Cell[] | undefined;

  constructor(private readonly registry: RegistryService) {
    registry.events.on('device.changed', (e) => {
      if (e.entity === 'grids') this.cells = undefined;
    });
  }

  private async load(): Promise<Cell[]> {
    const cells: Cell[] = [];
    for await (const row of this.registry.all('grids')) {
      const polygon = row.doc.polygon as { type: string; coordinates: unknown } | undefined;
      if (!polygon) continue;
      const polygons = (polygon.type === 'Polygon' ? [polygon.coordinates] : polygon.coordinates) as Ring[][];
      cells.push({ code: row.id, polygons, area: polygons.reduce((a, p) => a + ringArea(p[0] ?? []) - p.slice(1).reduce((h, r) => h + ringArea(r), 0), 0) });
    }
    return cells;
  }

  /** The grid code for a point, or undefined when no cell has an outline. */
  async locate(lat: number, lng: number): Promise<{ gridCode: string; how: 'inside' | 'nearest'; distanceM?: number } | undefined> {
    this.cells ??= await this.load();
    let inside: Cell | undefined;
    for (const cell of this.cells) if (contains(cell, lng, lat) && (!inside || cell.area < inside.area)) inside = cell;
    if (inside) return { gridCode: inside.code, how: 'inside' };
    let nearest: { cell: Cell; d: number } | undefined;
    for (const cell of this.cells) {
      const d = distance(cell, lng, lat);
      if (!nearest || d < nearest.d) nearest = { cell, d };
    }
    return nearest ? { gridCode: nearest.cell.code, how: 'nearest', distanceM: Math.round(nearest.d) } : undefined;
  }
}
