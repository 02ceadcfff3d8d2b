// The recording index: one row per closed segment file, and the holds that
// incidents put on footage. One interface, SQLite (default) and PostgreSQL
// (cluster) behind it; recording-index.contract.ts runs on both.
// Times are epoch ms; paths are relative to the recordings root.

export type SegmentClass = 'continuous' | 'events';

export interface Segment {
  channelId: string;
  startMs: number;
  endMs: number;
  bytes: number;
  /** `<channel dir>/<YYYY-MM-DD>/<startMs>.ts`, relative to the recordings root. */
  path: string;
  /** The node that wrote it (whose disk holds it). */
  nodeId: string;
  keyframeFirst: boolean;
  class: SegmentClass;
  /** Who holds the footage: the gateway's own disk; later also a GB28181 device's recordings. */
  source: 'gateway';
}

export interface Gap {
  startMs: number;
  endMs: number;
}

export interface Hold {
  channelId: string;
  fromMs: number;
  toMs: number;
  incidentId: string;
  reason: string;
  /** When the hold ends (incident archived + keep days); null while the incident is not archived. */
  releaseAt: number | null;
}

export interface ClassTotals {
  segments: number;
  bytes: number;
}

export interface Totals {
  continuous: ClassTotals;
  events: ClassTotals;
  /** Bytes of segments an active hold covers. */
  heldBytes: number;
}

export interface DeletableQuery {
  class: SegmentClass;
  /** Only this node's files (its disk). */
  nodeId: string;
  /** One channel, or every channel oldest first. */
  channelId?: string;
  /** Segments that ended before this. */
  endBefore: number;
  /** Holds active at this time protect. */
  now: number;
  /** Footage any hold (even released) covers, starting at or after this, is kept too (events retention). */
  keepCoveredFrom?: number;
  limit: number;
}

export interface RecordingIndex {
  /** For the log: "SQLite at …", "PostgreSQL at …". */
  readonly where: string;
  /** Adds (or replaces, same channel and start) a closed segment. */
  addSegment(segment: Segment): Promise<void>;
  /** Segments overlapping [fromMs, toMs], oldest first, and the gaps between them (over `gapToleranceMs`). */
  segments(channelId: string, fromMs: number, toMs: number, gapToleranceMs?: number): Promise<{ segments: Segment[]; gaps: Gap[] }>;
  /** Every segment of a channel written by a node (start-up reconciliation). */
  segmentsOf(channelId: string, nodeId: string): Promise<Segment[]>;
  /** The channels that have segments written by a node. */
  channels(nodeId: string): Promise<string[]>;
  /** The end of the channel's newest segment. */
  lastEnd(channelId: string): Promise<number | undefined>;
  deleteSegments(refs: Array<{ channelId: string; startMs: number }>): Promise<number>;
  /** Oldest first: segments retention or the disk budget may delete (never one an active hold covers). */
  deletable(query: DeletableQuery): Promise<Segment[]>;
  /** Whether an active hold covers any part of [fromMs, toMs] of the channel. */
  isHeld(channelId: string, fromMs: number, toMs: number, now: number): Promise<boolean>;
  /** Adds a hold, or widens the incident's hold on that channel to cover the range too. */
  putHold(hold: Omit<Hold, 'releaseAt'>): Promise<void>;
  /** The incident was archived: its holds end at `releaseAt`. */
  releaseHolds(incidentId: string, releaseAt: number): Promise<number>;
  holds(channelId: string, fromMs: number, toMs: number): Promise<Hold[]>;
  /** Drops holds released before `before` (their footage is no longer protected). */
  purgeHolds(before: number): Promise<number>;
  totals(nodeId: string, now: number): Promise<Totals>;
  close(): Promise<void>;
}

/** Gaps between consecutive segments longer than the tolerance. */
export function gapsBetween(segments: Segment[], toleranceMs: number): Gap[] {
  const gaps: Gap[] = [];
  for (let i = 1; i < segments.length; i++) {
    const prev = segments[i - 1]!;
    const next = segments[i]!;
    if (next.startMs - prev.endMs > toleranceMs) gaps.push({ startMs: prev.endMs, endMs: next.startMs });
  }
  return gaps;
}
