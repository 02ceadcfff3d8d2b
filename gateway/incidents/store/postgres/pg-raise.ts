// The door on PostgreSQL, where several nodes raise at once. Within one
// transaction (READ COMMITTED):
//   - the candidate id is claimed first (INSERT … ON CONFLICT DO NOTHING): a
//     duplicate waits for the first to commit, then finds its record and replays it;
//   - the open incident is read FOR UPDATE, so concurrent repeats of one key
//     queue on its row and none loses another's count or evidence;
//   - two nodes opening the same key both find nothing open and both insert:
//     the partial unique index refuses the second (23505), whose transaction
//     is retried once by PgDb.tx and then finds the first one's row: deduped.
import type { SystemActor } from '../incident-store.ts';
import { clearFlow, type DailyCodes, repeatOf, reportFlow } from '../rules.ts';
import type { RaiseInput, RaiseOutcome, RaiseResult } from '../types.ts';
import { SEVERITY_RANK } from '../../view.ts';
import type { Row, Tx } from './pg-db.ts';
import { addEvent, addFlow, json, mustGet, nextCode } from './pg-writes.ts';
import { toRow } from './rows.ts';

export async function raiseTx(c: Tx, input: RaiseInput, now: number, cooldownMs: number, system: SystemActor, codes: DailyCodes): Promise<RaiseResult> {
  const { candidateId } = input;
  if (candidateId !== undefined) {
    const claimed = await c.query(`INSERT INTO incident_candidates (candidate_id, incident_id, outcome, at) VALUES ($1, NULL, 'pending', $2)
      ON CONFLICT (candidate_id) DO NOTHING`, [candidateId, now]);
    if (claimed.rowCount === 0) {
      const { rows: [seen] } = await c.query<Row>('SELECT incident_id, outcome FROM incident_candidates WHERE candidate_id = $1', [candidateId]);
      if (seen?.incident_id) return { row: await mustGet(c, seen.incident_id as string), outcome: seen.outcome as RaiseOutcome, replayed: true };
      return { outcome: 'ignored', replayed: true };
    }
  }
  const result = await raiseOnce(c, input, now, cooldownMs, system, codes);
  if (candidateId !== undefined) {
    await c.query('UPDATE incident_candidates SET incident_id = $1, outcome = $2 WHERE candidate_id = $3', [result.row?.id ?? null, result.outcome, candidateId]);
  }
  return result;
}

async function raiseOnce(c: Tx, input: RaiseInput, now: number, cooldownMs: number, system: SystemActor, codes: DailyCodes): Promise<RaiseResult> {
  const { rows: [openRow] } = await c.query<Row>('SELECT * FROM incidents WHERE dedupe_key = $1 AND open FOR UPDATE', [input.dedupeKey]);
  const open = openRow ? toRow(openRow) : undefined;
  if (input.clear) {
    if (!open || open.clearedAt !== null) return { outcome: 'ignored', replayed: false };
    const { rows } = await c.query<Row>('UPDATE incidents SET cleared_at = $1, updated_at = $2 WHERE id = $3 RETURNING *',
      [input.occurredAt, now, open.id]);
    await addFlow(c, open.id, now, clearFlow(system));
    const row = toRow(rows[0]!);
    return { row, outcome: 'cleared', event: await addEvent(c, 'incident.updated', row, now), replayed: false };
  }
  const closedRow = open ? undefined : (await c.query<Row>(`SELECT * FROM incidents WHERE dedupe_key = $1 AND NOT open AND closed_at > $2
    ORDER BY closed_at DESC LIMIT 1 FOR UPDATE`, [input.dedupeKey, now - cooldownMs])).rows[0];
  const target = open ?? (closedRow ? toRow(closedRow) : undefined);
  if (target) {
    const repeat = repeatOf(target, input, open !== undefined, system);
    const { rows } = await c.query<Row>(`UPDATE incidents SET count = count + 1, last_seen = GREATEST(last_seen, $1), severity = $2, sev_rank = $3,
      evidence = $4::json, cleared_at = CASE WHEN open THEN NULL ELSE cleared_at END, updated_at = $5 WHERE id = $6 RETURNING *`,
    [input.occurredAt, repeat.severity, repeat.sevRank, json(repeat.evidence), now, target.id]);
    if (repeat.flow) await addFlow(c, target.id, now, repeat.flow);
    const row = toRow(rows[0]!);
    return { row, outcome: open ? 'deduped' : 'cooldown', event: await addEvent(c, 'incident.updated', row, now), replayed: false };
  }
  const { rows } = await c.query<Row>(`INSERT INTO incidents (id, code, type, category, severity, sev_rank, status, open, title, description, source_kind,
    source_id, dedupe_key, count, first_seen, last_seen, lat, lng, grid_code, evidence, version, created_at, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6, 'reported', true, $7, $8, $9, $10, $11, 1, $12, $12, $13, $14, $15, $16::json, 1, $17, $17) RETURNING *`, [
    input.id, await nextCode(c, codes, now), input.type, input.category, input.severity, SEVERITY_RANK[input.severity], input.title, input.description,
    input.sourceKind, input.sourceId, input.dedupeKey, input.occurredAt, input.lat, input.lng, input.gridCode, json(input.evidence), now]);
  await addFlow(c, input.id, now, reportFlow(system, input));
  const row = toRow(rows[0]!);
  return { row, outcome: 'created', event: await addEvent(c, 'incident.created', row, now), replayed: false };
}
