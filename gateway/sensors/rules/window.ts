// Recent readings of one (sensor, metric): the last few as alarm evidence,
// and sparse samples over the rate window to measure the rate of change
// whether the sensor reports 50 times a second or once in five minutes.
import type { Reading } from '../ingest/payload.ts';

const MIN_SPAN_MS = 1000; // a shorter span makes the rate mostly noise
const MAX_GAP_MS = 10 * 60_000; // beyond this the previous reading says nothing about the rate

export class MetricWindow {
  private readonly recent: Reading[] = [];
  private readonly samples: Reading[] = [];

  constructor(
    private readonly keep: number,
    private readonly rateWindowMs: number,
  ) {}

  /** Adds a reading and returns the change per minute, when one can be measured. */
  add(r: Reading): number | undefined {
    this.recent.push(r);
    if (this.recent.length > this.keep) this.recent.shift();
    const rate = this.rateAt(r);
    const last = this.samples[this.samples.length - 1];
    if (!last || r.ts - last.ts >= this.rateWindowMs / 6) this.samples.push(r);
    while (this.samples.length > 2 && this.samples[1]!.ts < r.ts - this.rateWindowMs) this.samples.shift();
    return rate;
  }

  readings(): Reading[] {
    return [...this.recent];
  }

  private rateAt(r: Reading): number | undefined {
    // The oldest sample inside the window, else the newest before it if not too old.
    let ref: Reading | undefined;
    for (const s of this.samples) {
      if (s.ts >= r.ts - this.rateWindowMs) {
        ref = s;
        break;
      }
      ref = s;
    }
    if (!ref || r.ts - ref.ts > MAX_GAP_MS || r.ts - ref.ts < MIN_SPAN_MS) return undefined;
    return ((r.value - ref.value) / (r.ts - ref.ts)) * 60_000;
  }
}
