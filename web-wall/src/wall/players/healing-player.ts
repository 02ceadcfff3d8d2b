// A tile's player that heals itself. A stream that restarts (the encoder
// reconnects, the gateway restarts its ffmpeg) can leave hls.js or mpegts.js
// "playing" a frozen frame for good, or failed, so the picture itself is
// watched: every TICK_MS the decoded frame count of the <video> is read, media
// arrivals come from the player, and StallWatch decides. A stalled tile says
// so and is loaded again (fresh play URLs, a new player) with a growing pause
// until its picture moves; a failed player is loaded again the same way.
import type { PlayUrls } from '../../api/types.ts';
import { StallWatch } from '../stall-watch.ts';
import { createPlayer, type PlayMode } from './index.ts';
import type { Player, PlayerReport, PlayerState, PlayerStats } from './player.ts';

const TICK_MS = 250;
/** A stream whose player has not said how often media comes. */
const DEFAULT_MEDIA_GAP_MS = 3000;

export interface HealingOptions {
  video: HTMLVideoElement;
  mode: PlayMode;
  /** Play URLs with a fresh media token, asked for at every load. */
  urls: (signal: AbortSignal) => Promise<PlayUrls>;
  onState: (state: PlayerState) => void;
}

export class HealingPlayer implements Player {
  private inner: Player | null = null;
  private loading: AbortController | null = null;
  private readonly watch = new StallWatch();
  private readonly timer: number;
  private reported: PlayerReport = { kind: 'loading' };
  private shown: PlayerState | null = null;
  private lastFrames: number | null = null;
  /** Players created so far (1 + reloads), for the tests and the benchmark. */
  loads = 0;

  constructor(private readonly o: HealingOptions) {
    this.load();
    this.timer = window.setInterval(() => this.tick(), TICK_MS);
  }

  displayedCaptureTime(): number | null {
    return this.inner?.displayedCaptureTime() ?? null;
  }

  stats(): PlayerStats {
    return this.inner?.stats() ?? { bitrateKbps: null };
  }

  destroy(): void {
    clearInterval(this.timer);
    this.loading?.abort();
    this.inner?.destroy();
    this.inner = null;
  }

  private load(): void {
    this.loading?.abort();
    this.inner?.destroy();
    this.inner = null;
    const abort = (this.loading = new AbortController());
    this.loads++;
    this.report({ kind: 'loading' });
    this.o.urls(abort.signal).then((urls) => {
      if (abort.signal.aborted) return;
      this.inner = createPlayer(this.o.mode, urls, {
        video: this.o.video,
        onState: (s) => !abort.signal.aborted && this.report(s),
        onMedia: (captureTs) => !abort.signal.aborted && this.watch.media(performance.now(), captureTs),
      });
    }).catch((err: unknown) => {
      if (!abort.signal.aborted) this.report({ kind: 'failed', reason: (err as Error).message }); // an ApiError's message is said in the operator's language
    });
  }

  private report(s: PlayerReport): void {
    this.reported = s;
    if (s.kind === 'failed') this.watch.failed(performance.now());
    this.publish();
  }

  private tick(): void {
    const now = performance.now();
    // Decoded frames (dropped ones included): the count a frozen picture does not move; a new player starts it from 0.
    const frames = this.o.video.getVideoPlaybackQuality().totalVideoFrames;
    if (this.lastFrames !== null && frames > this.lastFrames) this.watch.frame(now);
    this.lastFrames = frames;
    const { reload } = this.watch.check(now, this.inner?.mediaGapMs?.() ?? DEFAULT_MEDIA_GAP_MS);
    if (reload) this.load();
    this.publish();
  }

  private publish(): void {
    const since = this.watch.since;
    const next: PlayerState = since !== null ? { kind: 'stalled', since: Date.now() - (performance.now() - since) } : this.reported;
    const prev = this.shown;
    if (prev && prev.kind === next.kind && (prev.kind !== 'failed' || prev.reason === (next as { reason: string }).reason)) return;
    this.shown = next;
    this.o.onState(next);
  }
}
