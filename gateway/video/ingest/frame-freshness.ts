// How fresh a running channel's picture is. The supervisor's watchdog waits
// `video.watchdogSeconds` (15 s) without frames before it restarts ffmpeg,
// which is right for restarts (a camera that hiccups is not killed) but too
// slow for telling a person the picture stands still: the status says
// `stalled` after a few seconds without a new frame, while `state` stays what
// the supervisor decided (online until its watchdog acts).

/** No new frame for this long: the status says stalled. */
export const STALLED_AFTER_MS = 3000;

export interface FrameFreshness {
  /** Milliseconds since ffmpeg last reported a new frame (progress is reported about twice a second). */
  lastFrameAgeMs?: number;
  /** No new frame for STALLED_AFTER_MS: the picture stands still though the ingest still runs. */
  stalled?: boolean;
}

/** Nothing before the first frame (the run is starting, or not running). */
export function frameFreshness(lastFrameAt: number | undefined, now = Date.now()): FrameFreshness {
  if (lastFrameAt === undefined) return {};
  const age = Math.max(0, now - lastFrameAt);
  return { lastFrameAgeMs: age, stalled: age > STALLED_AFTER_MS };
}
