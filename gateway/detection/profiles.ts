// From a configured profile to a channel's detector, with the defaults filled
// in and every problem named: an unknown model, a class the model does not
// know, a zone outside the frame or crossing itself.
import { polygonProblem, type ChannelDetectorOptions, type Model, type Rule } from '../../detectors/index.ts';
import type { DetectionProfile } from './config.ts';

/** Frigate's defaults, scaled by the analysis rate. */
const trackerDefaults = (fps: number, p: DetectionProfile) => ({
  minHits: p.tracker?.minHits ?? Math.max(2, Math.round(fps / 2)),
  minMedianScore: p.tracker?.minMedianScore ?? 0.5,
  maxMissed: Math.max(3, Math.round(5 * fps)),
  stationaryFrames: Math.max(5, Math.round(10 * fps)),
  stationaryPx: 3,
  matchIou: 0.2,
});

export function profileProblems(name: string, p: DetectionProfile, model: Model | undefined, frame?: { width: number; height: number }): string[] {
  if (!model) return [`profile '${name}': model '${p.model}' is not loaded`];
  const problems: string[] = [];
  for (const rule of p.rules) {
    for (const cls of rule.classes) if (!model.classes.includes(cls)) problems.push(`rule '${rule.name}': class '${cls}' is not one of the model's (${model.classes.slice(0, 8).join(', ')}${model.classes.length > 8 ? ', …' : ''})`);
    if (rule.zone && frame) {
      const problem = polygonProblem(rule.zone.polygon, frame.width, frame.height);
      if (problem) problems.push(`rule '${rule.name}': zone '${rule.zone.name}' ${problem}`);
    }
  }
  return problems;
}

export function detectorOptions(channelId: string, p: DetectionProfile, model: Model): ChannelDetectorOptions {
  const fps = p.fps ?? 2;
  const rules: Rule[] = p.rules.map((r) => ({
    ...r, minScore: r.minScore ?? 0.5, minArea: r.minArea ?? 0, dwellSeconds: r.dwellSeconds ?? 0, cooldownSeconds: r.cooldownSeconds ?? 60,
  }));
  const motion = p.motion?.enabled === false ? undefined : {
    pixelThreshold: p.motion?.pixelThreshold ?? 20, minChangedFraction: p.motion?.minChangedFraction ?? 0.002, masks: p.motion?.masks ?? [],
  };
  return { channelId, model, rules, minScore: p.minScore ?? 0.25, iouThreshold: p.iouThreshold ?? 0.45, motion, tracker: trackerDefaults(fps, p) };
}
