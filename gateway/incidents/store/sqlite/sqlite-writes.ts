// The writes every incident transaction shares on SQLite: the flow record, the
// event, the day's next code, reading a row. Synchronous, inside the caller's transaction.
import { notFound } from '../../../../device-registry/index.ts';
import { publicIncident } from '../../view.ts';
import { DailyCodes } from '../rules.ts';
import type { IncidentRow, NewFlow, StoredEvent } from '../types.ts';
import { toRow, type Prepared, type Row } from './rows.ts';

export class SqliteWrites {
  constructor(readonly p: Prepared, private readonly codes: DailyCodes) {}

  nextCode(now: number): string {
    const day = this.codes.day(now);
    const { last } = this.p.sql('INSERT INTO codes (day, last) VALUES (?, 1) ON CONFLICT(day) DO UPDATE SET last = last + 1 RETURNING last').get(day) as { last: number };
    return DailyCodes.code(day, last);
  }

  addFlow(incidentId: string, at: number, f: NewFlow): void {
    this.p.sql(`INSERT INTO flow (incident_id, at, actor_id, actor_user_id, actor_name, actor_role, action, from_status, to_status, note, attachments, data)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(incidentId, at, f.actor.keyId, f.actor.userId ?? null, f.actor.name, f.actor.role, f.action, f.from, f.to, f.note,
      JSON.stringify(f.attachments), f.data ? JSON.stringify(f.data) : null);
  }

  addEvent(type: string, row: IncidentRow, at: number): StoredEvent {
    const payload = publicIncident(row);
    const { seq } = this.p.sql('INSERT INTO events (at, type, incident_id, payload) VALUES (?, ?, ?, ?) RETURNING seq')
      .get(at, type, row.id, JSON.stringify(payload)) as { seq: number };
    return { seq, at, type, incidentId: row.id, payload };
  }

  find(id: string): IncidentRow | undefined {
    const r = this.p.sql('SELECT * FROM incidents WHERE id = ?').get(id) as Row | undefined;
    return r ? toRow(r) : undefined;
  }

  mustGet(id: string): IncidentRow {
    const row = this.find(id);
    if (!row) throw notFound('incident', id);
    return row;
  }
}
