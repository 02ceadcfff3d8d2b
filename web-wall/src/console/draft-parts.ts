// Pieces both device forms share: the text of a location, tags and grid cell
// as typed, turned into API values. Nothing is checked here: a value that is
// not a number is sent as typed, so the gateway's own message names it.
import type { LatLng } from '../api/types.ts';
import { t } from '../i18n/index.ts';
import { grids } from '../store/registry.ts';
import type { Json, JsonObject } from './merge-patch.ts';

export interface PlaceDraft { lat: string; lng: string; gridCode: string; tags: string }

export const placeDraftOf = (d?: { location?: LatLng; gridCode?: string; tags?: string[] }): PlaceDraft => ({
  lat: d?.location ? String(d.location.lat) : '',
  lng: d?.location ? String(d.location.lng) : '',
  gridCode: d?.gridCode ?? '',
  tags: (d?.tags ?? []).join(', '),
});

const numberOrText = (text: string): Json => (/^[-+]?(\d+\.?\d*|\.\d+)$/.test(text.trim()) ? Number(text) : text.trim());

/** location, gridCode and tags as the API takes them; blank ones left out. */
export function placeFields(d: PlaceDraft): JsonObject {
  const out: JsonObject = {};
  const location: JsonObject = {};
  if (d.lat.trim()) location.lat = numberOrText(d.lat);
  if (d.lng.trim()) location.lng = numberOrText(d.lng);
  if (Object.keys(location).length) out.location = location;
  if (d.gridCode) out.gridCode = d.gridCode;
  out.tags = d.tags.split(/[,;，；\s]+/).map((s) => s.trim()).filter(Boolean);
  return out;
}

/** The grid cells to choose from, deepest named by its path of names. */
export function gridOptions(): Array<{ value: string; label: string }> {
  const sorted = [...grids.value].sort((a, b) => a.code.localeCompare(b.code));
  return [{ value: '', label: t('console.grid.none') }, ...sorted.map((g) => ({ value: g.code, label: `${g.name} (${g.code})` }))];
}

/** A grid code and every cell below it (the registry's `grid` filter does the same). */
export function gridAndBelow(code: string): Set<string> {
  const out = new Set([code]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const g of grids.value) {
      if (g.parentCode && out.has(g.parentCode) && !out.has(g.code)) {
        out.add(g.code);
        grew = true;
      }
    }
  }
  return out;
}
