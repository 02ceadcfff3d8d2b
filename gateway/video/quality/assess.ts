// One look at one picture: every analyser's value against its threshold, and
// the defects found. A picture with nothing in it (black or blank) cannot be
// judged for blur, cover, cast, noise or freezing: those say n/a then.
import { lumaStats } from './analysers/exposure.ts';
import { colourCast } from './analysers/colour-cast.ts';
import { meanAbsDifference } from './analysers/frozen.ts';
import type { AnalysisImage } from './analysers/image.ts';
import { noiseSigma } from './analysers/noise.ts';
import { largestFlatArea } from './analysers/occlusion.ts';
import { laplacianVariance } from './analysers/sharpness.ts';
import type { QualityThresholds } from './config.ts';

export const DEFECTS = ['frozen', 'black', 'blank', 'blur', 'covered', 'colour_cast', 'noise'] as const;
export type Defect = (typeof DEFECTS)[number];

export interface Check {
  name: Defect;
  /** The measure (null when it could not be taken: n/a). */
  value: number | null;
  threshold: number;
  /** Whether a defect is a value under (below) or over (above) the threshold. */
  when: 'below' | 'above';
  verdict: 'ok' | 'defect' | 'n/a';
}

export interface Assessment {
  checks: Check[];
  defects: Defect[];
  /** Laplacian variance, for the channel's blur baseline. */
  sharpness: number;
}

export interface Looked {
  image: AnalysisImage;
  /** Capture time of the picture (epoch ms). */
  ts: number;
}

const round = (v: number) => (Number.isFinite(v) ? Math.round(v * 1000) / 1000 : 9999);

function check(name: Defect, value: number | null, threshold: number, when: Check['when'], applies = true): Check {
  if (!applies || value === null) return { name, value: value === null ? null : round(value), threshold: round(threshold), when, verdict: 'n/a' };
  const defect = when === 'below' ? value < threshold : value >= threshold;
  return { name, value: round(value), threshold: round(threshold), when, verdict: defect ? 'defect' : 'ok' };
}

/**
 * `previous`: an earlier picture of the same channel (frozen needs two, and
 * only when time moved on between them); `baselineSharpness`: the channel's
 * sharpness while clean (blur is judged against it too).
 */
export function assess(now: Looked, t: QualityThresholds, previous?: Looked, baselineSharpness?: number): Assessment {
  const img = now.image;
  const { mean, std } = lumaStats(img);
  const black = mean < t.blackMaxLuma && std < t.blackMaxStd;
  const blank = !black && std < t.blankMaxStd;
  const content = !black && !blank;
  const sharpness = laplacianVariance(img);
  const difference = previous && now.ts > previous.ts ? meanAbsDifference(previous.image, img) ?? null : null;
  const blurFloor = Math.max(t.blurMinSharpness, (baselineSharpness ?? 0) * t.blurBaselineRatio);
  const checks: Check[] = [
    check('frozen', difference, t.frozenMaxDifference, 'below', content),
    { ...check('black', mean, t.blackMaxLuma, 'below'), verdict: black ? 'defect' : 'ok' },
    check('blank', std, t.blankMaxStd, 'below', !black),
    check('blur', sharpness, blurFloor, 'below', content),
    check('covered', content ? largestFlatArea(img, t.occlusionBlockStd) : null, t.occlusionMinArea, 'above', content),
    check('colour_cast', content ? colourCast(img).k : null, t.colourCastMinK, 'above', content),
    check('noise', content ? noiseSigma(img) : null, t.noiseMinSigma, 'above', content),
  ];
  return { checks, defects: checks.filter((c) => c.verdict === 'defect').map((c) => c.name), sharpness };
}
