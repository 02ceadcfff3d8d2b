// The videoQuality section: how often each channel is looked at, how long a
// defect must last before it becomes an incident, and the thresholds. The
// measures are on the analysis picture (about 320 px wide; analysers/image.ts).
import { Type, type Static } from '@sinclair/typebox';
import { Severity } from '../../incidents/candidate.ts';

const Num = (min: number, max: number, description: string) => Type.Number({ minimum: min, maximum: max, description });

export const QualityThresholds = Type.Object(
  {
    frozenMaxDifference: Num(0, 50, 'frozen: mean |Δluma| between two frames at least a second apart under this'),
    blackMaxLuma: Num(0, 255, 'black: mean luma under this …'),
    blackMaxStd: Num(0, 128, '… and luma spread under this'),
    blankMaxStd: Num(0, 128, 'blank (uniform at any level, "no video" screens): luma spread under this'),
    blurMinSharpness: Num(0, 100000, 'blur: variance of the Laplacian under this'),
    blurBaselineRatio: Num(0, 1, "blur: or under this fraction of the channel's own sharpness when it was clean"),
    occlusionMinArea: Num(0, 1, 'covered: the largest connected area of detail-less blocks at least this fraction of the frame'),
    occlusionBlockStd: Num(0, 64, 'covered: a block with a luma spread under this has no detail'),
    colourCastMinK: Num(0, 100, 'colour cast: CIELAB K = D / M at least this'),
    noiseMinSigma: Num(0, 255, 'noise: estimated noise standard deviation at least this'),
  },
  { additionalProperties: false },
);
export type QualityThresholds = Static<typeof QualityThresholds>;

export const VideoQualityConfig = Type.Object(
  {
    enabled: Type.Boolean(),
    intervalSeconds: Num(1, 86400, 'channels without detection: a keyframe from the newest HLS segments this often (no decoding in between)'),
    tapIntervalSeconds: Num(0.5, 3600, 'channels with detection: one of the frames the detection tap already decodes this often'),
    persistenceSeconds: Num(0, 86400, 'a defect lasting this long raises video_quality; clean this long clears it'),
    severity: Severity,
    thresholds: QualityThresholds,
  },
  { additionalProperties: false },
);
export type VideoQualityConfig = Static<typeof VideoQualityConfig>;

export const QUALITY_DEFAULTS: VideoQualityConfig = {
  enabled: true,
  intervalSeconds: 120,
  tapIntervalSeconds: 10,
  persistenceSeconds: 300,
  severity: 'minor',
  thresholds: {
    frozenMaxDifference: 0.3,
    blackMaxLuma: 35,
    blackMaxStd: 10,
    blankMaxStd: 4,
    blurMinSharpness: 30,
    blurBaselineRatio: 0.2,
    occlusionMinArea: 0.5,
    occlusionBlockStd: 4,
    colourCastMinK: 1.5,
    noiseMinSigma: 5,
  },
};
