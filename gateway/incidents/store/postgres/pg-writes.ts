// The writes every incident transaction shares on PostgreSQL: the flow record,
// the event, the day's next code, reading a row (optionally locked).
import { notFound } from '../../../../device-registry/index.ts';
import { publicIncident } from '../../view.ts';
import { DailyCodes } from '../rules.ts';
import type { IncidentRow, NewFlow, StoredEvent } from '../types.ts';
import type { Row, Tx } from './pg-db.ts';
import { toRow } from './rows.ts';

export const json = (value: unknown): string => JSON.stringify(value);

export async function addFlow(c: Tx, incidentId: string, at: number, f: NewFlow): Promise<void> {
  await c.query(`INSERT INTO incident_flow (incident_id, at, actor_id, actor_user_id, actor_name, actor_role, action, from_status, to_status, note, attachments, data)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::json, $12::json)`, [incidentId, at, f.actor.keyId, f.actor.userId ?? null, f.actor.name, f.actor.role, f.action, f.from, f.to, f.note,
    json(f.attachments), f.data ? json(f.data) : null]);
}

export async function addEvent(c: Tx, type: string, row: IncidentRow, at: number): Promise<StoredEvent> {
  const payload = publicIncident(row);
  const { rows } = await c.query<{ seq: number }>('INSERT INTO incident_events (at, type, incident_id, payload) VALUES ($1, $2, $3, $4::json) RETURNING seq',
    [at, type, row.id, json(payload)]);
  return { seq: rows[0]!.seq, at, type, incidentId: row.id, payload };
}

/** The day's next number. The counter row stays locked until commit, so two nodes never hand out one code. */
export async function nextCode(c: Tx, codes: DailyCodes, now: number): Promise<string> {
  const day = codes.day(now);
  const { rows } = await c.query<{ last: number }>(`INSERT INTO incident_codes (day, last) VALUES ($1, 1)
    ON CONFLICT (day) DO UPDATE SET last = incident_codes.last + 1 RETURNING last`, [day]);
  return DailyCodes.code(day, rows[0]!.last);
}

export async function findRow(c: Tx, id: string): Promise<IncidentRow | undefined> {
  const { rows } = await c.query<Row>('SELECT * FROM incidents WHERE id = $1', [id]);
  return rows[0] ? toRow(rows[0]) : undefined;
}

export async function mustGet(c: Tx, id: string): Promise<IncidentRow> {
  const row = await findRow(c, id);
  if (!row) throw notFound('incident', id);
  return row;
}
