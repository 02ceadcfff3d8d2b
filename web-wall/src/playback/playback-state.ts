// Which tiles play recorded footage, at what speed, and their playheads.
// Tiles register their player (the gateway's footage: PlaybackPlayer; a range
// kept on a GB28181 device: DevicePlaybackPlayer); a seek goes to one tile, or
// to every playback tile when synchronous playback is on (sync.ts).
import { signal } from '@preact/signals';

/** What the transport, the timeline and sync drive, whichever footage a tile plays. */
export interface TilePlayer {
  /** The wall-clock time under the playhead (ms), or null before the first frame. */
  playingDate(): number | null;
  setPaused(paused: boolean): void;
  step(frames: number): void;
  setRate(rate: number): void;
  seek(atMs: number): Promise<void>;
  destroy(): void;
}

/** A range kept on a GB28181 device that a tile plays (epoch ms). */
export interface DeviceRange { channelId: string; from: number; to: number }

export const SPEEDS = [1, 2, 4, 8] as const;
/** Synchronous playback covers the first tiles of a 1–4 tile layout. */
export const MAX_SYNC_TILES = 4;

/** Tile index → the channel it plays back (a tile not listed is live). */
export const playbackTiles = signal<ReadonlyMap<number, string>>(new Map());
/** Tile index → the wall-clock time under its playhead (ms), refreshed a few times a second. */
export const playheads = signal<ReadonlyMap<number, number>>(new Map());
export const speed = signal<number>(1);
/** Every playback tile holds its picture (like the speed, one setting for all: synced tiles stay together). */
export const paused = signal(false);
export const syncOn = signal(false);

/** Tile index → the device range it plays (a playback tile not listed plays the gateway's footage). */
export const deviceTiles = signal<ReadonlyMap<number, DeviceRange>>(new Map());

const players = new Map<number, TilePlayer>();
/** Where a tile is to start once its player exists. */
const pendingSeek = new Map<number, number>();

/** Whether tile `index` plays back `channelId` (a tile given another camera is live again). */
export const isPlayback = (index: number, channelId: string | null) => channelId !== null && playbackTiles.value.get(index) === channelId;

export function startPlayback(index: number, channelId: string, atMs: number): void {
  const device = deviceTiles.value.get(index);
  // A time inside the device range the tile plays is a seek on the device; elsewhere the gateway's footage.
  if (device && device.channelId === channelId && atMs >= device.from && atMs < device.to && players.has(index)) {
    players.get(index)!.seek(atMs).catch(() => undefined);
    return;
  }
  if (device) setDeviceTile(index, null);
  pendingSeek.set(index, atMs);
  const next = new Map(playbackTiles.value);
  next.set(index, channelId);
  playbackTiles.value = next;
  if (!device) players.get(index)?.seek(atMs).catch(() => undefined);
}

/** Tile `index` plays `range`, kept on the channel's device, from its start (a new session on the device). */
export function startDevicePlayback(index: number, range: DeviceRange): void {
  pendingSeek.delete(index);
  setDeviceTile(index, range);
  const next = new Map(playbackTiles.value);
  next.set(index, range.channelId);
  playbackTiles.value = next;
}

function setDeviceTile(index: number, range: DeviceRange | null): void {
  const next = new Map(deviceTiles.value);
  if (range) next.set(index, range);
  else next.delete(index);
  deviceTiles.value = next;
}

export function stopPlayback(index: number): void {
  const next = new Map(playbackTiles.value);
  next.delete(index);
  playbackTiles.value = next;
  setDeviceTile(index, null);
  setPlayhead(index, null);
}

/** A tile's player is ready: it starts where it was asked to. */
export function registerPlayer(index: number, player: TilePlayer): () => void {
  players.set(index, player);
  player.setRate(speed.value);
  player.setPaused(paused.value);
  const at = pendingSeek.get(index);
  pendingSeek.delete(index);
  if (at !== undefined) void player.seek(at);
  return () => {
    if (players.get(index) === player) players.delete(index);
  };
}

export const playerOf = (index: number) => players.get(index);

/** Seeks a tile (starting its playback if it is live); with sync on, every playback tile goes to the same time. */
export function seekTile(index: number, channelId: string, atMs: number): void {
  const targets = syncOn.value ? [...playbackTiles.value.keys()] : [];
  if (!targets.includes(index)) targets.push(index);
  for (const i of targets) {
    const channel = i === index ? channelId : playbackTiles.value.get(i);
    if (channel) startPlayback(i, channel, atMs);
  }
}

export function setSpeed(rate: number): void {
  speed.value = rate;
  for (const p of players.values()) p.setRate(rate);
}

export function setPaused(on: boolean): void {
  paused.value = on;
  for (const p of players.values()) p.setPaused(on);
}

/** One frame back (-1) or ahead (1) on every paused playback tile. */
export function stepFrames(frames: number): void {
  for (const p of players.values()) p.step(frames);
}

export function setPlayhead(index: number, atMs: number | null): void {
  const current = playheads.value.get(index);
  if (current === (atMs ?? undefined)) return;
  const next = new Map(playheads.value);
  if (atMs === null) next.delete(index);
  else next.set(index, atMs);
  playheads.value = next;
}
