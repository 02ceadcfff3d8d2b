// Where the map opens when the configuration does not say: the middle of the
// grid cells' outlines, at the zoom that fits them on a wall screen. Worked
// out once and again after a grid cell changes.
import type { RegistryService } from '../../device-registry/index.ts';

export interface MapView {
  center: [number, number];
  zoom: number;
}

/** No grid cell with an outline yet: the whole country. */
const NOWHERE: MapView = { center: [104.2, 35.9], zoom: 4 };
/** A view of about this many pixels (a 1080p tile of the wall, less the panels). */
const VIEW_PX = { width: 1280, height: 720 };
const TILE_PX = 256;

type Box = { minLng: number; minLat: number; maxLng: number; maxLat: number };

function extend(box: Box, coords: unknown): void {
  if (!Array.isArray(coords)) return;
  if (typeof coords[0] === 'number' && typeof coords[1] === 'number') {
    box.minLng = Math.min(box.minLng, coords[0]);
    box.maxLng = Math.max(box.maxLng, coords[0]);
    box.minLat = Math.min(box.minLat, coords[1]);
    box.maxLat = Math.max(box.maxLat, coords[1]);
    return;
  }
  for (const c of coords) extend(box, c);
}

const mercatorY = (lat: number) => Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360));

/** The largest web-mercator zoom at which the box fits the view (at most 18). */
export function fitZoom(box: Box): number {
  const lngFraction = Math.max((box.maxLng - box.minLng) / 360, 1e-9);
  const latFraction = Math.max((mercatorY(box.maxLat) - mercatorY(box.minLat)) / (2 * Math.PI), 1e-9);
  const zoom = Math.min(Math.log2(VIEW_PX.width / TILE_PX / lngFraction), Math.log2(VIEW_PX.height / TILE_PX / latFraction));
  return Math.max(1, Math.min(18, Math.floor(zoom)));
}

export class DefaultView {
  private view: Promise<MapView> | undefined;

  constructor(private readonly registry: RegistryService) {
    registry.events.on('device.changed', (e) => {
      if (e.entity === 'grids') this.view = undefined;
    });
  }

  get(): Promise<MapView> {
    this.view ??= this.compute();
    const computing = this.view;
    computing.catch(() => {
      if (this.view === computing) this.view = undefined;
    });
    return computing;
  }

  private async compute(): Promise<MapView> {
    const box: Box = { minLng: Infinity, minLat: Infinity, maxLng: -Infinity, maxLat: -Infinity };
    for await (const row of this.registry.all('grids')) extend(box, (row.doc.polygon as { coordinates?: unknown } | undefined)?.coordinates);
    if (!Number.isFinite(box.minLng)) return NOWHERE;
    const center: [number, number] = [round((box.minLng + box.maxLng) / 2), round((box.minLat + box.maxLat) / 2)];
    return { center, zoom: fitZoom(box) };
  }
}

const round = (deg: number) => Math.round(deg * 1e6) / 1e6;
