// Which of a channel's tap frames are looked at: one every interval, and with
// it a frame kept about two seconds before (a reference, no work), to judge
// freezing against, as keyframes come in pairs. Comparing with the previous
// look instead would call a source that loops with the interval frozen.
export const PAIR_GAP_MS = 2000;

export class TapSampler<F> {
  private lastLook = -Infinity;
  private pair: F | undefined;

  constructor(private readonly intervalMs: number, private readonly pairGapMs = PAIR_GAP_MS) {}

  /** undefined: not this frame; otherwise look at it, against `older` when one was kept. */
  offer(frame: F, now: number): { older?: F } | undefined {
    const due = this.lastLook + this.intervalMs;
    if (now < due) {
      if (now >= due - this.pairGapMs && this.pair === undefined) this.pair = frame;
      return undefined;
    }
    this.lastLook = now;
    const older = this.pair;
    this.pair = undefined;
    return older === undefined ? {} : { older };
  }
}
