// The incident store's contract, one per engine: SQLite (embedded, one node)
// and PostgreSQL (scale-out, many nodes on one database). Each write is
// atomic: the incident, its flow record and its event are written together or
// not at all. Held to the same behaviour by incident-store.contract.ts.
import type { Status } from '../transitions.ts';
import type { EvidenceItem } from './rules.ts';
import type { StatsStore } from './stats-store.ts';
import type { FlowRecord, IncidentFilter, IncidentRow, NewFlow, RaiseInput, RaiseResult, StoredEvent, TransitionInput } from './types.ts';
import type { WebhookStore } from './webhook-store.ts';

export type SystemActor = NewFlow['actor'];

/** The events table as an outbox for the cluster stream (PostgreSQL only; see postgres/pg-outbox.ts). */
export interface EventOutbox {
  markPublished(seqs: number[]): Promise<void>;
  /** Unpublished events stored before `before` and not claimed by another relay within `claimMs`; claims them. */
  claimStale(before: number, now: number, claimMs: number, limit: number): Promise<StoredEvent[]>;
  /** Events stored and not yet in the stream. */
  backlog(): Promise<number>;
}

export interface IncidentStore {
  /** Set when the store can serve as the cluster event stream's outbox. */
  readonly outbox?: EventOutbox;
  /** Read-only queries for analysis (stats.ts). */
  readonly stats: StatsStore;
  /** Webhook subscribers and their delivery queue (webhooks.ts). */
  readonly webhooks: WebhookStore;

  get(id: string): Promise<IncidentRow | undefined>;

  /**
   * The door: opens a new incident, bumps the open one with the same dedupe key
   * (count, severity only worsens, evidence merged), counts a repeat on one
   * closed within `cooldownMs`, or clears the open one. At most one open
   * incident per dedupe key, whatever the concurrency.
   */
  raise(input: RaiseInput, now: number, cooldownMs: number, system: SystemActor): Promise<RaiseResult>;

  /** Moves an incident from `t.from` at `t.expectedVersion`; anything else is GW_ERR_STALE_VERSION. */
  transition(t: TransitionInput, now: number): Promise<{ row: IncidentRow; event: StoredEvent }>;

  /** Takes (or renews) the lease; GW_ERR_CLAIMED while another holder's lease runs. */
  claim(id: string, by: string, until: number, now: number): Promise<IncidentRow>;
  release(id: string, by: string): Promise<IncidentRow>;
  /** Claims the first unclaimed open incident in queue order; never the same one to two callers. `grids`: only incidents in these cells (the claimer's scope); absent: any. */
  claimNext(by: string, until: number, now: number, statuses: readonly Status[], grids?: readonly string[]): Promise<IncidentRow | undefined>;

  /** Dispatched or handling incidents past their SLA deadline, not escalated yet. */
  overdue(now: number): Promise<IncidentRow[]>;
  /** Escalates once: undefined when it already was. */
  escalate(id: string, severity: IncidentRow['severity'], flow: NewFlow, now: number): Promise<{ row: IncidentRow; event: StoredEvent } | undefined>;
  /**
   * Puts a record on the incident's flow (a snapshot an operator saved, a clip, …) and announces it; the incident's status and version stay.
   * With `evidence`, the item joins that evidence list in the same write; when the list already has an item with its url, nothing is written and `event` is undefined.
   * Undefined when no such incident.
   */
  note(id: string, flow: NewFlow, now: number, evidence?: EvidenceItem): Promise<{ row: IncidentRow; event?: StoredEvent } | undefined>;

  flow(id: string): Promise<FlowRecord[]>;
  /**
   * The grid cell of an incident that holds this evidence URL (in its evidence, or attached on its flow),
   * looked for among the incidents seen, and flow records written, in [from, to); undefined when none does.
   */
  cellOfEvidence(url: string, from: number, to: number): Promise<{ gridCode: string | null } | undefined>;
  list(f: IncidentFilter, order: 'queue' | 'newest'): Promise<{ rows: IncidentRow[]; total: number }>;

  /** Stored events after `seq`, oldest first (SSE replay). */
  eventsSince(seq: number, limit: number): Promise<StoredEvent[]>;
  /** The oldest event still kept, 0 when none is. */
  oldestEventSeq(): Promise<number>;
  /** Drops events (and candidate-id records) older than `before`; returns how many events went. */
  pruneEvents(before: number): Promise<number>;

  /** Throws when the database cannot answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
