// The embedded incident store (SQLite, WAL). better-sqlite3 is synchronous,
// so each method's transaction runs without another request interleaving;
// the methods are async only to share the IncidentStore contract with PostgreSQL.
import Database from 'better-sqlite3';
import { GwError, migrate, openDatabase } from '../../../../device-registry/index.ts';
import { CLOSED, type Status } from '../../transitions.ts';
import { SEVERITY_RANK } from '../../view.ts';
import type { IncidentStore, SystemActor } from '../incident-store.ts';
import { listWhere } from '../list-filter.ts';
import { appendEvidence, claimRefused, DailyCodes, QUEUE_ORDER, staleVersion, type EvidenceItem } from '../rules.ts';
import type { FlowRecord, IncidentFilter, IncidentRow, NewFlow, RaiseInput, RaiseResult, StoredEvent, TransitionInput } from '../types.ts';
import { INCIDENT_MIGRATIONS } from './migrations.ts';
import { Prepared, toEvent, toFlow, toRow, type Row } from './rows.ts';
import { raiseSync } from './sqlite-raise.ts';
import { SqliteStats } from './sqlite-stats.ts';
import { SqliteWebhooks } from './sqlite-webhooks.ts';
import { SqliteWrites } from './sqlite-writes.ts';

const COLUMNS: Record<string, string> = {
  departmentId: 'department_id', assignee: 'assignee', dispatchedAt: 'dispatched_at', slaDeadline: 'sla_deadline', rating: 'rating', closedAt: 'closed_at', escalated: 'escalated',
};

export class SqliteIncidentStore implements IncidentStore {
  readonly db: Database.Database;
  readonly stats: SqliteStats;
  readonly webhooks: SqliteWebhooks;
  private readonly w: SqliteWrites;

  constructor(file: string, timeZone: string) {
    this.db = openDatabase(Database, file);
    migrate(this.db, INCIDENT_MIGRATIONS, 'incident');
    const p = new Prepared(this.db);
    this.w = new SqliteWrites(p, new DailyCodes(timeZone));
    this.stats = new SqliteStats(p);
    this.webhooks = new SqliteWebhooks(p);
  }

  private sql(text: string): Database.Statement {
    return this.w.p.sql(text);
  }

  async get(id: string): Promise<IncidentRow | undefined> {
    return this.w.find(id);
  }

  async raise(input: RaiseInput, now: number, cooldownMs: number, system: SystemActor): Promise<RaiseResult> {
    return this.db.transaction(() => raiseSync(this.w, input, now, cooldownMs, system))();
  }

  async transition(t: TransitionInput, now: number): Promise<{ row: IncidentRow; event: StoredEvent }> {
    return this.db.transaction(() => {
      const sets = Object.entries(t.set).map(([k, v]) => [COLUMNS[k]!, typeof v === 'boolean' ? (v ? 1 : 0) : v] as const);
      const open = CLOSED.includes(t.to) ? 0 : 1;
      const r = this.sql(`UPDATE incidents SET status = ?, open = ?, ${sets.map(([c]) => `${c} = ?, `).join('')}version = version + 1, updated_at = ?
        WHERE id = ? AND version = ? AND status = ?`).run(t.to, open, ...sets.map(([, v]) => v ?? null), now, t.id, t.expectedVersion, t.from);
      if (r.changes === 0) throw staleVersion(this.w.mustGet(t.id), t.expectedVersion);
      this.w.addFlow(t.id, now, t.flow);
      const row = this.w.mustGet(t.id);
      return { row, event: this.w.addEvent(t.event, row, now) };
    })();
  }

  private claimSync(id: string, by: string, until: number, now: number): IncidentRow {
    const r = this.sql(`UPDATE incidents SET claim_by = ?, claim_until = ?, updated_at = ? WHERE id = ? AND open = 1
      AND (claim_by IS NULL OR claim_until < ? OR claim_by = ?)`).run(by, until, now, id, now, by);
    const row = this.w.mustGet(id);
    if (r.changes === 0) throw claimRefused(row, CLOSED.includes(row.status));
    return row;
  }

  async claim(id: string, by: string, until: number, now: number): Promise<IncidentRow> {
    return this.claimSync(id, by, until, now);
  }

  async release(id: string, by: string): Promise<IncidentRow> {
    this.sql('UPDATE incidents SET claim_by = NULL, claim_until = NULL WHERE id = ? AND claim_by = ?').run(id, by);
    return this.w.mustGet(id);
  }

  async claimNext(by: string, until: number, now: number, statuses: readonly Status[], grids?: readonly string[]): Promise<IncidentRow | undefined> {
    return this.db.transaction(() => {
      const inGrids = grids ? 'AND grid_code IN (SELECT value FROM json_each(?))' : '';
      const r = this.sql(`SELECT id FROM incidents WHERE open = 1 AND status IN (${statuses.map(() => '?').join(',')})
        AND (claim_by IS NULL OR claim_until < ?) ${inGrids} ORDER BY ${QUEUE_ORDER} LIMIT 1`).get(...statuses, now, ...(grids ? [JSON.stringify(grids)] : [])) as { id: string } | undefined;
      return r ? this.claimSync(r.id, by, until, now) : undefined;
    })();
  }

  async overdue(now: number): Promise<IncidentRow[]> {
    return (this.sql(`SELECT * FROM incidents WHERE open = 1 AND escalated = 0 AND sla_deadline IS NOT NULL AND sla_deadline < ?
      AND status IN ('dispatched', 'handling')`).all(now) as Row[]).map(toRow);
  }

  async escalate(id: string, severity: IncidentRow['severity'], flow: NewFlow, now: number): Promise<{ row: IncidentRow; event: StoredEvent } | undefined> {
    return this.db.transaction(() => {
      const r = this.sql('UPDATE incidents SET escalated = 1, severity = ?, sev_rank = ?, updated_at = ? WHERE id = ? AND escalated = 0')
        .run(severity, SEVERITY_RANK[severity], now, id);
      if (r.changes === 0) return undefined;
      this.w.addFlow(id, now, flow);
      const row = this.w.mustGet(id);
      return { row, event: this.w.addEvent('incident.escalated', row, now) };
    })();
  }

  async note(id: string, flow: NewFlow, now: number, evidence?: EvidenceItem): Promise<{ row: IncidentRow; event?: StoredEvent } | undefined> {
    return this.db.transaction(() => {
      const found = this.w.find(id);
      if (!found) return undefined;
      if (evidence) {
        const next = appendEvidence(found.evidence, evidence);
        if (!next) return { row: found };
        this.sql('UPDATE incidents SET evidence = ? WHERE id = ?').run(JSON.stringify(next), id);
      }
      this.w.addFlow(id, now, flow);
      const row = this.w.mustGet(id);
      return { row, event: this.w.addEvent('incident.updated', row, now) };
    })();
  }

  async flow(id: string): Promise<FlowRecord[]> {
    return (this.sql('SELECT * FROM flow WHERE incident_id = ? ORDER BY seq').all(id) as Row[]).map(toFlow);
  }

  async cellOfEvidence(url: string, from: number, to: number): Promise<{ gridCode: string | null } | undefined> {
    const like = `%${url.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const r = (this.sql(`SELECT grid_code FROM incidents WHERE first_seen < ? AND last_seen >= ? AND evidence LIKE ? ESCAPE '\\' LIMIT 1`).get(to, from, like)
      ?? this.sql(`SELECT i.grid_code FROM flow f JOIN incidents i ON i.id = f.incident_id WHERE f.at >= ? AND f.at < ? AND f.attachments LIKE ? ESCAPE '\\' LIMIT 1`)
        .get(from, to, like)) as { grid_code: string | null } | undefined;
    return r ? { gridCode: r.grid_code } : undefined;
  }

  async list(f: IncidentFilter, order: 'queue' | 'newest'): Promise<{ rows: IncidentRow[]; total: number }> {
    const params: unknown[] = [];
    const clause = listWhere(f, { bind: (v) => (params.push(v), '?'), truth: (b) => (b ? 1 : 0), like: 'LIKE' });
    const orderBy = order === 'queue' ? QUEUE_ORDER : 'first_seen DESC, code DESC';
    const total = (this.sql(`SELECT COUNT(*) n FROM incidents ${clause}`).get(...params) as { n: number }).n;
    const rows = (this.sql(`SELECT * FROM incidents ${clause} ORDER BY ${orderBy} LIMIT ? OFFSET ?`).all(...params, f.limit, f.offset) as Row[]).map(toRow);
    return { rows, total };
  }

  async eventsSince(seq: number, limit: number): Promise<StoredEvent[]> {
    return (this.sql('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?').all(seq, limit) as Row[]).map(toEvent);
  }

  async oldestEventSeq(): Promise<number> {
    return (this.sql('SELECT COALESCE(MIN(seq), 0) s FROM events').get() as { s: number }).s;
  }

  async pruneEvents(before: number): Promise<number> {
    return this.db.transaction(() => {
      this.sql('DELETE FROM raised_candidates WHERE at < ?').run(before);
      return this.sql('DELETE FROM events WHERE at < ?').run(before).changes;
    })();
  }

  async ping(): Promise<void> {
    if (!this.db.open) throw new GwError('GW_ERR_UNAVAILABLE', 'the incident database is closed');
    this.sql('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.close();
  }
}
