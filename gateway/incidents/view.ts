// The incident as clients see it: ISO times, nested source/location/claim.
import type { IncidentRow, FlowRecord } from './store/types.ts';
import { titleMessageOf } from './title-message.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const SEVERITY_RANK = { critical: 0, major: 1, minor: 2, warning: 3 } as const;
export const SEVERITIES = ['critical', 'major', 'minor', 'warning'] as const;

export function publicIncident(r: IncidentRow) {
  return {
    id: r.id,
    code: r.code,
    type: r.type,
    category: r.category,
    severity: r.severity,
    status: r.status,
    title: r.title,
    /** The title's code and params in the message catalogue (device-registry/messages.ts), when the system wrote it. */
    titleMessage: titleMessageOf(r.evidence),
    description: r.description,
    source: { kind: r.sourceKind, id: r.sourceId },
    dedupeKey: r.dedupeKey,
    count: r.count,
    firstSeen: iso(r.firstSeen),
    lastSeen: iso(r.lastSeen),
    location: r.lat !== null && r.lng !== null ? { lat: r.lat, lng: r.lng } : null,
    gridCode: r.gridCode,
    departmentId: r.departmentId,
    assignee: r.assignee,
    dispatchedAt: iso(r.dispatchedAt),
    slaDeadline: iso(r.slaDeadline),
    escalated: r.escalated,
    claim: r.claimBy && r.claimUntil && r.claimUntil > Date.now() ? { by: r.claimBy, until: iso(r.claimUntil) } : null,
    evidence: r.evidence,
    clearedAt: iso(r.clearedAt),
    rating: r.rating,
    version: r.version,
    createdAt: iso(r.createdAt),
    updatedAt: iso(r.updatedAt),
    closedAt: iso(r.closedAt),
  };
}
export type PublicIncident = ReturnType<typeof publicIncident>;

export const publicFlow = (f: FlowRecord) => ({ ...f, at: iso(f.at) });
