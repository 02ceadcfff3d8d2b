// Persistence: a defect becomes an incident only after it lasted
// `persistenceMs` without a break, and the incident clears only after the
// picture stayed clean as long. One bad frame raises nothing; a flicker does
// not close and reopen. A defect joining an open episode is raised again with
// the defects lasting now (the door counts a repeat and takes the new evidence).
import type { Defect } from './assess.ts';

export type EpisodeStep = { raise: Defect[]; since: number } | { clear: true } | undefined;

export class DefectEpisode {
  private readonly since = new Map<Defect, number>();
  private cleanSince: number | undefined;
  private raisedSet: Set<Defect> | undefined;

  constructor(private readonly persistenceMs: number) {}

  /** The defects on the open incident, or undefined when none is open. */
  get raised(): Defect[] | undefined {
    return this.raisedSet && [...this.raisedSet];
  }

  /** When each current defect started (epoch ms). */
  startedAt(defect: Defect): number | undefined {
    return this.since.get(defect);
  }

  update(defects: Defect[], now: number): EpisodeStep {
    for (const d of [...this.since.keys()]) if (!defects.includes(d)) this.since.delete(d);
    for (const d of defects) if (!this.since.has(d)) this.since.set(d, now);
    if (defects.length) this.cleanSince = undefined;
    const lasting = defects.filter((d) => now - this.since.get(d)! >= this.persistenceMs);
    if (lasting.length) {
      const fresh = lasting.filter((d) => !this.raisedSet?.has(d));
      if (!fresh.length) return undefined;
      this.raisedSet = new Set([...(this.raisedSet ?? []), ...fresh]);
      // What lasts now (the evidence says it); one that ended meanwhile stays on the incident's record only.
      return { raise: lasting, since: Math.min(...lasting.map((d) => this.since.get(d)!)) };
    }
    if (!this.raisedSet || defects.length) return undefined;
    this.cleanSince ??= now;
    if (now - this.cleanSince < this.persistenceMs) return undefined;
    this.raisedSet = undefined;
    this.cleanSince = undefined;
    return { clear: true };
  }
}
