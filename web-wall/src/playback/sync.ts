// Synchronous playback (同步回放): up to 4 tiles play the same wall-clock time.
// Turning it on puts the first tiles with a camera into playback at the
// leading tile's time; a seek of one seeks all (playback-state.ts). Every
// second the followers' playingDate (from PROGRAM-DATE-TIME) is compared with
// the leader's; a follower more than DRIFT_BOUND_MS off is moved to the
// leader's time. So between checks two tiles differ by at most the bound plus
// what one second of decoding can drift (well under 0.1 s at equal speeds);
// right after a seek, until both have loaded, they may differ more.
import { effect } from '@preact/signals';
import { MAX_SYNC_TILES, playbackTiles, playerOf, playheads, startPlayback, syncOn } from './playback-state.ts';

export const DRIFT_BOUND_MS = 500;
const CHECK_MS = 1000;

let timer: ReturnType<typeof setInterval> | undefined;

/** Syncs the visible tiles (at most 4) at `atMs`, or stops syncing. */
export function setSync(on: boolean, tiles: Array<string | null>, atMs: number): void {
  syncOn.value = on;
  if (!on) return;
  tiles.slice(0, MAX_SYNC_TILES).forEach((channelId, i) => {
    if (channelId) startPlayback(i, channelId, atMs);
  });
}

/** One correction pass: the lowest playback tile leads, the others follow. */
export function correctDrift(): void {
  const tiles = [...playbackTiles.value.keys()].filter((i) => i < MAX_SYNC_TILES).sort((a, b) => a - b);
  const leader = tiles[0] === undefined ? undefined : playerOf(tiles[0]);
  const leaderAt = leader?.playingDate();
  if (leaderAt === null || leaderAt === undefined) return;
  for (const i of tiles.slice(1)) {
    const follower = playerOf(i);
    const at = follower?.playingDate();
    if (!follower || at === null || at === undefined) continue;
    if (Math.abs(at - leaderAt) > DRIFT_BOUND_MS) void follower.seek(leaderAt);
  }
}

effect(() => {
  const running = syncOn.value && playbackTiles.value.size > 1;
  if (running && !timer) timer = setInterval(correctDrift, CHECK_MS);
  if (!running && timer) {
    clearInterval(timer);
    timer = undefined;
  }
});

/** The spread of the synced tiles' playheads (ms): what the bound is about. */
export function syncSpread(): number | null {
  const times = [...playheads.value.entries()].filter(([i]) => i < MAX_SYNC_TILES).map(([, at]) => at);
  return times.length < 2 ? null : Math.max(...times) - Math.min(...times);
}
