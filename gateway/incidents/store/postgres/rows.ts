// PostgreSQL rows to the store's types (booleans and json come parsed; int8 as numbers, see pg-db.ts).
import type { FlowRecord, IncidentRow, StoredEvent } from '../types.ts';
import type { Row } from './pg-db.ts';

const orNull = <T>(v: unknown): T | null => (v ?? null) as T | null;

export const toRow = (r: Row): IncidentRow => ({
  id: r.id as string, code: r.code as string, type: r.type as string, category: orNull(r.category),
  severity: r.severity as IncidentRow['severity'], status: r.status as IncidentRow['status'], title: orNull(r.title),
  description: orNull(r.description), sourceKind: r.source_kind as string, sourceId: r.source_id as string,
  dedupeKey: r.dedupe_key as string, count: r.count as number, firstSeen: r.first_seen as number, lastSeen: r.last_seen as number,
  lat: orNull(r.lat), lng: orNull(r.lng), gridCode: orNull(r.grid_code), departmentId: orNull(r.department_id), assignee: orNull(r.assignee),
  dispatchedAt: orNull(r.dispatched_at), slaDeadline: orNull(r.sla_deadline), escalated: r.escalated === true,
  claimBy: orNull(r.claim_by), claimUntil: orNull(r.claim_until), evidence: r.evidence as Record<string, unknown>,
  clearedAt: orNull(r.cleared_at), rating: orNull(r.rating), version: r.version as number,
  createdAt: r.created_at as number, updatedAt: r.updated_at as number, closedAt: orNull(r.closed_at),
});

export const toFlow = (r: Row): FlowRecord => ({
  seq: r.seq as number, incidentId: r.incident_id as string, at: r.at as number,
  actor: { keyId: orNull(r.actor_id), ...(r.actor_user_id != null ? { userId: r.actor_user_id as string } : {}), name: r.actor_name as string, role: orNull(r.actor_role) },
  action: r.action as string, from: orNull(r.from_status), to: orNull(r.to_status),
  note: orNull(r.note), attachments: r.attachments as string[], data: orNull(r.data),
});

export const toEvent = (r: Row): StoredEvent => ({
  seq: r.seq as number, at: r.at as number, type: r.type as string, incidentId: r.incident_id as string, payload: r.payload as Record<string, unknown>,
});
