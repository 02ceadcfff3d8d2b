// SQLite rows to the store's types: 0/1 for booleans, JSON as text.
import type Database from 'better-sqlite3';
import type { FlowRecord, IncidentRow, StoredEvent } from '../types.ts';

export type Row = Record<string, unknown>;

/** Prepared once, reused: the door is on the hot path of every alarm. */
export class Prepared {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(readonly db: Database.Database) {}

  sql(text: string): Database.Statement {
    let stmt = this.statements.get(text);
    if (!stmt) this.statements.set(text, (stmt = this.db.prepare(text)));
    return stmt;
  }
}

export const toRow = (r: Row): IncidentRow => ({
  id: r.id as string, code: r.code as string, type: r.type as string, category: (r.category as string) ?? null,
  severity: r.severity as IncidentRow['severity'], status: r.status as IncidentRow['status'], title: (r.title as string) ?? null,
  description: (r.description as string) ?? null, sourceKind: r.source_kind as string, sourceId: r.source_id as string,
  dedupeKey: r.dedupe_key as string, count: r.count as number, firstSeen: r.first_seen as number, lastSeen: r.last_seen as number,
  lat: (r.lat as number) ?? null, lng: (r.lng as number) ?? null, gridCode: (r.grid_code as string) ?? null,
  departmentId: (r.department_id as string) ?? null, assignee: (r.assignee as string) ?? null,
  dispatchedAt: (r.dispatched_at as number) ?? null, slaDeadline: (r.sla_deadline as number) ?? null, escalated: r.escalated === 1,
  claimBy: (r.claim_by as string) ?? null, claimUntil: (r.claim_until as number) ?? null, evidence: JSON.parse(r.evidence as string) as Record<string, unknown>,
  clearedAt: (r.cleared_at as number) ?? null, rating: (r.rating as number) ?? null, version: r.version as number,
  createdAt: r.created_at as number, updatedAt: r.updated_at as number, closedAt: (r.closed_at as number) ?? null,
});

export const toFlow = (r: Row): FlowRecord => ({
  seq: r.seq as number, incidentId: r.incident_id as string, at: r.at as number,
  actor: { keyId: (r.actor_id as string) ?? null, ...(r.actor_user_id != null ? { userId: r.actor_user_id as string } : {}), name: r.actor_name as string, role: (r.actor_role as string) ?? null },
  action: r.action as string, from: (r.from_status as FlowRecord['from']) ?? null, to: (r.to_status as FlowRecord['to']) ?? null,
  note: (r.note as string) ?? null, attachments: JSON.parse(r.attachments as string) as string[], data: r.data ? (JSON.parse(r.data as string) as Record<string, unknown>) : null,
});

export const toEvent = (r: Row): StoredEvent => ({
  seq: r.seq as number, at: r.at as number, type: r.type as string, incidentId: r.incident_id as string, payload: JSON.parse(r.payload as string) as Record<string, unknown>,
});
