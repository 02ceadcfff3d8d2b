// When is a tile's picture stalled, and when should its player be loaded
// again? Players' own events are not trusted for this (a restarted stream can
// leave hls.js "playing" a frozen frame for good): the verdict comes from
// what the tile shows and receives. Stalled: no new frame shown for
// FRAME_QUIET_MS, or no new media (segment, FLV bytes) for the stream's
// normal gap; both only after the picture first moved. Live again: frames
// moving for RECOVER_MS without a pause, after new media arrived after the
// stall began (a buffer draining is no recovery; nor is a reloaded player
// replaying segments it already had: media carries its capture time when the
// stream says it, and older media is not new). While stalled or failed the
// player is loaded again, at once and then with a growing pause. No DOM here:
// the browser tests and the unit tests drive it with plain times.

/** No new frame for this long is a stall (the issue asks for a mark within 3–5 s). */
export const FRAME_QUIET_MS = 3000;
/** Pauses between reloads while the stall or failure lasts: a restarting stream is back within seconds (the gateway retries after 1 s), a dead one is asked every 8 s. */
export const RELOAD_BACKOFF_MS = [0, 1000, 1000, 2000, 2000, 4000, 8000] as const;

/** After a stall, frames must move this long without a pause to count as live again (a live server's cached GOP replays ~1 s). */
export const RECOVER_MS = 1500;
/** A pause between two frames longer than this restarts that count. */
const FRAME_GAP_MS = 500;
/** Capture times this close are the same media (the gateway's playlist dates may move a little between fetches). */
const SAME_MEDIA_MS = 300;

export type WatchVerdict = 'ok' | 'stalled';

export class StallWatch {
  private armed = false;
  private lastFrameAt = 0;
  private lastMediaAt = 0;
  private newestCapture = -Infinity;
  private recoveringSince: number | null = null;
  private stalledSince: number | null = null;
  private reloads = 0;
  private nextReloadAt: number | null = null;

  /** A new frame was shown. */
  frame(now: number): void {
    const gap = now - this.lastFrameAt;
    this.lastFrameAt = now;
    if (!this.armed) {
      this.armed = true;
      this.lastMediaAt = Math.max(this.lastMediaAt, now);
    }
    if (this.stalledSince === null) {
      if (this.nextReloadAt === null) this.reloads = 0;
      return;
    }
    if (this.lastMediaAt <= this.stalledSince || gap > FRAME_GAP_MS) this.recoveringSince = null;
    else if (this.recoveringSince === null) this.recoveringSince = now;
    else if (now - this.recoveringSince >= RECOVER_MS) this.recovered();
  }

  /** Media arrived; `captureTs`, when the stream says it, tells new media from media seen before. */
  media(now: number, captureTs?: number): void {
    if (captureTs !== undefined) {
      if (captureTs <= this.newestCapture + SAME_MEDIA_MS) return;
      this.newestCapture = captureTs;
    }
    this.lastMediaAt = now;
  }

  /** The player gave up (fatal error, stream ended): load it again after a pause. */
  failed(now: number): void {
    this.nextReloadAt ??= now + this.pause();
  }

  /** While stalled: since when nothing new came (the older of the last frame and the last media); else null. */
  get since(): number | null {
    return this.stalledSince === null ? null : Math.min(this.lastFrameAt, this.lastMediaAt);
  }

  /**
   * The verdict at `now`, and whether to load the player again now.
   * `mediaGapMs`: the longest normal gap between two arrivals for this stream.
   */
  check(now: number, mediaGapMs: number): { verdict: WatchVerdict; reload: boolean } {
    if (this.armed && this.stalledSince === null) {
      const frameQuiet = now - this.lastFrameAt > FRAME_QUIET_MS;
      const mediaQuiet = now - this.lastMediaAt > Math.max(FRAME_QUIET_MS, mediaGapMs);
      if (frameQuiet || mediaQuiet) {
        this.stalledSince = now;
        this.nextReloadAt = now + this.pause();
      }
    }
    const reload = this.nextReloadAt !== null && now >= this.nextReloadAt;
    if (reload) {
      this.reloads++;
      // Still stalled or failed after this reload: the next one after a longer pause.
      this.nextReloadAt = this.stalledSince !== null ? now + this.pause() : null;
    }
    return { verdict: this.stalledSince === null ? 'ok' : 'stalled', reload };
  }

  private pause(): number {
    return RELOAD_BACKOFF_MS[Math.min(this.reloads, RELOAD_BACKOFF_MS.length - 1)]!;
  }

  private recovered(): void {
    this.stalledSince = null;
    this.recoveringSince = null;
    this.nextReloadAt = null;
    this.reloads = 0;
  }
}
