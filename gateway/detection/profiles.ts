// From a configured profile to a channel's detector, with the defaults filled
// in and every problem named with its field: an unknown model, a class the
// model does not know, a zone or mask outside the picture (fractions 0–1, see
// config.ts) or crossing itself, a required zone the profile does not define,
// a minimum above its maximum.
import type { FieldError } from '../../device-registry/index.ts';
import { polygonProblem, type ChannelDetectorOptions, type Model, type Polygon, type Rule } from '../../detectors/index.ts';
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

const classList = (model: Model) => `${model.classes.slice(0, 8).join(', ')}${model.classes.length > 8 ? ', …' : ''}`;

function geometryErrors(p: DetectionProfile): FieldError[] {
  const polygons: Array<[field: string, polygon: Polygon]> = [
    ...Object.entries(p.zones ?? {}).map(([name, polygon]): [string, Polygon] => [`zones.${name}`, polygon]),
    ...(p.motion?.masks ?? []).map((polygon, i): [string, Polygon] => [`motion.masks.${i}`, polygon]),
    ...p.rules.flatMap((r, i) => [
      ...(r.zone ? [[`rules.${i}.zone.polygon`, r.zone.polygon] as [string, Polygon]] : []),
      ...(r.masks ?? []).map((polygon, m): [string, Polygon] => [`rules.${i}.masks.${m}`, polygon]),
    ]),
  ];
  return polygons.flatMap(([field, polygon]) => {
    const problem = polygonProblem(polygon);
    return problem ? [{ field, message: problem }] : [];
  });
}

/** What keeps a profile from running on this model, each with its field (the PUT's 400 lists them all). */
export function profileErrors(p: DetectionProfile, model: Model | undefined): FieldError[] {
  if (!model) return [{ field: 'model', message: `model '${p.model}' is not loaded` }];
  const errors = geometryErrors(p);
  p.rules.forEach((rule, i) => {
    const at = (field: string, message: string) => errors.push({ field: `rules.${i}.${field}`, message: `rule '${rule.name}': ${message}` });
    for (const cls of rule.classes) if (!model.classes.includes(cls)) at('classes', `class '${cls}' is not one of the model's (${classList(model)})`);
    for (const cls of Object.keys(rule.minScores ?? {})) if (!rule.classes.includes(cls)) at(`minScores.${cls}`, `'${cls}' is not one of the rule's classes (${rule.classes.join(', ')})`);
    for (const zone of rule.requiredZones ?? []) if (!p.zones?.[zone]) at('requiredZones', `no zone '${zone}' in the profile's zones (${Object.keys(p.zones ?? {}).join(', ') || 'none'})`);
    if (rule.maxArea !== undefined && (rule.minArea ?? 0) > rule.maxArea) at('minArea', `${rule.minArea} is above maxArea ${rule.maxArea}`);
    if (rule.maxAspect !== undefined && rule.minAspect !== undefined && rule.minAspect > rule.maxAspect) at('minAspect', `${rule.minAspect} is above maxAspect ${rule.maxAspect}`);
  });
  return errors;
}

/** The same as sentences, for a channel's status reason. */
export function profileProblems(name: string, p: DetectionProfile, model: Model | undefined): string[] {
  return profileErrors(p, model).map((e) => (e.field === 'model' ? `profile '${name}': ${e.message}` : `${e.field}: ${e.message}`));
}

export function detectorOptions(channelId: string, p: DetectionProfile, model: Model): ChannelDetectorOptions {
  const fps = p.fps ?? 2;
  const rules: Rule[] = p.rules.map(({ requiredZones, ...r }) => ({
    ...r, minScore: r.minScore ?? 0.5, minArea: r.minArea ?? 0, dwellSeconds: r.dwellSeconds ?? 0, cooldownSeconds: r.cooldownSeconds ?? 60,
    ...(requiredZones?.length ? { requiredZones: requiredZones.map((zone) => ({ name: zone, polygon: p.zones?.[zone] ?? [] })) } : {}),
  }));
  const motion = p.motion?.enabled === false ? undefined : {
    pixelThreshold: p.motion?.pixelThreshold ?? 20, minChangedFraction: p.motion?.minChangedFraction ?? 0.002, masks: p.motion?.masks ?? [],
  };
  return {
    channelId, model, rules, minScore: p.minScore ?? 0.25, iouThreshold: p.iouThreshold ?? 0.45, agnosticNms: p.agnosticNms ?? false,
    motion, tracker: trackerDefaults(fps, p),
  };
}
