// The scale-out incident store: PostgreSQL behind a pg.Pool, with the same
// semantics as the SQLite store (sqlite/sqlite-incident-store.ts). Unlike
// SQLite, other requests and other gateway nodes interleave, so each write is
// one transaction whose conditions live in the statements themselves: versions
// and leases in the UPDATE's WHERE, the queue head taken FOR UPDATE SKIP LOCKED,
// the door's races in pg-raise.ts.
import { migrateOnPool, type PgPoolOptions } from '../../../../device-registry/index.ts';
import { CLOSED, type Status } from '../../transitions.ts';
import { SEVERITY_RANK } from '../../view.ts';
import type { IncidentStore, SystemActor } from '../incident-store.ts';
import { listWhere } from '../list-filter.ts';
import { appendEvidence, claimRefused, DailyCodes, QUEUE_ORDER, staleVersion, type EvidenceItem } from '../rules.ts';
import type { FlowRecord, IncidentFilter, IncidentRow, NewFlow, RaiseInput, RaiseResult, StoredEvent, TransitionInput } from '../types.ts';
import { migrateIncidents } from './migrations.ts';
import { PgDb, translate } from './pg-db.ts';
import { raiseTx } from './pg-raise.ts';
import { PgEventOutbox } from './pg-outbox.ts';
import { PgStats } from './pg-stats.ts';
import { PgWebhooks } from './pg-webhooks.ts';
import { addEvent, addFlow, json, mustGet } from './pg-writes.ts';
import { toEvent, toFlow, toRow } from './rows.ts';

const COLUMNS: Record<string, string> = {
  departmentId: 'department_id', assignee: 'assignee', dispatchedAt: 'dispatched_at', slaDeadline: 'sla_deadline', rating: 'rating', closedAt: 'closed_at', escalated: 'escalated',
};

export class PgIncidentStore implements IncidentStore {
  readonly stats: PgStats;
  readonly webhooks: PgWebhooks;
  readonly outbox: PgEventOutbox;
  private readonly codes: DailyCodes;

  private constructor(private readonly db: PgDb, timeZone: string) {
    this.codes = new DailyCodes(timeZone);
    this.stats = new PgStats(db);
    this.webhooks = new PgWebhooks(db);
    this.outbox = new PgEventOutbox(db);
  }

  /** Connects and migrates (under an advisory lock, so nodes starting together do not race). Unreachable: GW_ERR_UNAVAILABLE. */
  static async open(url: string, timeZone: string, pool: PgPoolOptions = {}): Promise<PgIncidentStore> {
    const db = new PgDb(url, pool);
    try {
      await migrateOnPool(db.pool, (client) => migrateIncidents(client));
    } catch (err) {
      await db.end();
      throw translate(err, db.where);
    }
    return new PgIncidentStore(db, timeZone);
  }

  async get(id: string): Promise<IncidentRow | undefined> {
    const [r] = await this.db.rows('SELECT * FROM incidents WHERE id = $1', [id]);
    return r ? toRow(r) : undefined;
  }

  async raise(input: RaiseInput, now: number, cooldownMs: number, system: SystemActor): Promise<RaiseResult> {
    return this.db.tx((c) => raiseTx(c, input, now, cooldownMs, system, this.codes));
  }

  async transition(t: TransitionInput, now: number): Promise<{ row: IncidentRow; event: StoredEvent }> {
    return this.db.tx(async (c) => {
      const values: unknown[] = [t.to, !CLOSED.includes(t.to), now, t.id, t.expectedVersion, t.from];
      const sets = Object.entries(t.set).map(([k, v]) => `${COLUMNS[k]!} = $${values.push(v ?? null)}`);
      const { rows } = await c.query(`UPDATE incidents SET status = $1, open = $2, ${sets.map((s) => `${s}, `).join('')}version = version + 1, updated_at = $3
        WHERE id = $4 AND version = $5 AND status = $6 RETURNING *`, values);
      if (!rows[0]) throw staleVersion(await mustGet(c, t.id), t.expectedVersion);
      const row = toRow(rows[0]);
      await addFlow(c, t.id, now, t.flow);
      return { row, event: await addEvent(c, t.event, row, now) };
    });
  }

  async claim(id: string, by: string, until: number, now: number): Promise<IncidentRow> {
    return this.db.tx(async (c) => {
      const { rows } = await c.query(`UPDATE incidents SET claim_by = $1, claim_until = $2, updated_at = $3 WHERE id = $4 AND open
        AND (claim_by IS NULL OR claim_until < $3 OR claim_by = $1) RETURNING *`, [by, until, now, id]);
      if (rows[0]) return toRow(rows[0]);
      const row = await mustGet(c, id);
      throw claimRefused(row, CLOSED.includes(row.status));
    });
  }

  async release(id: string, by: string): Promise<IncidentRow> {
    return this.db.tx(async (c) => {
      await c.query('UPDATE incidents SET claim_by = NULL, claim_until = NULL WHERE id = $1 AND claim_by = $2', [id, by]);
      return mustGet(c, id);
    });
  }

  /** One statement: the head of the queue, skipping rows another node is claiming right now. */
  async claimNext(by: string, until: number, now: number, statuses: readonly Status[], grids?: readonly string[]): Promise<IncidentRow | undefined> {
    const [r] = await this.db.rows(`UPDATE incidents SET claim_by = $1, claim_until = $2, updated_at = $3 WHERE id = (
      SELECT id FROM incidents WHERE open AND status = ANY($4::text[]) AND (claim_by IS NULL OR claim_until < $3)
      ${grids ? 'AND grid_code = ANY($5::text[])' : ''} ORDER BY ${QUEUE_ORDER} LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING *`, [by, until, now, [...statuses], ...(grids ? [[...grids]] : [])]);
    return r ? toRow(r) : undefined;
  }

  async overdue(now: number): Promise<IncidentRow[]> {
    return (await this.db.rows(`SELECT * FROM incidents WHERE open AND NOT escalated AND sla_deadline IS NOT NULL AND sla_deadline < $1
      AND status IN ('dispatched', 'handling')`, [now])).map(toRow);
  }

  async escalate(id: string, severity: IncidentRow['severity'], flow: NewFlow, now: number): Promise<{ row: IncidentRow; event: StoredEvent } | undefined> {
    return this.db.tx(async (c) => {
      const { rows } = await c.query(`UPDATE incidents SET escalated = true, severity = $1, sev_rank = $2, updated_at = $3
        WHERE id = $4 AND NOT escalated RETURNING *`, [severity, SEVERITY_RANK[severity], now, id]);
      if (!rows[0]) return undefined;
      const row = toRow(rows[0]);
      await addFlow(c, id, now, flow);
      return { row, event: await addEvent(c, 'incident.escalated', row, now) };
    });
  }

  async note(id: string, flow: NewFlow, now: number, evidence?: EvidenceItem): Promise<{ row: IncidentRow; event?: StoredEvent } | undefined> {
    return this.db.tx(async (c) => {
      // Locked, so the note and an action on the same incident are written one after the other (and an evidence item is added once).
      const { rows } = await c.query('SELECT * FROM incidents WHERE id = $1 FOR UPDATE', [id]);
      if (!rows[0]) return undefined;
      let row = toRow(rows[0]);
      if (evidence) {
        const next = appendEvidence(row.evidence, evidence);
        if (!next) return { row };
        row = toRow((await c.query('UPDATE incidents SET evidence = $1::json WHERE id = $2 RETURNING *', [json(next), id])).rows[0]!);
      }
      await addFlow(c, id, now, flow);
      return { row, event: await addEvent(c, 'incident.updated', row, now) };
    });
  }

  async flow(id: string): Promise<FlowRecord[]> {
    return (await this.db.rows('SELECT * FROM incident_flow WHERE incident_id = $1 ORDER BY seq', [id])).map(toFlow);
  }

  async cellOfEvidence(url: string, from: number, to: number): Promise<{ gridCode: string | null } | undefined> {
    const like = `%${url.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const [r] = await this.db.rows(`SELECT grid_code FROM incidents WHERE first_seen < $1 AND last_seen >= $2 AND evidence::text LIKE $3
      UNION ALL SELECT i.grid_code FROM incident_flow f JOIN incidents i ON i.id = f.incident_id WHERE f.at >= $2 AND f.at < $1 AND f.attachments::text LIKE $3
      LIMIT 1`, [to, from, like]);
    return r ? { gridCode: (r.grid_code as string | null) ?? null } : undefined;
  }

  async list(f: IncidentFilter, order: 'queue' | 'newest'): Promise<{ rows: IncidentRow[]; total: number }> {
    const params: unknown[] = [];
    const clause = listWhere(f, { bind: (v) => `$${params.push(v)}`, truth: (b) => b, like: 'ILIKE' });
    // COLLATE "C": byte order, as SQLite sorts, whatever the database's locale.
    const orderBy = order === 'queue' ? QUEUE_ORDER : 'first_seen DESC, code COLLATE "C" DESC';
    const [count] = await this.db.rows(`SELECT COUNT(*) AS n FROM incidents ${clause}`, params);
    const rows = await this.db.rows(`SELECT * FROM incidents ${clause} ORDER BY ${orderBy} LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, f.limit, f.offset]);
    return { rows: rows.map(toRow), total: count!.n as number };
  }

  async eventsSince(seq: number, limit: number): Promise<StoredEvent[]> {
    return (await this.db.rows('SELECT * FROM incident_events WHERE seq > $1 ORDER BY seq LIMIT $2', [seq, limit])).map(toEvent);
  }

  async oldestEventSeq(): Promise<number> {
    const [r] = await this.db.rows('SELECT COALESCE(MIN(seq), 0) AS s FROM incident_events');
    return r!.s as number;
  }

  async pruneEvents(before: number): Promise<number> {
    return this.db.tx(async (c) => {
      await c.query('DELETE FROM incident_candidates WHERE at < $1', [before]);
      return (await c.query('DELETE FROM incident_events WHERE at < $1', [before])).rowCount ?? 0;
    });
  }

  async ping(): Promise<void> {
    await this.db.rows('SELECT 1');
  }

  async close(): Promise<void> {
    await this.db.end();
  }
}
