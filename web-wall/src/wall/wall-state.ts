// The wall an operator has set up: layout, which camera is in which tile, the
// player mode, the selected tile and the alarm tile. Kept per user (API key)
// on this workstation, so a reload or the next shift starts where it was.
import { effect, signal } from '@preact/signals';
import { me } from '../session.ts';
import { MAX_TILES, tileCount, type LayoutId } from './layouts.ts';
import type { PlayMode } from './players/index.ts';

export interface WallSetup {
  layout: LayoutId;
  tiles: Array<string | null>;
  mode: PlayMode;
  /** The tile an alarm brings its camera into when the camera is not on the wall; null = the last tile. */
  alarmTile: number | null;
}

const EMPTY: WallSetup = { layout: '4', tiles: Array<string | null>(MAX_TILES).fill(null), mode: 'hls', alarmTile: null };
export const wall = signal<WallSetup>(EMPTY);
export const selectedTile = signal(0);

const userKey = (what: string) => `gw.${what}.${me.value?.keyId ?? me.value?.name ?? 'anonymous'}`;

export function loadWall(): void {
  const saved = localStorage.getItem(userKey('wall'));
  wall.value = saved ? normalise(JSON.parse(saved) as Partial<WallSetup>) : EMPTY;
}

function normalise(s: Partial<WallSetup>): WallSetup {
  const tiles = Array.from({ length: MAX_TILES }, (_, i) => s.tiles?.[i] ?? null);
  return { ...EMPTY, ...s, tiles };
}

/** While a tour shows its pages, the operator's own tiles wait here: saved as theirs, put back when the tour stops. */
let ownTiles: Array<string | null> | null = null;

/** A tour takes the tiles over (the first call keeps the operator's). */
export function lendTiles(): void {
  ownTiles ??= [...wall.value.tiles];
}

/** The tour ended: the operator's own tiles come back (layout and mode as they are now). */
export function returnTiles(): void {
  if (!ownTiles) return;
  const tiles = ownTiles;
  ownTiles = null;
  wall.value = { ...wall.value, tiles };
}

// Every change is saved for this user (a tour's pages are not theirs: their own tiles are saved instead).
effect(() => {
  const w = wall.value;
  if (me.value && w !== EMPTY) localStorage.setItem(userKey('wall'), JSON.stringify(ownTiles ? { ...w, tiles: ownTiles } : w));
});

export const setLayout = (layout: LayoutId) => (wall.value = { ...wall.value, layout });
export const setMode = (mode: PlayMode) => (wall.value = { ...wall.value, mode });
export const setAlarmTile = (alarmTile: number | null) => (wall.value = { ...wall.value, alarmTile });

export function putCamera(index: number, channelId: string | null): void {
  const tiles = [...wall.value.tiles];
  // A camera shows in one tile at a time: moving it leaves its old tile empty.
  const previous = channelId ? tiles.indexOf(channelId) : -1;
  if (previous >= 0 && previous !== index) tiles[previous] = tiles[index] ?? null;
  tiles[index] = channelId;
  wall.value = { ...wall.value, tiles };
}

/** Puts a camera in the selected tile, or the first empty one, and selects the next. */
export function placeCamera(channelId: string): void {
  const n = tileCount(wall.value.layout);
  const visible = wall.value.tiles.slice(0, n);
  const at = visible.indexOf(channelId);
  if (at >= 0) return void (selectedTile.value = at);
  const empty = visible.indexOf(null);
  const selected = Math.min(selectedTile.value, n - 1);
  const target = visible[selected] === null || empty < 0 ? selected : empty;
  putCamera(target, channelId);
  selectedTile.value = (target + 1) % n;
}

export function visibleCameras(): string[] {
  return wall.value.tiles.slice(0, tileCount(wall.value.layout)).filter((id): id is string => id !== null);
}

export function alarmTileIndex(): number {
  const n = tileCount(wall.value.layout);
  const chosen = wall.value.alarmTile;
  return chosen !== null && chosen < n ? chosen : n - 1;
}

// Presets: named wall setups of this user.
export function listPresets(): Record<string, WallSetup> {
  return JSON.parse(localStorage.getItem(userKey('presets')) ?? '{}') as Record<string, WallSetup>;
}
export function savePreset(name: string): void {
  localStorage.setItem(userKey('presets'), JSON.stringify({ ...listPresets(), [name]: wall.value }));
}
export function applyPreset(name: string): void {
  const p = listPresets()[name];
  if (p) wall.value = normalise(p);
}
export function deletePreset(name: string): void {
  const all = listPresets();
  delete all[name];
  localStorage.setItem(userKey('presets'), JSON.stringify(all));
}
