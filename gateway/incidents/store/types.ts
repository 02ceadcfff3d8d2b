// The rows the incident store reads and writes (the store itself is in
// incident-store.ts). Times are epoch ms in every engine.
import type { Severity } from '../candidate.ts';
import type { Status } from '../transitions.ts';

export interface IncidentRow {
  id: string;
  code: string;
  type: string;
  category: string | null;
  severity: Severity;
  status: Status;
  title: string | null;
  description: string | null;
  sourceKind: string;
  sourceId: string;
  dedupeKey: string;
  count: number;
  firstSeen: number;
  lastSeen: number;
  lat: number | null;
  lng: number | null;
  gridCode: string | null;
  departmentId: string | null;
  assignee: string | null;
  dispatchedAt: number | null;
  slaDeadline: number | null;
  escalated: boolean;
  claimBy: string | null;
  claimUntil: number | null;
  evidence: Record<string, unknown>;
  clearedAt: number | null;
  rating: number | null;
  /** Bumped by people's changes (the transitions) only: repeats, clears and escalations by the system leave it, so they never make a person's action stale. */
  version: number;
  createdAt: number;
  updatedAt: number;
  closedAt: number | null;
}

export interface FlowRecord {
  seq: number;
  incidentId: string;
  at: number;
  /** The key (machines) and the signed-in person (userId) behind the step; name is the key's or the person's. */
  actor: { keyId: string | null; userId?: string | null; name: string; role: string | null };
  action: string;
  from: Status | null;
  to: Status | null;
  note: string | null;
  attachments: string[];
  data: Record<string, unknown> | null;
}

export type NewFlow = Omit<FlowRecord, 'seq' | 'incidentId' | 'at'>;

export interface StoredEvent {
  seq: number;
  at: number;
  type: string;
  incidentId: string;
  payload: Record<string, unknown>;
}

export interface RaiseInput {
  id: string;
  type: string;
  category: string | null;
  severity: Severity;
  title: string | null;
  description: string | null;
  sourceKind: string;
  sourceId: string;
  dedupeKey: string;
  occurredAt: number;
  lat: number | null;
  lng: number | null;
  gridCode: string | null;
  evidence: Record<string, unknown>;
  clear: boolean;
  /**
   * The producer's id for this candidate (a JetStream work-queue message id).
   * A raise with an id already on record changes nothing and answers the first
   * outcome with the incident as it is now: at-least-once delivery is safe.
   */
  candidateId?: string;
}

export type RaiseOutcome = 'created' | 'deduped' | 'cooldown' | 'cleared' | 'ignored';

/** `replayed`: the candidate id was on record, so nothing was written (and there is no event). */
export type RaiseResult =
  | { row: IncidentRow; outcome: RaiseOutcome; event?: StoredEvent; replayed: boolean }
  | { row?: undefined; outcome: 'ignored'; event?: undefined; replayed: boolean };

export interface IncidentFilter {
  status?: Status[];
  open?: boolean;
  type?: string;
  severity?: Severity;
  grid?: string[];
  sourceKind?: string;
  sourceId?: string;
  departmentId?: string;
  /** A department id, or '(none)' for incidents with none (the SLA figures' none bucket). */
  department?: string;
  /** Dispatched incidents, or those that breached their SLA (first feedback after the deadline, or none by `now`); `from`/`to` then bound the dispatch time, as in /api/stats/sla. */
  sla?: 'dispatched' | 'breached';
  /** With sla 'breached': the time an incident without feedback is judged at. */
  now?: number;
  /** Incidents whose flow reached this status after their first (what /api/stats/durations counts per step). */
  reached?: Status;
  /** Bounds on first_seen (on dispatched_at with `sla`), epoch ms, [from, to). */
  from?: number;
  to?: number;
  q?: string;
  limit: number;
  offset: number;
}

export interface TransitionInput {
  id: string;
  expectedVersion: number;
  from: Status;
  to: Status;
  set: Partial<Pick<IncidentRow, 'departmentId' | 'assignee' | 'dispatchedAt' | 'slaDeadline' | 'rating' | 'closedAt' | 'escalated'>>;
  flow: NewFlow;
  event: string;
}
