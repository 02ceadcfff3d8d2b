// Tour (轮巡): a camera group cycles through the wall's tiles, one page of
// cameras every N seconds. The group is a grid cell's cameras (with its sub-cells) or all.
import { signal } from '@preact/signals';
import type { Channel, Grid } from '../api/types.ts';
import { channels, grids } from '../store/registry.ts';
import { tileCount } from './layouts.ts';
import { lendTiles, returnTiles, wall } from './wall-state.ts';

export interface Tour { gridCode: string | null; seconds: number; page: number }
export const tour = signal<Tour | null>(null);
let timer: number | undefined;
export const MIN_SECONDS = 3;

/** Codes of a grid cell and every cell under it. */
export function subtree(code: string, all: Grid[]): Set<string> {
  const out = new Set([code]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const g of all) {
      if (g.parentCode && out.has(g.parentCode) && !out.has(g.code)) {
        out.add(g.code);
        grew = true;
      }
    }
  }
  return out;
}

export function tourCameras(gridCode: string | null): Channel[] {
  const inGroup = gridCode ? subtree(gridCode, grids.value) : null;
  return channels.value.filter((c) => c.enabled && (!inGroup || (c.gridCode !== undefined && inGroup.has(c.gridCode))));
}

function showPage(t: Tour): void {
  const cams = tourCameras(t.gridCode);
  const n = tileCount(wall.value.layout);
  const pages = Math.max(1, Math.ceil(cams.length / n));
  const page = t.page % pages;
  const tiles = [...wall.value.tiles];
  for (let i = 0; i < n; i++) tiles[i] = cams[page * n + i]?.id ?? null;
  wall.value = { ...wall.value, tiles };
  tour.value = { ...t, page };
}

export function startTour(gridCode: string | null, seconds: number): void {
  stopTour();
  const t: Tour = { gridCode, seconds: Math.max(MIN_SECONDS, seconds), page: 0 };
  lendTiles();
  showPage(t);
  timer = window.setInterval(() => showPage({ ...tour.value!, page: tour.value!.page + 1 }), t.seconds * 1000);
}

/** Stops the tour and puts the operator's own wall back. */
export function stopTour(): void {
  clearInterval(timer);
  timer = undefined;
  tour.value = null;
  returnTiles();
}
