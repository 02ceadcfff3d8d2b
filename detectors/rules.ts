// Rules turn tracked detections into incident candidates: which classes, how
// sure, how big, where (the box's bottom-centre inside a zone), how long
// (dwell), when (schedule), how often (cooldown), and what incident to raise.
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
  /** When a track entered a rule's zone, per rule and track. */
  private readonly entered = new Map<string, number>();
  private readonly fired = new Set<string>();
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
        if (!active || !this.matches(rule, track) || track.missed > 0) {
          if (track.missed === 0) this.entered.delete(key); // left the zone: dwell starts again
          continue;
        }
        const since = this.entered.get(key) ?? ts;
        this.entered.set(key, since);
        if (this.fired.has(key) || track.stationary) continue; // one event per object; parked objects do not re-alarm
        if (ts - since < rule.dwellSeconds * 1000) continue;
        if (ts - (this.lastFire.get(rule.name) ?? -Infinity) < rule.cooldownSeconds * 1000) continue;
        this.fired.add(key);
        this.lastFire.set(rule.name, ts);
        firings.push({ rule, track });
      }
    }
    for (const key of [...this.entered.keys()]) if (!live.has(key)) this.entered.delete(key);
    for (const key of [...this.fired]) if (!live.has(key)) this.fired.delete(key);
    return firings;
  }

  private matches(rule: Rule, t: Track): boolean {
    if (!t.confirmed || !rule.classes.includes(t.label)) return false;
    if ((t.scores.at(-1) ?? 0) < rule.minScore) return false;
    if (t.box[2] * t.box[3] < rule.minArea) return false;
    if (!rule.zone) return true;
    const bottomCentre: [number, number] = [t.box[0] + t.box[2] / 2, t.box[1] + t.box[3]];
    return pointInPolygon(bottomCentre, rule.zone.polygon);
  }
}
