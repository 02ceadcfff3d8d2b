// Rules turn tracked detections into incident candidates: which classes, how
// sure, how big, where (the box's bottom-centre inside a zone), how long
// (dwell, still objects included), when (schedule), how often (cooldown, per
// rule and object), and what incident to raise.
import { pointInPolygon, type Polygon } from './geometry.ts';
import type { Track } from './tracker.ts';

export interface Rule {
  name: string;
  classes: string[];
  minScore: number;
  /** In source pixels². */
  minArea: number;
  zone?: { name: string; polygon: Polygon };
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

  evaluate(tracks: Track[], ts: number): Firing[] {
    const firings: Firing[] = [];
    const live = new Set<string>();
    for (const rule of this.rules) {
      const active = inSchedule(rule, new Date(ts));
      for (const track of tracks) {
        const key = `${rule.name}\u0000${track.id}`;
        live.add(key);
        if (track.missed > 0) continue; // not seen in this frame: keep what we knew
        if (!active || !this.matches(rule, track)) {
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

  /** Class, score, size and zone (the box's bottom-centre); confirmation is checked apart, so dwell counts from the first sighting. */
  private matches(rule: Rule, t: Track): boolean {
    if (!rule.classes.includes(t.label)) return false;
    if ((t.scores.at(-1) ?? 0) < rule.minScore) return false;
    if (t.box[2] * t.box[3] < rule.minArea) return false;
    if (!rule.zone) return true;
    const bottomCentre: [number, number] = [t.box[0] + t.box[2] / 2, t.box[1] + t.box[3]];
    return pointInPolygon(bottomCentre, rule.zone.polygon);
  }
}
