// Capture times for tap frames. A frame read off ffmpeg's stdout is already
// some way behind its capture (probe backlog, decoding, filtering: measured
// here from 0.6 s to 1.4 s), so stamping it on arrival puts detections late
// against the picture. With -use_wallclock_as_timestamps the input's start is
// the first packet's arrival (epoch seconds in the "Duration: …, start:" line)
// and each frame's pts counts from it; `showinfo` at the end of the tap's
// filter chain prints that pts for every frame, in order. Frames are paired
// with their pts in order; one whose line has not come within a moment is
// stamped on arrival instead (and counted).
const WAIT_FOR_PTS_MS = 250;
/** A stamp this much older than the frame's arrival is not a capture time (the source's clock is not the wall clock). */
const MAX_BEHIND_MS = 10_000;

export class TapClock {
  private startMs: number | undefined;
  private readonly pts: number[] = [];
  private readonly frames: Array<{ data: Buffer; arrivedAt: number }> = [];
  private timer: NodeJS.Timeout | undefined;
  /** Pts lines still to come for frames already delivered without them: dropped when they arrive, to stay paired. */
  private late = 0;
  /** Frames stamped on arrival because no pts came for them. */
  unstamped = 0;

  constructor(private readonly deliver: (data: Buffer, ts: number) => void) {}

  /** The input's start, epoch ms (ignored unless it looks like a wall-clock time). */
  setStart(ms: number): void {
    if (ms > 1e12) this.startMs = ms;
  }

  pushPts(seconds: number): void {
    if (this.late > 0) return void this.late--;
    this.pts.push(seconds);
    this.flush();
  }

  pushFrame(data: Buffer): void {
    this.frames.push({ data, arrivedAt: Date.now() });
    this.flush();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private flush(): void {
    clearTimeout(this.timer);
    while (this.frames.length && this.pts.length) {
      const frame = this.frames.shift()!;
      const pts = this.pts.shift()!;
      this.deliver(frame.data, this.stamp(frame.arrivedAt, pts));
    }
    // Without -use_wallclock_as_timestamps there is no start: drop pts that can never be used.
    if (this.startMs === undefined) this.pts.length = 0;
    if (this.frames.length) this.timer = setTimeout(() => this.expire(), WAIT_FOR_PTS_MS);
  }

  private stamp(arrivedAt: number, pts: number): number {
    if (this.startMs === undefined) return arrivedAt;
    const captured = Math.round(this.startMs + pts * 1000);
    return captured <= arrivedAt && arrivedAt - captured < MAX_BEHIND_MS ? captured : arrivedAt;
  }

  private expire(): void {
    const now = Date.now();
    while (this.frames.length && now - this.frames[0]!.arrivedAt >= WAIT_FOR_PTS_MS) {
      const frame = this.frames.shift()!;
      this.unstamped++;
      this.late++;
      this.deliver(frame.data, frame.arrivedAt);
    }
    if (this.frames.length) this.timer = setTimeout(() => this.expire(), WAIT_FOR_PTS_MS);
  }
}

/** `  Duration: N/A, start: 1796241684.744300, bitrate: N/A` → epoch ms. */
export function parseInputStart(line: string): number | undefined {
  const m = /^\s*Duration: .*?start: (\d+\.\d+)/.exec(line);
  return m ? Number(m[1]) * 1000 : undefined;
}

/** `[Parsed_showinfo_2 @ 0x…] n:   3 pts:      3 pts_time:1.5 …` → 1.5. */
export function parseShowinfoPts(line: string): number | undefined {
  const m = /^\[Parsed_showinfo_\d+ @ [^\]]+\] n:\s*\d+ pts:\s*-?\d+ pts_time:(-?[\d.]+)/.exec(line);
  return m ? Number(m[1]) : undefined;
}
