// Inference failures of one channel, rolled up: the first one is logged at
// once, the ones after it as one line per interval with their count and the
// last message (no stack per frame). Enough consecutive failures with no
// success between them mean the channel's detection cannot work.
import type { Logger } from 'pino';

export interface FailureRollupOptions {
  /** One log line per this many ms at most. */
  intervalMs: number;
  /** Consecutive failures that make the channel failed. */
  failAfter: number;
  now?: () => number;
}

export class FailureRollup {
  private consecutive = 0;
  private unlogged = 0;
  private lastMessage = '';
  private lastLogAt = -Infinity;

  constructor(private readonly log: Logger, private readonly o: FailureRollupOptions) {}

  /** Counts a failure; true when it is the one that makes the channel failed. */
  failed(err: unknown): boolean {
    this.consecutive++;
    this.unlogged++;
    this.lastMessage = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
    const hopeless = this.consecutive >= this.o.failAfter;
    if (hopeless || (this.o.now ?? Date.now)() - this.lastLogAt >= this.o.intervalMs) this.flush(hopeless);
    return hopeless;
  }

  succeeded(): void {
    this.consecutive = 0;
  }

  /** Why the channel failed, for its status. */
  get reason(): string {
    return `every inference fails (${this.consecutive} in a row): ${this.lastMessage}`;
  }

  private flush(final: boolean): void {
    if (!this.unlogged) return;
    const fields = { failures: this.unlogged, consecutive: this.consecutive, error: this.lastMessage };
    if (final) this.log.error(fields, 'detection failed on every frame; detection off for this channel, video continues');
    else this.log.warn(fields, `detection failed on ${this.unlogged === 1 ? 'a frame' : `${this.unlogged} frames`} (rolled up: one line per ${this.o.intervalMs / 1000} s)`);
    this.unlogged = 0;
    this.lastLogAt = (this.o.now ?? Date.now)();
  }
}
