// When an incident's clip is due, and what range it covers. A clip runs from
// preRoll before the incident's first frame to postRoll after its last
// sighting, and is made once the incident has been quiet for the post-roll (a
// repeat before then moves the clip's end and its due time). A repeat after a
// clip was made gets a follow-up clip from the end of the previous one to
// postRoll after the repeat, so every sighting is covered once, never twice.
// A busy period (repeats that never leave the post-roll quiet) is cut into
// clips of at most maxClip, each due when it ends, so a dispatcher has footage
// while it lasts.

export interface Sighting {
  incidentId: string;
  channelId: string;
  firstMs: number;
  lastMs: number;
  preRollMs: number;
  postRollMs: number;
  maxClipMs: number;
}

export interface ClipDue {
  incidentId: string;
  channelId: string;
  fromMs: number;
  toMs: number;
  /** The alarm's time (thumbnail frame): the first frame, or for a follow-up the repeat. */
  atMs: number;
  dueAt: number;
}

interface Track {
  channelId: string;
  firstMs: number;
  lastMs: number;
  /** End of the last clip made (or being made). */
  coveredTo?: number;
  due?: ClipDue;
  /** The rolls and the longest clip of the last sighting (for the rest of a cut busy period). */
  rolls?: Pick<Sighting, 'preRollMs' | 'postRollMs' | 'maxClipMs'>;
}

export class ClipPlanner {
  private readonly tracks = new Map<string, Track>();

  /** An incident event with footage; the clip now due (to schedule or reschedule), or undefined when nothing new needs a clip. */
  see(s: Sighting): ClipDue | undefined {
    let t = this.tracks.get(s.incidentId);
    if (!t || t.channelId !== s.channelId) {
      t = { channelId: s.channelId, firstMs: s.firstMs, lastMs: s.lastMs };
      this.tracks.set(s.incidentId, t);
    }
    t.firstMs = Math.min(t.firstMs, s.firstMs);
    t.lastMs = Math.max(t.lastMs, s.lastMs);
    t.rolls = { preRollMs: s.preRollMs, postRollMs: s.postRollMs, maxClipMs: s.maxClipMs };
    return this.plan(s.incidentId, t);
  }

  /** After a clip cut at maxClip was taken: the clip for the rest of the busy period, if it goes on past it. */
  rest(incidentId: string): ClipDue | undefined {
    const t = this.tracks.get(incidentId);
    return t?.rolls ? this.plan(incidentId, t) : undefined;
  }

  private plan(incidentId: string, t: Track): ClipDue | undefined {
    const { preRollMs, postRollMs, maxClipMs } = t.rolls!;
    const endMs = t.lastMs + postRollMs;
    if (t.coveredTo !== undefined && endMs <= t.coveredTo) return undefined;
    const fromMs = t.coveredTo ?? t.firstMs - preRollMs;
    const toMs = Math.min(endMs, fromMs + maxClipMs);
    const atMs = t.coveredTo === undefined ? t.firstMs : Math.min(t.lastMs, toMs);
    t.due = { incidentId, channelId: t.channelId, fromMs, toMs, atMs, dueAt: toMs };
    return t.due;
  }

  /** Whether the incident's clips are known in this run (read back from the store once). */
  knows(incidentId: string): boolean {
    return this.tracks.has(incidentId);
  }

  /** The incident's stored clips cover footage up to `toMs` (after a restart): only later sightings need a clip. */
  restore(incidentId: string, channelId: string, toMs: number | undefined, firstMs: number): void {
    this.tracks.set(incidentId, { channelId, firstMs, lastMs: firstMs, ...(toMs !== undefined ? { coveredTo: toMs } : {}) });
  }

  /** The due clip is being made now: later sightings start a follow-up. */
  taken(due: ClipDue): void {
    const t = this.tracks.get(due.incidentId);
    if (!t) return;
    t.coveredTo = Math.max(t.coveredTo ?? -Infinity, due.toMs);
    if (t.due === due) t.due = undefined;
  }

  /** Whether this is still the clip to make (a repeat may have replaced it). */
  current(due: ClipDue): boolean {
    return this.tracks.get(due.incidentId)?.due === due;
  }

  forget(incidentId: string): void {
    this.tracks.delete(incidentId);
  }
}
