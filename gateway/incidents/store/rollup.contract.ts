// The dashboard's rollups against the raw figures, for every engine: after
// creates, repeats (dedupe), transitions with a refused dispatch (another
// department), a reopen (a step reached twice) and an incident moved to another
// cell, every step and SLA figure equals what the incidents and their flow log
// give when worked out here, for windows of whole days, edges and none; and
// each figure's drill-down list (list-filter.ts) holds exactly the counted incidents.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { candidate, MIN, move, raise, raised, T0 } from './contract-fixtures.ts';
import type { IncidentStore } from './incident-store.ts';
import type { DurationRow, SlaRow } from './stats-store.ts';
import type { IncidentRow } from './types.ts';

type WithStore = (fn: (store: IncidentStore) => Promise<void>) => () => Promise<void>;
/** Moves an incident to another cell behind the store's back (no code path does yet; the rollups must follow). */
export type Regrid = (store: IncidentStore, id: string, gridCode: string | null) => Promise<void>;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NONE = '(none)';

async function everything(store: IncidentStore) {
  const { rows } = await store.list({ limit: 500, offset: 0 }, 'newest');
  return Promise.all(rows.map(async (row) => ({ row, flow: await store.flow(row.id) })));
}
type Known = Awaited<ReturnType<typeof everything>>;
const inScope = (row: IncidentRow, grids?: readonly string[]) => !grids || (row.gridCode !== null && grids.includes(row.gridCode));

/** Steps worked out from the flow log: each status record after the first, timed from the one before. */
function rawDurations(known: Known, from: number, to: number, grids?: readonly string[]) {
  const by = new Map<string, { count: number; ids: Set<string>; sum: number; max: number }>();
  for (const { row, flow } of known) {
    if (row.firstSeen < from || row.firstSeen >= to || !inScope(row, grids)) continue;
    const steps = flow.filter((f) => f.to !== null);
    for (let i = 1; i < steps.length; i++) {
      const took = steps[i]!.at - steps[i - 1]!.at;
      const s = by.get(steps[i]!.to!) ?? { count: 0, ids: new Set<string>(), sum: 0, max: -Infinity };
      by.set(steps[i]!.to!, { count: s.count + 1, ids: s.ids.add(row.id), sum: s.sum + took, max: Math.max(s.max, took) });
    }
  }
  return new Map([...by].map(([to, s]) => [to, { count: s.count, incidents: s.ids.size, avgSeconds: s.sum / s.count / 1000, maxSeconds: s.max / 1000 }]));
}

/** SLA worked out from the flow log: dispatched in the window, late when the first feedback came after the deadline (or none by `now`). */
function rawSla(known: Known, from: number, to: number, now: number, key: (row: IncidentRow) => string, grids?: readonly string[]) {
  const by = new Map<string, SlaRow>();
  for (const { row, flow } of known) {
    if (row.dispatchedAt === null || row.dispatchedAt < from || row.dispatchedAt >= to || !inScope(row, grids)) continue;
    const feedback = Math.min(...flow.filter((f) => f.to === 'feedback').map((f) => f.at));
    const late = (Number.isFinite(feedback) ? feedback : now) > row.slaDeadline! ? 1 : 0;
    const k = key(row);
    const s = by.get(k) ?? { key: k, dispatched: 0, breached: 0 };
    by.set(k, { key: k, dispatched: s.dispatched + 1, breached: s.breached + late });
  }
  return [...by.values()].sort((a, b) => b.dispatched - a.dispatched || (a.key < b.key ? -1 : 1));
}

function sameDurations(got: DurationRow[], want: ReturnType<typeof rawDurations>, what: string) {
  assert.deepEqual(got.map((d) => d.to).sort(), [...want.keys()].sort(), `${what}: steps`);
  for (const d of got) {
    const w = want.get(d.to)!;
    assert.deepEqual([d.count, d.incidents, d.maxSeconds], [w.count, w.incidents, w.maxSeconds], `${what}: ${d.to}`);
    assert.ok(Math.abs(d.avgSeconds - w.avgSeconds) < 1e-6, `${what}: ${d.to} average ${d.avgSeconds} ≈ ${w.avgSeconds}`);
  }
}

/** Every step and SLA figure, and its drill-down, against the raw ones, over windows of whole days, edges and none. */
async function assertFigures(store: IncidentStore, now: number, what: string) {
  const known = await everything(store);
  const windows: Array<[number, number]> = [
    [T0 - DAY, T0 + 6 * DAY], // whole days and edges
    [Date.UTC(2026, 0, 2), Date.UTC(2026, 0, 5)], // whole UTC days only
    [Date.UTC(2026, 0, 1, 16), Date.UTC(2026, 0, 4, 16)], // local (UTC+8) midnights
    [T0 + 3 * HOUR, T0 + 29 * HOUR], // less than a day
    [T0 + 10 * DAY, T0 + 12 * DAY], // nothing
  ];
  for (const [from, to] of windows) {
    for (const grids of [undefined, ['G1'], ['G2', 'G3'], []]) {
      const label = `${what} [${new Date(from).toISOString()}, ${new Date(to).toISOString()}) ${grids ? grids.join('+') || 'no cells' : 'all'}`;
      const durations = await store.stats.durations(from, to, grids);
      sameDurations(durations, rawDurations(known, from, to, grids), label);
      assert.deepEqual(await store.stats.slaBy('department', from, to, now, grids), rawSla(known, from, to, now, (r) => r.departmentId ?? NONE, grids), `${label}: SLA by department`);
      assert.deepEqual(await store.stats.slaBy('grid', from, to, now, grids), rawSla(known, from, to, now, (r) => r.gridCode ?? NONE, grids), `${label}: SLA by cell`);
      const overall = rawSla(known, from, to, now, () => 'all', grids)[0] ?? { dispatched: 0, breached: 0 };
      assert.deepEqual(await store.stats.sla(from, to, now, grids), { dispatched: overall.dispatched, breached: overall.breached }, `${label}: SLA`);
      if (grids?.length === 0) continue; // a list without cells is the route's business (nothing)
      const total = async (f: Parameters<IncidentStore['list']>[0]) => (await store.list({ ...f, grid: grids ? [...grids] : undefined, from, to, now, limit: 1, offset: 0 }, 'newest')).total;
      for (const d of durations) assert.equal(await total({ reached: d.to as IncidentRow['status'], limit: 1, offset: 0 }), d.incidents, `${label}: reached=${d.to}`);
      for (const r of await store.stats.slaBy('department', from, to, now, grids)) {
        assert.equal(await total({ department: r.key, sla: 'dispatched', limit: 1, offset: 0 }), r.dispatched, `${label}: department=${r.key}&sla=dispatched`);
        assert.equal(await total({ department: r.key, sla: 'breached', limit: 1, offset: 0 }), r.breached, `${label}: department=${r.key}&sla=breached`);
      }
      assert.equal(await total({ sla: 'breached', limit: 1, offset: 0 }), overall.breached, `${label}: sla=breached`);
    }
  }
}

export function rollupContract(withStore: WithStore, regrid: Regrid): void {
  test('dashboard rollups equal the raw figures after creates, repeats, transitions, a refused dispatch, a reopen and a move; each drill-down lists the counted incidents', withStore(async (store) => {
    const cells = ['G1', 'G2', null, 'G3'] as const;
    const rows: IncidentRow[] = [];
    // 16 incidents over four days, every 6 h, in four cells (one with none).
    for (let i = 0; i < 16; i++) {
      const at = T0 + i * 6 * HOUR;
      rows.push((await raised(store, candidate({ gridCode: cells[i % 4]!, occurredAt: at, dedupeKey: `roll-${i}`, type: i % 3 ? 'intrusion' : 'smoke' }), at)).row);
    }
    await assertFigures(store, T0 + 8 * DAY, 'created');
    for (const [i, row] of rows.entries()) {
      const at = row.firstSeen;
      await raise(store, candidate({ gridCode: row.gridCode, occurredAt: at + MIN, dedupeKey: `roll-${i}` }), at + MIN); // a repeat: no step
      if (i % 5 === 4) continue; // left reported
      let r = await move(store, row, 'accepted', {}, at + (i + 1) * MIN);
      if (i % 7 === 6) { await move(store, r, 'invalid', { closedAt: at + 20 * MIN }, at + 20 * MIN); continue; }
      const dept = i % 3 === 0 ? null : i % 3 === 1 ? 'dept-a' : 'dept-b';
      r = await move(store, r, 'dispatched', { departmentId: dept, dispatchedAt: at + 30 * MIN, slaDeadline: at + (60 + i * 10) * MIN }, at + 30 * MIN);
      if (i % 4 === 1) { // refused, then dispatched to the other department (its SLA clock starts again)
        r = await move(store, r, 'accepted', {}, at + 40 * MIN);
        r = await move(store, r, 'dispatched', { departmentId: 'dept-c', dispatchedAt: at + 50 * MIN, slaDeadline: at + 150 * MIN }, at + 50 * MIN);
      }
      if (i % 3 === 2) continue; // dispatched, no feedback: late once now passes the deadline
      r = await move(store, r, 'handling', {}, at + (70 + i) * MIN);
      r = await move(store, r, 'feedback', {}, at + (90 + 5 * i) * MIN);
      if (i % 2 === 0) { // verification failed: handling and feedback reached twice; the SLA keeps the first feedback
        r = await move(store, await move(store, r, 'handling', {}, at + 200 * MIN), 'feedback', {}, at + 260 * MIN);
      }
      await move(store, r, 'verified', {}, at + 300 * MIN);
    }
    for (const now of [T0 + 2 * HOUR, T0 + 8 * DAY]) await assertFigures(store, now, `moved through the loop, now ${new Date(now).toISOString()}`);
    await regrid(store, rows[1]!.id, 'G3');
    await regrid(store, rows[5]!.id, null);
    await regrid(store, rows[2]!.id, 'G1');
    await assertFigures(store, T0 + 8 * DAY, 'moved to other cells');
  }));
}
