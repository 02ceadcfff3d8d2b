// A channel's inference failures: logged through the room's WarnRollup (the
// first at once, the rest counted once per interval, no stack per frame), and
// enough of them in a row with no success between mean the channel's
// detection cannot work: it is turned off with the reason.
import type { Logger } from 'pino';
import type { WarnRollup } from '../log-rollup.ts';

export class InferenceFailures {
  private consecutive = 0;
  private lastMessage = '';

  constructor(private readonly channelId: string, private readonly log: Logger, private readonly warnings: WarnRollup, private readonly failAfter: number) {}

  /** Counts a failure; true when it is the one that turns the channel's detection off. */
  failed(err: unknown): boolean {
    this.consecutive++;
    this.lastMessage = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
    if (this.consecutive >= this.failAfter) {
      this.log.error({ channelId: this.channelId, consecutive: this.consecutive, error: this.lastMessage }, 'detection failed on every frame; detection off for this channel, video continues');
      return true;
    }
    this.warnings.warn(`detection-failed:${this.channelId}`, { channelId: this.channelId, error: this.lastMessage }, 'detection failed on a frame');
    return false;
  }

  succeeded(): void {
    this.consecutive = 0;
  }

  /** Why the channel failed, for its status. */
  get reason(): string {
    return `every inference fails (${this.consecutive} in a row): ${this.lastMessage}`;
  }
}
