// Alarm linkage (视频联动): when an incident with a location arrives, the
// cameras nearest it (its own grid cell first, then by distance, within the
// configured radius) are offered to the wall — or, with linkage mode auto, put
// into tiles at once. The gateway sends them with the incident.created event
// (`nearestCameras`, already cut to the caller's scope); an event without them
// asks GET /api/channels/near. Runs for every role with the wall.
import { signal } from '@preact/signals';
import { api } from '../api/client.ts';
import type { Incident } from '../api/types.ts';
import { onNewIncident } from '../store/incidents.ts';
import { tileCount } from '../wall/layouts.ts';
import { putCamera, wall } from '../wall/wall-state.ts';
import { loadMapConfig, nearCameras, type MapConfig, type NearCamera } from './map-api.ts';

export interface LinkageOffer { incident: Incident; cameras: NearCamera[]; placed: boolean }

export const linkageOffers = signal<LinkageOffer[]>([]);
/** How long the note "brought to the wall" (mode auto) stays; an offer waiting for a decision stays until it is taken or closed. */
const PLACED_NOTE_MS = 30_000;
let linkage: MapConfig['linkage'] | null = null;

/** The tiles the linked cameras go to: empty ones first, then from the end of the layout. */
export function linkageTiles(tiles: Array<string | null>, visible: number, needed: number): number[] {
  const shown = tiles.slice(0, visible);
  const empty = shown.flatMap((id, i) => (id === null ? [i] : []));
  const filled = shown.flatMap((id, i) => (id === null ? [] : [i])).reverse();
  return [...empty, ...filled].slice(0, needed);
}

/** Puts the cameras into tiles (a camera already on the wall stays where it is) and turns those with a preset on the incident's cell to it. */
export function bringToWall(cameras: NearCamera[]): void {
  const n = tileCount(wall.value.layout);
  const missing = cameras.filter((c) => !wall.value.tiles.slice(0, n).includes(c.id));
  const targets = linkageTiles(wall.value.tiles, n, missing.length);
  missing.forEach((c, k) => { const at = targets[k]; if (at !== undefined) putCamera(at, c.id); });
  for (const c of cameras) if (c.preset !== undefined) void callPreset(c.id, c.preset);
}

/** Turns a PTZ camera to its preset (GB28181 DeviceControl); a role without PTZ (dispatchers) or a camera that refuses leaves it where it is. */
async function callPreset(channelId: string, index: number): Promise<void> {
  try {
    await api(`/api/channels/${encodeURIComponent(channelId)}/ptz`, { method: 'POST', body: { preset: { action: 'call', index } } });
  } catch (err) {
    console.warn(`linkage: preset ${index} of ${channelId} not called`, err);
  }
}

export function acceptOffer(incidentId: string): void {
  const offer = linkageOffers.value.find((o) => o.incident.id === incidentId);
  if (!offer) return;
  bringToWall(offer.cameras);
  linkageOffers.value = linkageOffers.value.map((o) => (o === offer ? { ...o, placed: true } : o));
}

export const dismissOffer = (incidentId: string) => (linkageOffers.value = linkageOffers.value.filter((o) => o.incident.id !== incidentId));

async function link(incident: Incident): Promise<void> {
  if (!incident.location) return;
  if (!linkage) linkage = (await loadMapConfig()).linkage;
  if (linkage.mode === 'off') return;
  const sent = (incident as Incident & { nearestCameras?: NearCamera[] }).nearestCameras;
  const items = Array.isArray(sent) ? sent : (await nearCameras(incident.location.lat, incident.location.lng, linkage.radiusMeters, linkage.cameras)).items;
  if (!items.length) return;
  const auto = linkage.mode === 'auto';
  if (auto) {
    bringToWall(items);
    // Done already: the note only says so, then gives the alarm panel its room back.
    window.setTimeout(() => dismissOffer(incident.id), PLACED_NOTE_MS);
  }
  // The newest first; a handful at most stay listed.
  linkageOffers.value = [{ incident, cameras: items, placed: auto }, ...linkageOffers.value.filter((o) => o.incident.id !== incident.id)].slice(0, 5);
}

/** Starts following new incidents; returns the stop. */
export function startLinkage(): () => void {
  linkage = null;
  return onNewIncident((i) => void link(i).catch((err: unknown) => console.warn('linkage: nearest cameras failed', err)));
}
