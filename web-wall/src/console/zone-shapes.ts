// The polygons of a detection profile as the zone editor lists them: named
// zones, rule zones, motion masks and object masks, each with its field in
// the profile (the PUT's 400 names that field) and the rules that use it.
// Points are fractions 0–1 of the picture, as the gateway keeps them.

export type Point = [number, number];
export type Polygon = Point[];

export interface ProfileRule {
  name: string;
  classes: string[];
  zone?: { name: string; polygon: Polygon };
  requiredZones?: string[];
  masks?: Polygon[];
  [more: string]: unknown;
}

export interface Profile {
  model: string;
  zones?: Record<string, Polygon>;
  motion?: { masks?: Polygon[]; [more: string]: unknown };
  rules: ProfileRule[];
  [more: string]: unknown;
}

export type ShapeKind = 'zone' | 'ruleZone' | 'motionMask' | 'objectMask';

export interface Shape {
  /** The profile field holding the polygon (`zones.bank`, `rules.0.zone.polygon`, `motion.masks.1`, `rules.0.masks.0`). */
  field: string;
  kind: ShapeKind;
  name: string;
  polygon: Polygon;
  /** The rules that look at it (a motion mask: every rule, as it keeps frames from the model). */
  usedBy: string[];
}

export function shapesOf(p: Profile): Shape[] {
  const shapes: Shape[] = [];
  for (const [name, polygon] of Object.entries(p.zones ?? {})) {
    shapes.push({ field: `zones.${name}`, kind: 'zone', name, polygon, usedBy: p.rules.filter((r) => r.requiredZones?.includes(name)).map((r) => r.name) });
  }
  p.rules.forEach((r, i) => {
    if (r.zone) shapes.push({ field: `rules.${i}.zone.polygon`, kind: 'ruleZone', name: r.zone.name, polygon: r.zone.polygon, usedBy: [r.name] });
    (r.masks ?? []).forEach((polygon, m) => shapes.push({ field: `rules.${i}.masks.${m}`, kind: 'objectMask', name: `#${m + 1}`, polygon, usedBy: [r.name] }));
  });
  (p.motion?.masks ?? []).forEach((polygon, m) => shapes.push({ field: `motion.masks.${m}`, kind: 'motionMask', name: `#${m + 1}`, polygon, usedBy: p.rules.map((r) => r.name) }));
  return shapes;
}

const clone = (p: Profile): Profile => structuredClone(p);

/** The profile with the polygon at `field` replaced. */
export function setPolygon(p: Profile, field: string, polygon: Polygon): Profile {
  const next = clone(p);
  const [head, a, b, c] = field.split('.');
  if (head === 'zones') next.zones = { ...next.zones, [a!]: polygon };
  else if (head === 'motion') next.motion!.masks![Number(b)] = polygon;
  else if (head === 'rules' && b === 'zone') next.rules[Number(a)]!.zone!.polygon = polygon;
  else if (head === 'rules' && b === 'masks') next.rules[Number(a)]!.masks![Number(c)] = polygon;
  return next;
}

/** The profile without the polygon at `field` (a named zone also leaves the rules that required it). */
export function removeShape(p: Profile, field: string): Profile {
  const next = clone(p);
  const [head, a, b, c] = field.split('.');
  if (head === 'zones') {
    delete next.zones![a!];
    for (const r of next.rules) if (r.requiredZones) r.requiredZones = r.requiredZones.filter((z) => z !== a);
  } else if (head === 'motion') next.motion!.masks!.splice(Number(b), 1);
  else if (head === 'rules' && b === 'zone') delete next.rules[Number(a)]!.zone;
  else if (head === 'rules' && b === 'masks') next.rules[Number(a)]!.masks!.splice(Number(c), 1);
  return next;
}

/** Adds an empty polygon of a kind; returns the profile and the new shape's field. */
export function addShape(p: Profile, kind: ShapeKind, opts: { name?: string; rule?: number } = {}): { profile: Profile; field: string } {
  const next = clone(p);
  if (kind === 'zone') {
    const name = opts.name || `zone-${Object.keys(next.zones ?? {}).length + 1}`;
    next.zones = { ...next.zones, [name]: [] };
    return { profile: next, field: `zones.${name}` };
  }
  if (kind === 'motionMask') {
    next.motion = { ...next.motion, masks: [...(next.motion?.masks ?? []), []] };
    return { profile: next, field: `motion.masks.${next.motion.masks!.length - 1}` };
  }
  const i = opts.rule ?? 0;
  const rule = next.rules[i]!;
  if (kind === 'ruleZone') {
    rule.zone = { name: opts.name || rule.name, polygon: [] };
    return { profile: next, field: `rules.${i}.zone.polygon` };
  }
  rule.masks = [...(rule.masks ?? []), []];
  return { profile: next, field: `rules.${i}.masks.${rule.masks.length - 1}` };
}

/** Where a new point goes: after the polygon's point whose edge to the next passes nearest. */
export function insertPoint(polygon: Polygon, at: Point): Polygon {
  if (polygon.length < 3) return [...polygon, at];
  let best = polygon.length - 1;
  let bestDistance = Infinity;
  polygon.forEach((a, i) => {
    const b = polygon[(i + 1) % polygon.length]!;
    const d = distanceToSegment(at, a, b);
    if (d < bestDistance) [best, bestDistance] = [i, d];
  });
  return [...polygon.slice(0, best + 1), at, ...polygon.slice(best + 1)];
}

function distanceToSegment(p: Point, a: Point, b: Point): number {
  const [dx, dy] = [b[0] - a[0], b[1] - a[1]];
  const length2 = dx * dx + dy * dy;
  const t = length2 ? Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length2)) : 0;
  return Math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy);
}

/** Fractions kept to 4 decimals (0.1 px on a 4K picture is not worth more). */
export const roundPoint = ([x, y]: Point): Point => [Math.round(Math.min(1, Math.max(0, x)) * 1e4) / 1e4, Math.round(Math.min(1, Math.max(0, y)) * 1e4) / 1e4];
