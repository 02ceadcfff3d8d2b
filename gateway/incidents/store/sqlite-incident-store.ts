// The embedded incident store (SQLite, WAL). better-sqlite3 is synchronous,
// so each method's transaction runs without another request interleaving;
// the partial unique index on open dedupe keys guards the rule in the data.
import Database from 'better-sqlite3';
import { GwError, migrate, notFound, openDatabase } from '../../../device-registry/index.ts';
import { SEVERITY_RANK, publicIncident } from '../view.ts';
import { CLOSED } from '../transitions.ts';
import { INCIDENT_MIGRATIONS } from './migrations.ts';
import type { FlowRecord, IncidentFilter, IncidentRow, NewFlow, RaiseInput, RaiseOutcome, StoredEvent, TransitionInput } from './types.ts';

type Row = Record<string, unknown>;
const MAX_SNAPSHOTS = 10;

const toRow = (r: Row): IncidentRow => ({
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

const toFlow = (r: Row): FlowRecord => ({
  seq: r.seq as number, incidentId: r.incident_id as string, at: r.at as number,
  actor: { keyId: (r.actor_id as string) ?? null, name: r.actor_name as string, role: (r.actor_role as string) ?? null },
  action: r.action as string, from: (r.from_status as FlowRecord['from']) ?? null, to: (r.to_status as FlowRecord['to']) ?? null,
  note: (r.note as string) ?? null, attachments: JSON.parse(r.attachments as string) as string[], data: r.data ? (JSON.parse(r.data as string) as Record<string, unknown>) : null,
});

/** Newer evidence wins, snapshots accumulate (the latest few). */
function mergeEvidence(old: Record<string, unknown>, add: Record<string, unknown>): Record<string, unknown> {
  const snapshots = [...((old.snapshots as string[]) ?? []), ...((add.snapshots as string[]) ?? [])].slice(-MAX_SNAPSHOTS);
  return { ...old, ...add, ...(snapshots.length ? { snapshots } : {}) };
}

const COLUMNS: Record<string, string> = {
  departmentId: 'department_id', assignee: 'assignee', dispatchedAt: 'dispatched_at', slaDeadline: 'sla_deadline', rating: 'rating', closedAt: 'closed_at', escalated: 'escalated',
};

export class SqliteIncidentStore {
  readonly db: Database.Database;
  private readonly dayFormat: Intl.DateTimeFormat;
  private readonly statements = new Map<string, Database.Statement>();

  /** Prepared once, reused: the door is on the hot path of every alarm. */
  private sql(text: string): Database.Statement {
    let stmt = this.statements.get(text);
    if (!stmt) this.statements.set(text, (stmt = this.db.prepare(text)));
    return stmt;
  }

  constructor(file: string, timeZone: string) {
    this.db = openDatabase(Database, file);
    migrate(this.db, INCIDENT_MIGRATIONS, 'incident');
    this.dayFormat = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  }

  private nextCode(now: number): string {
    const day = this.dayFormat.format(now).replace(/-/g, '');
    const { last } = this.sql('INSERT INTO codes (day, last) VALUES (?, 1) ON CONFLICT(day) DO UPDATE SET last = last + 1 RETURNING last').get(day) as { last: number };
    return `${day}-${String(last).padStart(5, '0')}`;
  }

  private addFlow(incidentId: string, at: number, f: NewFlow): void {
    this.sql(`INSERT INTO flow (incident_id, at, actor_id, actor_name, actor_role, action, from_status, to_status, note, attachments, data)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(incidentId, at, f.actor.keyId, f.actor.name, f.actor.role, f.action, f.from, f.to, f.note,
      JSON.stringify(f.attachments), f.data ? JSON.stringify(f.data) : null);
  }

  private addEvent(type: string, row: IncidentRow, at: number): StoredEvent {
    const payload = publicIncident(row);
    const { seq } = this.sql('INSERT INTO events (at, type, incident_id, payload) VALUES (?, ?, ?, ?) RETURNING seq')
      .get(at, type, row.id, JSON.stringify(payload)) as { seq: number };
    return { seq, at, type, incidentId: row.id, payload };
  }

  private mustGet(id: string): IncidentRow {
    const r = this.sql('SELECT * FROM incidents WHERE id = ?').get(id) as Row | undefined;
    if (!r) throw notFound('incident', id);
    return toRow(r);
  }

  get(id: string): IncidentRow | undefined {
    const r = this.sql('SELECT * FROM incidents WHERE id = ?').get(id) as Row | undefined;
    return r ? toRow(r) : undefined;
  }

  /** One door: open a new incident, bump the open one, or note a repeat during the cool-down — atomically. */
  raise(input: RaiseInput, now: number, cooldownMs: number, system: NewFlow['actor']): { row: IncidentRow; outcome: RaiseOutcome; event?: StoredEvent } | { row?: undefined; outcome: 'ignored' } {
    return this.db.transaction(() => {
      const openRow = this.sql('SELECT * FROM incidents WHERE dedupe_key = ? AND open = 1').get(input.dedupeKey) as Row | undefined;
      const open = openRow ? toRow(openRow) : undefined;
      if (input.clear) {
        if (!open || open.clearedAt !== null) return { outcome: 'ignored' as const };
        this.sql('UPDATE incidents SET cleared_at = ?, version = version + 1, updated_at = ? WHERE id = ?').run(input.occurredAt, now, open.id);
        this.addFlow(open.id, now, { actor: system, action: 'clear', from: null, to: null, note: 'the condition ended', attachments: [], data: null });
        const row = this.mustGet(open.id);
        return { row, outcome: 'cleared' as const, event: this.addEvent('incident.updated', row, now) };
      }
      const target = open ?? (() => {
        const r = this.sql('SELECT * FROM incidents WHERE dedupe_key = ? AND open = 0 AND closed_at > ? ORDER BY closed_at DESC LIMIT 1')
          .get(input.dedupeKey, now - cooldownMs) as Row | undefined;
        return r ? toRow(r) : undefined;
      })();
      if (target) {
        // A repeat: count it. An open incident may get more severe; a closed one stays closed (cool-down).
        const worse = open && SEVERITY_RANK[input.severity] < SEVERITY_RANK[target.severity];
        const severity = worse ? input.severity : target.severity;
        this.sql(`UPDATE incidents SET count = count + 1, last_seen = MAX(last_seen, ?), severity = ?, sev_rank = ?, evidence = ?,
          cleared_at = CASE WHEN open = 1 THEN NULL ELSE cleared_at END, version = version + 1, updated_at = ? WHERE id = ?`)
          .run(input.occurredAt, severity, SEVERITY_RANK[severity], JSON.stringify(open ? mergeEvidence(target.evidence, input.evidence) : target.evidence), now, target.id);
        if (worse) this.addFlow(target.id, now, { actor: system, action: 'severity', from: null, to: null, note: `severity ${target.severity} → ${severity}`, attachments: [], data: null });
        const row = this.mustGet(target.id);
        return { row, outcome: open ? ('deduped' as const) : ('cooldown' as const), event: this.addEvent('incident.updated', row, now) };
      }
      this.sql(`INSERT INTO incidents (id, code, type, category, severity, sev_rank, status, open, title, description, source_kind, source_id,
        dedupe_key, count, first_seen, last_seen, lat, lng, grid_code, evidence, version, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, 'reported', 1, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, 1, ?, ?)`).run(
        input.id, this.nextCode(now), input.type, input.category, input.severity, SEVERITY_RANK[input.severity], input.title, input.description,
        input.sourceKind, input.sourceId, input.dedupeKey, input.occurredAt, input.occurredAt, input.lat, input.lng, input.gridCode,
        JSON.stringify(input.evidence), now, now);
      this.addFlow(input.id, now, { actor: system, action: 'report', from: null, to: 'reported', note: input.title, attachments: [], data: { source: `${input.sourceKind}:${input.sourceId}` } });
      const row = this.mustGet(input.id);
      return { row, outcome: 'created' as const, event: this.addEvent('incident.created', row, now) };
    })();
  }

  transition(t: TransitionInput, now: number): { row: IncidentRow; event: StoredEvent } {
    return this.db.transaction(() => {
      const sets = Object.entries(t.set).map(([k, v]) => [COLUMNS[k]!, typeof v === 'boolean' ? (v ? 1 : 0) : v] as const);
      const open = CLOSED.includes(t.to) ? 0 : 1;
      const r = this.sql(`UPDATE incidents SET status = ?, open = ?, ${sets.map(([c]) => `${c} = ?, `).join('')}version = version + 1, updated_at = ?
        WHERE id = ? AND version = ? AND status = ?`).run(t.to, open, ...sets.map(([, v]) => v ?? null), now, t.id, t.expectedVersion, t.from);
      if (r.changes === 0) {
        const current = this.mustGet(t.id);
        throw new GwError('GW_ERR_STALE_VERSION', `incident ${current.code} is at version ${current.version} (${current.status}), not ${t.expectedVersion}; reload it`, 'version');
      }
      this.addFlow(t.id, now, t.flow);
      const row = this.mustGet(t.id);
      return { row, event: this.addEvent(t.event, row, now) };
    })();
  }

  /** Takes (or renews) the lease; refused while another dispatcher holds an unexpired one. */
  claim(id: string, by: string, until: number, now: number): IncidentRow {
    const r = this.sql(`UPDATE incidents SET claim_by = ?, claim_until = ?, updated_at = ? WHERE id = ? AND open = 1
      AND (claim_by IS NULL OR claim_until < ? OR claim_by = ?)`).run(by, until, now, id, now, by);
    const row = this.mustGet(id);
    if (r.changes === 0) {
      if (CLOSED.includes(row.status)) throw new GwError('GW_ERR_ILLEGAL_TRANSITION', `incident ${row.code} is closed`, 'id');
      throw new GwError('GW_ERR_CLAIMED', `incident ${row.code} is being handled by ${row.claimBy} until ${new Date(row.claimUntil!).toISOString()}`, 'id');
    }
    return row;
  }

  release(id: string, by: string): IncidentRow {
    this.sql('UPDATE incidents SET claim_by = NULL, claim_until = NULL WHERE id = ? AND claim_by = ?').run(id, by);
    return this.mustGet(id);
  }

  /** Claims the first unclaimed open incident in queue order, atomically. */
  claimNext(by: string, until: number, now: number, statuses: readonly string[]): IncidentRow | undefined {
    return this.db.transaction(() => {
      const r = this.sql(`SELECT id FROM incidents WHERE open = 1 AND status IN (${statuses.map(() => '?').join(',')})
        AND (claim_by IS NULL OR claim_until < ?) ORDER BY sev_rank, sla_deadline IS NULL, sla_deadline, first_seen LIMIT 1`).get(...statuses, now) as { id: string } | undefined;
      return r ? this.claim(r.id, by, until, now) : undefined;
    })();
  }

  /** Dispatched incidents past their SLA deadline that have not been escalated yet. */
  overdue(now: number): IncidentRow[] {
    return (this.sql(`SELECT * FROM incidents WHERE open = 1 AND escalated = 0 AND sla_deadline IS NOT NULL AND sla_deadline < ?
      AND status IN ('dispatched', 'handling')`).all(now) as Row[]).map(toRow);
  }

  escalate(id: string, severity: IncidentRow['severity'], flow: NewFlow, now: number): { row: IncidentRow; event: StoredEvent } | undefined {
    return this.db.transaction(() => {
      const r = this.sql('UPDATE incidents SET escalated = 1, severity = ?, sev_rank = ?, version = version + 1, updated_at = ? WHERE id = ? AND escalated = 0')
        .run(severity, SEVERITY_RANK[severity], now, id);
      if (r.changes === 0) return undefined;
      this.addFlow(id, now, flow);
      const row = this.mustGet(id);
      return { row, event: this.addEvent('incident.escalated', row, now) };
    })();
  }

  flow(id: string): FlowRecord[] {
    return (this.sql('SELECT * FROM flow WHERE incident_id = ? ORDER BY seq').all(id) as Row[]).map(toFlow);
  }

  list(f: IncidentFilter, order: 'queue' | 'newest'): { rows: IncidentRow[]; total: number } {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, ...values: unknown[]) => {
      where.push(sql);
      params.push(...values);
    };
    if (f.status?.length) add(`status IN (${f.status.map(() => '?').join(',')})`, ...f.status);
    if (f.open !== undefined) add('open = ?', f.open ? 1 : 0);
    if (f.type) add('type = ?', f.type);
    if (f.severity) add('severity = ?', f.severity);
    if (f.grid?.length) add(`grid_code IN (${f.grid.map(() => '?').join(',')})`, ...f.grid);
    if (f.sourceKind) add('source_kind = ?', f.sourceKind);
    if (f.sourceId) add('source_id = ?', f.sourceId);
    if (f.departmentId) add('department_id = ?', f.departmentId);
    if (f.from !== undefined) add('first_seen >= ?', f.from);
    if (f.to !== undefined) add('first_seen < ?', f.to);
    if (f.q) add(`(code LIKE ? ESCAPE '\\' OR title LIKE ? ESCAPE '\\')`, ...Array(2).fill(`%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`));
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const orderBy = order === 'queue' ? 'sev_rank, sla_deadline IS NULL, sla_deadline, first_seen' : 'first_seen DESC, code DESC';
    const total = (this.sql(`SELECT COUNT(*) n FROM incidents ${clause}`).get(...params) as { n: number }).n;
    const rows = (this.sql(`SELECT * FROM incidents ${clause} ORDER BY ${orderBy} LIMIT ? OFFSET ?`).all(...params, f.limit, f.offset) as Row[]).map(toRow);
    return { rows, total };
  }

  eventsSince(seq: number, limit: number): StoredEvent[] {
    return (this.sql('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?').all(seq, limit) as Row[]).map((r) => ({
      seq: r.seq as number, at: r.at as number, type: r.type as string, incidentId: r.incident_id as string, payload: JSON.parse(r.payload as string) as Record<string, unknown>,
    }));
  }

  oldestEventSeq(): number {
    return (this.sql('SELECT COALESCE(MIN(seq), 0) s FROM events').get() as { s: number }).s;
  }

  pruneEvents(before: number): number {
    return this.sql('DELETE FROM events WHERE at < ?').run(before).changes;
  }

  ping(): void {
    this.sql('SELECT 1').get();
  }

  close(): void {
    if (!this.db.open) return;
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.close();
  }
}
