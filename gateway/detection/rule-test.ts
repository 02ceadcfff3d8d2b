// "Test a rule": the last minutes of each channel's detections, kept in a
// bounded ring, replayed through a fresh tracker and the rules of a candidate
// profile (the editor's, not yet saved): which detections its rules would
// have matched, and when they would have fired. The detections are the ones
// the channel published (boxes in the camera's pixels with frameSize), so the
// motion gate and the model are not replayed, only tracking and rules.
import { IouTracker, RuleEngine, ruleMatches, type Detection, type Model } from '../../detectors/index.ts';
import type { DetectionProfile } from './config.ts';
import { detectorOptions } from './profiles.ts';

/** How far back the ring reaches. */
export const KEEP_MS = 5 * 60_000;
/** Frames kept per channel at most (5 min at 4 fps); frames without objects are published once, so most rings hold far fewer. */
export const MAX_FRAMES = 1200;
/** Detections kept per frame at most, the best scored. */
export const MAX_DETECTIONS = 20;
/** Matches reported at most (the firings are all reported). */
const MAX_MATCHES = 300;

export interface RecordedFrame {
  frameTs: number;
  frameSize: [number, number];
  detections: Detection[];
}

export interface RuleTestResult {
  channelId: string;
  /** The time span replayed (epoch ms) and how many frames it held. */
  from: number | null;
  to: number | null;
  frames: number;
  firings: Array<{ ts: number; rule: string; label: string; trackId: number; box: Detection['box']; frameSize: [number, number] }>;
  /** Detections a rule's class, score, size, shape and place would accept (dwell and confirmation aside). */
  matches: Array<{ ts: number; rule: string; label: string; score: number; box: Detection['box']; frameSize: [number, number] }>;
  matchesTruncated: boolean;
}

/** The recent detections of every channel, bounded in time and count. */
export class DetectionHistory {
  private readonly rings = new Map<string, RecordedFrame[]>();

  constructor(private readonly keepMs = KEEP_MS, private readonly maxFrames = MAX_FRAMES) {}

  add(channelId: string, frame: RecordedFrame): void {
    const ring = this.rings.get(channelId) ?? [];
    this.rings.set(channelId, ring);
    const detections = frame.detections.length > MAX_DETECTIONS ? [...frame.detections].sort((a, b) => b.score - a.score).slice(0, MAX_DETECTIONS) : frame.detections;
    ring.push({ frameTs: frame.frameTs, frameSize: frame.frameSize, detections: detections.map(({ label, score, box }) => ({ label, score, box })) });
    const oldest = frame.frameTs - this.keepMs;
    let drop = Math.max(0, ring.length - this.maxFrames);
    while (drop < ring.length && ring[drop]!.frameTs < oldest) drop++;
    if (drop) ring.splice(0, drop);
  }

  frames(channelId: string, sinceMs = this.keepMs, now = Date.now()): RecordedFrame[] {
    return (this.rings.get(channelId) ?? []).filter((f) => f.frameTs >= now - sinceMs);
  }

  forget(channelId: string): void {
    this.rings.delete(channelId);
  }
}

/**
 * Replays `frames` through the candidate profile's tracker and rules. The channel publishes a
 * frame without objects only once after objects leave, so a longer gap is filled with empty
 * frames at the profile's rate (the tracks are missed there, as they were live).
 */
export function replayRules(channelId: string, profile: DetectionProfile, model: Model, frames: RecordedFrame[]): RuleTestResult {
  const options = detectorOptions(channelId, profile, model);
  const tracker = new IouTracker(options.tracker);
  const engine = new RuleEngine(options.rules);
  const interval = 1000 / (profile.fps ?? 2);
  const result: RuleTestResult = { channelId, from: frames[0]?.frameTs ?? null, to: frames.at(-1)?.frameTs ?? null, frames: frames.length, firings: [], matches: [], matchesTruncated: false };
  let last: RecordedFrame | undefined;
  for (const frame of frames) {
    const size = { width: frame.frameSize[0], height: frame.frameSize[1] };
    if (last) {
      const gapFrames = Math.min(Math.floor((frame.frameTs - last.frameTs) / interval) - 1, options.tracker.maxMissed + 1);
      for (let i = 1; i <= gapFrames; i++) {
        const ts = last.frameTs + i * interval;
        engine.evaluate(tracker.update([], ts).tracks, ts, size);
      }
    }
    last = frame;
    const { tracks, detections } = tracker.update(frame.detections, frame.frameTs);
    for (const firing of engine.evaluate(tracks, frame.frameTs, size)) {
      result.firings.push({ ts: frame.frameTs, rule: firing.rule.name, label: firing.track.label, trackId: firing.track.id, box: firing.track.box, frameSize: frame.frameSize });
    }
    for (const rule of options.rules) {
      for (const d of detections) {
        if (!ruleMatches(rule, d.label, d.score, d.box, size)) continue;
        if (result.matches.length >= MAX_MATCHES) result.matchesTruncated = true;
        else result.matches.push({ ts: frame.frameTs, rule: rule.name, label: d.label, score: d.score, box: d.box, frameSize: frame.frameSize });
      }
    }
  }
  return result;
}
