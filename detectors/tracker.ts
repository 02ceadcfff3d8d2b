// A simple IoU tracker so one object gives one event: detections are matched
// to tracks of the same label by overlap; a track counts once it has enough
// hits with a good median score; a track that stops moving is stationary
// (stationary objects still count for dwell rules).
import { iou } from './postprocess/nms.ts';
import type { Detection } from './types.ts';

export interface TrackerOptions {
  /** Hits before a track counts (Frigate: max(fps/2, 2)). */
  minHits: number;
  /** Median of recent scores a track needs to count. */
  minMedianScore: number;
  /** Frames without a match before a track is dropped (Frigate: 5 × fps). */
  maxMissed: number;
  /** Frames with the centre within `stationaryPx` before a track is stationary (Frigate: 10 × fps). */
  stationaryFrames: number;
  stationaryPx: number;
  matchIou: number;
}

export interface Track {
  id: number;
  label: string;
  box: Detection['box'];
  scores: number[];
  hits: number;
  missed: number;
  /** Frames since the last hit that the motion gate did not look at (no misses: nothing moved much). */
  coasted: number;
  firstSeen: number;
  lastSeen: number;
  confirmed: boolean;
  stationary: boolean;
  still: number;
  /** Centre movement per frame, to predict where a moving object is next. */
  vx: number;
  vy: number;
}

/** A track as one frame's detections are matched to it. */
interface Candidate {
  track: Track;
  predicted: Corners;
  /** The last box too, after frames the motion gate skipped. */
  last: Corners | undefined;
  /** Overlap taken off for each frame the track was missed. */
  penalty: number;
  matched: boolean;
}

/** Recent scores a track's median is taken over. */
const SCORE_WINDOW = 10;

type Corners = { x1: number; y1: number; x2: number; y2: number };
const corners = (b: Detection['box']): Corners => ({ x1: b[0], y1: b[1], x2: b[0] + b[2], y2: b[1] + b[3] });
/** Frames from the track's last hit to this one. */
const steps = (t: Track) => t.missed + t.coasted + 1;
/** Where the track should be now: its last box moved on by its velocity for every frame since. */
const predicted = (t: Track): Detection['box'] => [t.box[0] + t.vx * steps(t), t.box[1] + t.vy * steps(t), t.box[2], t.box[3]];
const centre = (b: Detection['box']) => [b[0] + b[2] / 2, b[1] + b[3] / 2] as const;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export class IouTracker {
  private tracks: Track[] = [];
  private nextId = 1;

  constructor(private readonly o: TrackerOptions) {}

  /** Updates the tracks with one frame's detections; returns the detections with track ids, and the live tracks. */
  update(detections: Detection[], ts: number): { detections: Detection[]; tracks: Track[] } {
    const candidates = this.candidatesByLabel();
    const out: Detection[] = [];
    const byScore = [...detections].sort((a, b) => b.score - a.score);
    for (const d of byScore) {
      const box = corners(d.box);
      let best: Candidate | undefined;
      let bestIou = this.o.matchIou;
      for (const c of candidates.get(d.label) ?? []) {
        if (c.matched) continue;
        // Against the predicted box: a fast object overlaps little with where it was, and an old
        // track parked at today's position must not steal a moving object that passes by.
        // After frames the motion gate skipped, also against the last box: the object may have stopped.
        const moved = iou(c.predicted, box);
        const overlap = (c.last ? Math.max(moved, iou(c.last, box)) : moved) - c.penalty;
        if (overlap > bestIou) [best, bestIou] = [c, overlap];
      }
      if (best) best.matched = true;
      const track = best?.track ?? this.open(d, ts);
      this.hit(track, d, ts);
      out.push({ ...d, trackId: track.id });
    }
    for (const list of candidates.values()) for (const c of list) if (!c.matched) c.track.missed++;
    this.tracks = this.tracks.filter((t) => t.missed <= this.o.maxMissed);
    return { detections: out, tracks: this.tracks };
  }

  /** Each live track's boxes to match against, worked out once per frame (not once per detection), by label. */
  private candidatesByLabel(): Map<string, Candidate[]> {
    const byLabel = new Map<string, Candidate[]>();
    for (const track of this.tracks) {
      const c: Candidate = { track, predicted: corners(predicted(track)), last: track.coasted ? corners(track.box) : undefined, penalty: 0.05 * track.missed, matched: false };
      const list = byLabel.get(track.label);
      if (list) list.push(c);
      else byLabel.set(track.label, [c]);
    }
    return byLabel;
  }

  /**
   * A frame the motion gate did not look at: nothing moved, so every track stays where it
   * was, unmissed (a still object keeps its track and its dwell time).
   */
  coast(): Track[] {
    for (const t of this.tracks) t.coasted++;
    return this.tracks;
  }

  get size(): number {
    return this.tracks.length;
  }

  /**
   * Whether a new track is still waiting for the hits that confirm it. One whose score window is
   * full and still too low to confirm (a weak false detection on a still scene) does not count, so
   * it cannot keep the motion gate open for ever.
   */
  hasUnconfirmed(): boolean {
    return this.tracks.some((t) => !t.confirmed && t.hits < SCORE_WINDOW);
  }

  private open(d: Detection, ts: number): Track {
    const t: Track = { id: this.nextId++, label: d.label, box: d.box, scores: [], hits: 0, missed: 0, coasted: 0, firstSeen: ts, lastSeen: ts, confirmed: false, stationary: false, still: 0, vx: 0, vy: 0 };
    this.tracks.push(t);
    return t;
  }

  private hit(t: Track, d: Detection, ts: number): void {
    const [cx, cy] = centre(t.box);
    const [nx, ny] = centre(d.box);
    t.still = Math.hypot(nx - cx, ny - cy) <= this.o.stationaryPx ? t.still + 1 : 0;
    if (t.hits > 0) {
      const n = steps(t);
      t.vx = 0.5 * t.vx + 0.5 * ((nx - cx) / n);
      t.vy = 0.5 * t.vy + 0.5 * ((ny - cy) / n);
    }
    t.stationary = t.still >= this.o.stationaryFrames;
    t.box = d.box;
    t.scores = [...t.scores.slice(1 - SCORE_WINDOW), d.score];
    t.hits++;
    t.missed = 0;
    t.coasted = 0;
    t.lastSeen = ts;
    t.confirmed ||= t.hits >= this.o.minHits && median(t.scores) >= this.o.minMedianScore;
  }
}
