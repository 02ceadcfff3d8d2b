// What the gateway knows about one channel's picture: the last look (every
// check with its value, threshold and verdict), the sharpness it has when
// clean (the blur baseline), and the defect episode that drives incidents.
import { assess, type Assessment, type Check, type Defect, type Looked } from './assess.ts';
import type { QualityThresholds } from './config.ts';
import { DefectEpisode, type EpisodeStep } from './episode.ts';

export interface QualityResult {
  channelId: string;
  /** When the look was taken and when its picture was captured (epoch ms). */
  checkedAt: number;
  frameTs: number;
  source: 'tap' | 'keyframe';
  verdict: 'ok' | 'defect';
  defects: Defect[];
  checks: Check[];
  baselineSharpness: number | null;
  /** The defects on the open video_quality incident, if one is open. */
  raised: Defect[] | null;
}

/** Weight of a new clean look in the sharpness baseline: slow, so a lens drifting out of focus does not drag it down with it. */
const BASELINE_WEIGHT = 0.05;

export class ChannelQuality {
  private previous: Looked | undefined;
  private baseline: number | undefined;
  private readonly episode: DefectEpisode;
  result: QualityResult | undefined;

  constructor(readonly channelId: string, persistenceSeconds: number) {
    this.episode = new DefectEpisode(persistenceSeconds * 1000);
  }

  /** Looks at one picture; returns the result and, when persistence says so, what to raise or clear. */
  look(picture: Looked, source: QualityResult['source'], thresholds: QualityThresholds, now = Date.now()): { result: QualityResult; step: EpisodeStep; assessment: Assessment } {
    const assessment = assess(picture, thresholds, this.previous, this.baseline);
    if (!this.previous || picture.ts > this.previous.ts) this.previous = picture;
    if (!assessment.defects.length) {
      this.baseline = this.baseline === undefined ? assessment.sharpness : this.baseline + BASELINE_WEIGHT * (assessment.sharpness - this.baseline);
    }
    const step = this.episode.update(assessment.defects, now);
    this.result = {
      channelId: this.channelId,
      checkedAt: now,
      frameTs: picture.ts,
      source,
      verdict: assessment.defects.length ? 'defect' : 'ok',
      defects: assessment.defects,
      checks: assessment.checks,
      baselineSharpness: this.baseline === undefined ? null : Math.round(this.baseline * 10) / 10,
      raised: this.episode.raised ?? null,
    };
    return { result: this.result, step, assessment };
  }

  /** An earlier picture to compare the next look with (keyframes come in pairs: the older is only remembered). */
  remember(picture: Looked): void {
    if (!this.previous || picture.ts > this.previous.ts) this.previous = picture;
  }
}
