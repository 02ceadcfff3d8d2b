// Rules turn tracked detections into incident candidates: which classes, how
// sure (per class), how big and what shape, where (the box's bottom-centre
// inside the zone and every required zone, outside the masks), how long
// (dwell, still objects included), when (schedule), how often (cooldown, per
// rule and object), and what incident to raise. Geometry is in fractions of
// the picture (geometry.ts), so it holds at any frame size.
import { bottomCentre, normaliseBox, pointInPolygon, type Box, type Polygon } from './geometry.ts';
import type { Track } from './tracker.ts';

export interface NamedZone { name: string; polygon: Polygon }

export interface Rule {
  name: string;
  classes: string[];
  minScore: number;
  /** Per class, instead of minScore. */
  minScores?: Record<string, number>;
  /** Box area as a fraction of the picture's (0–1). */
  minArea: number;
  maxArea?: number;
  /** Box width / height, in pixels of the picture. */
  minAspect?: number;
  maxAspect?: number;
  zone?: NamedZone;
  /** The object must stand in every one of these as well (and in `zone`). */
  requiredZones?: NamedZone[];
  /** Where objects are ignored: an object standing in any of them does not match. */
  masks?: Polygon[];
  dwellSeconds: number;
  /** Active days (0 = Sunday) and hours, local to the gateway; absent: always. */
  schedule?: { days?: number[]; from: string; to: string };
  cooldownSeconds: number;
  incidentType: string;
  severity: 'critical' | 'major' | 'minor' | 'warning';
}

export interface Firing {
  rule: Rule;
  track: Track;
}

const minutesOf = (hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
};

export function inSchedule(rule: Rule, at: Date): boolean {
  const s = rule.schedule;
  if (!s) return true;
  if (s.days && !s.days.includes(at.getDay())) return false;
  const now = at.getHours() * 60 + at.getMinutes();
  const from = minutesOf(s.from);
  const to = minutesOf(s.to);
  return from <= to ? now >= from && now < to : now >= from || now < to; // overnight windows wrap
}

export class RuleEngine {
  /** When a track entered a rule's zone (seen there first, confirmed or not), per rule and track. */
  private readonly entered = new Map<string, number>();
  /** Rule and track pairs that fired since the track last entered the zone. */
  private readonly fired = new Set<string>();
  /** Last firing per rule and track: the cooldown holds one object back, not a second intruder. */
  private readonly lastFire = new Map<string, number>();

  constructor(readonly rules: Rule[]) {}

  /** `frame`: the size of the frames the tracks' boxes are in. */
  evaluate(tracks: Track[], ts: number, frame: { width: number; height: number }): Firing[] {
    const firings: Firing[] = [];
    const live = new Set<string>();
    for (const rule of this.rules) {
      const active = inSchedule(rule, new Date(ts));
      for (const track of tracks) {
        const key = `${rule.name}\u0000${track.id}`;
        live.add(key);
        if (track.missed > 0) continue; // not seen in this frame: keep what we knew
        if (!active || !ruleMatches(rule, track.label, track.scores.at(-1) ?? 0, track.box, frame)) {
          // left the zone (or the rule's hours): dwell starts again, and a return may alarm again after the cooldown
          this.entered.delete(key);
          this.fired.delete(key);
          continue;
        }
        const since = this.entered.get(key) ?? ts;
        this.entered.set(key, since);
        // One event per stay; a still (stationary) object counts like any other, so loitering fires.
        if (!track.confirmed || this.fired.has(key)) continue;
        if (ts - since < rule.dwellSeconds * 1000) continue;
        if (ts - (this.lastFire.get(key) ?? -Infinity) < rule.cooldownSeconds * 1000) continue;
        this.fired.add(key);
        this.lastFire.set(key, ts);
        firings.push({ rule, track });
      }
    }
    for (const map of [this.entered, this.lastFire]) for (const key of [...map.keys()]) if (!live.has(key)) map.delete(key);
    for (const key of [...this.fired]) if (!live.has(key)) this.fired.delete(key);
    return firings;
  }
}

/**
 * Class, score, size, shape and place of one object (a box in pixels of a `frame`-sized
 * picture); confirmation is checked apart, so dwell counts from the first sighting.
 */
export function ruleMatches(rule: Rule, label: string, score: number, box: Box, frame: { width: number; height: number }): boolean {
  if (!rule.classes.includes(label)) return false;
  if (score < (rule.minScores?.[label] ?? rule.minScore)) return false;
  const normalised = normaliseBox(box, frame.width, frame.height);
  const area = normalised[2] * normalised[3];
  if (area < rule.minArea || (rule.maxArea !== undefined && area > rule.maxArea)) return false;
  const aspect = box[3] > 0 ? box[2] / box[3] : Infinity;
  if ((rule.minAspect !== undefined && aspect < rule.minAspect) || (rule.maxAspect !== undefined && aspect > rule.maxAspect)) return false;
  const at = bottomCentre(normalised);
  if (rule.masks?.some((mask) => pointInPolygon(at, mask))) return false;
  const zones = rule.zone ? [rule.zone, ...(rule.requiredZones ?? [])] : (rule.requiredZones ?? []);
  return zones.every((z) => pointInPolygon(at, z.polygon));
}
