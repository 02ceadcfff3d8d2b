// FLV carries no wall-clock time, so the capture time of the frame on screen
// is estimated: data is appended the moment it arrives, so "now − buffered
// end" at each append is the capture→arrival offset plus transit; the least
// such offset over the last seconds is the best estimate (delays only add).
// A short window: the stream's timeline may drift from the wall clock, and
// data flows continuously, so two seconds hold enough samples.
const WINDOW_MS = 2_000;
const SAMPLE_MS = 100;

export class CaptureClock {
  private lastEnd = 0;
  private samples: Array<[at: number, offsetMs: number]> = [];
  private readonly timer: number;

  /** `onMedia`: called whenever new media was appended (the stall watch's "the stream still moves"). */
  constructor(private readonly video: HTMLVideoElement, private readonly onMedia?: () => void) {
    this.timer = window.setInterval(() => this.sample(), SAMPLE_MS);
  }

  private sample(): void {
    const b = this.video.buffered;
    if (b.length === 0) return;
    const end = b.end(b.length - 1);
    if (end <= this.lastEnd) return;
    this.lastEnd = end;
    this.onMedia?.();
    const now = Date.now();
    this.samples.push([now, now - end * 1000]);
    while (this.samples.length > 1 && now - this.samples[0]![0] > WINDOW_MS) this.samples.shift();
  }

  /** Epoch ms at which the frame now on screen arrived at the gateway (≈ captured). */
  displayed(): number | null {
    if (this.samples.length === 0 || this.video.readyState < 2) return null;
    const offset = Math.min(...this.samples.map(([, o]) => o));
    return offset + this.video.currentTime * 1000;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
