// What a tile needs from a player, whichever protocol it speaks: attach to a
// <video>, report state and stats, say what wall-clock time the picture on
// screen was captured at (for the overlay), and tear down completely.
// `stalled` is never said by a player itself: the self-healing wrapper says it
// when the picture stops moving (see healing-player.ts).
export type PlayerState = { kind: 'loading' } | { kind: 'playing' } | { kind: 'failed'; reason: string } | { kind: 'stalled'; since: number };

export interface PlayerStats {
  /** Bytes received per second over the last few seconds. */
  bitrateKbps: number | null;
}

/** What a player reports while it runs. */
export type PlayerReport = Exclude<PlayerState, { kind: 'stalled' }>;

export interface Player {
  /** Capture time (epoch ms) of the frame on screen, when the stream says; null until known. */
  displayedCaptureTime(): number | null;
  stats(): PlayerStats;
  /** Longest normal gap between two arrivals of media (an HLS segment's length; FLV flows). */
  mediaGapMs?(): number;
  /** Stops loading, detaches from the video element and frees everything (MSE, workers, sockets). */
  destroy(): void;
}

export interface PlayerOptions {
  video: HTMLVideoElement;
  url: string;
  onState: (state: PlayerReport) => void;
  /** New media arrived (an HLS segment, FLV bytes): the stream itself still moves. `captureTs`: its capture time, when the stream says it. */
  onMedia?: (captureTs?: number) => void;
}

/** Rolls received bytes into a rate over a sliding window. */
export class ByteRate {
  private samples: Array<[number, number]> = [];
  add(bytes: number, at = performance.now()): void {
    this.samples.push([at, bytes]);
    while (this.samples.length > 1 && at - this.samples[0]![0] > 5000) this.samples.shift();
  }
  kbps(at = performance.now()): number | null {
    const first = this.samples[0];
    if (!first || at - first[0] < 500) return null;
    const bytes = this.samples.reduce((sum, [, b]) => sum + b, 0);
    return Math.round((bytes * 8) / (at - first[0]));
  }
}

/** Empties a video element so the browser releases its decoder and media source. */
export function resetVideo(video: HTMLVideoElement): void {
  video.pause();
  video.removeAttribute('src');
  video.srcObject = null;
  video.load();
}
