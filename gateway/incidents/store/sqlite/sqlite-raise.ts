// The door on SQLite: one synchronous transaction, so no other raise
// interleaves; the partial unique index on open dedupe keys still guards the rule.
import { SEVERITY_RANK } from '../../view.ts';
import type { SystemActor } from '../incident-store.ts';
import { clearFlow, repeatOf, reportFlow } from '../rules.ts';
import type { RaiseInput, RaiseOutcome, RaiseResult } from '../types.ts';
import { toRow, type Row } from './rows.ts';
import type { SqliteWrites } from './sqlite-writes.ts';

/** A candidate id on record answers its first outcome; otherwise the raise happens and is put on record. */
export function raiseSync(w: SqliteWrites, input: RaiseInput, now: number, cooldownMs: number, system: SystemActor): RaiseResult {
  const { candidateId } = input;
  if (candidateId !== undefined) {
    const seen = w.p.sql('SELECT incident_id, outcome FROM raised_candidates WHERE candidate_id = ?').get(candidateId) as Row | undefined;
    if (seen?.incident_id) return { row: w.mustGet(seen.incident_id as string), outcome: seen.outcome as RaiseOutcome, replayed: true };
    if (seen) return { outcome: 'ignored', replayed: true };
  }
  const result = raiseOnce(w, input, now, cooldownMs, system);
  if (candidateId !== undefined) {
    w.p.sql('INSERT INTO raised_candidates (candidate_id, incident_id, outcome, at) VALUES (?, ?, ?, ?)').run(candidateId, result.row?.id ?? null, result.outcome, now);
  }
  return result;
}

/** Opens a new incident, bumps the open one, or notes a repeat during the cool-down. */
function raiseOnce(w: SqliteWrites, input: RaiseInput, now: number, cooldownMs: number, system: SystemActor): RaiseResult {
  const sql = (text: string) => w.p.sql(text);
  const openRow = sql('SELECT * FROM incidents WHERE dedupe_key = ? AND open = 1').get(input.dedupeKey) as Row | undefined;
  const open = openRow ? toRow(openRow) : undefined;
  if (input.clear) {
    if (!open || open.clearedAt !== null) return { outcome: 'ignored', replayed: false };
    sql('UPDATE incidents SET cleared_at = ?, updated_at = ? WHERE id = ?').run(input.occurredAt, now, open.id);
    w.addFlow(open.id, now, clearFlow(system));
    const row = w.mustGet(open.id);
    return { row, outcome: 'cleared', event: w.addEvent('incident.updated', row, now), replayed: false };
  }
  const closedRow = open ? undefined : (sql('SELECT * FROM incidents WHERE dedupe_key = ? AND open = 0 AND closed_at > ? ORDER BY closed_at DESC LIMIT 1')
    .get(input.dedupeKey, now - cooldownMs) as Row | undefined);
  const target = open ?? (closedRow ? toRow(closedRow) : undefined);
  if (target) {
    const repeat = repeatOf(target, input, open !== undefined, system);
    sql(`UPDATE incidents SET count = count + 1, last_seen = MAX(last_seen, ?), severity = ?, sev_rank = ?, evidence = ?,
      cleared_at = CASE WHEN open = 1 THEN NULL ELSE cleared_at END, updated_at = ? WHERE id = ?`)
      .run(input.occurredAt, repeat.severity, repeat.sevRank, JSON.stringify(repeat.evidence), now, target.id);
    if (repeat.flow) w.addFlow(target.id, now, repeat.flow);
    const row = w.mustGet(target.id);
    return { row, outcome: open ? 'deduped' : 'cooldown', event: w.addEvent('incident.updated', row, now), replayed: false };
  }
  sql(`INSERT INTO incidents (id, code, type, category, severity, sev_rank, status, open, title, description, source_kind, source_id,
    dedupe_key, count, first_seen, last_seen, lat, lng, grid_code, evidence, version, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, 'reported', 1, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, 1, ?, ?)`).run(
    input.id, w.nextCode(now), input.type, input.category, input.severity, SEVERITY_RANK[input.severity], input.title, input.description,
    input.sourceKind, input.sourceId, input.dedupeKey, input.occurredAt, input.occurredAt, input.lat, input.lng, input.gridCode,
    JSON.stringify(input.evidence), now, now);
  w.addFlow(input.id, now, reportFlow(system, input));
  const row = w.mustGet(input.id);
  return { row, outcome: 'created', event: w.addEvent('incident.created', row, now), replayed: false };
}
