// The read side of the incident store contract, registered by
// incident-store.contract.ts for every engine: list filters and orders, the
// event log, the statistics queries and the webhook delivery queue.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ACTOR, allEvents, candidate, MIN, move, raised, T0 } from './contract-fixtures.ts';
import type { IncidentStore } from './incident-store.ts';
import type { IncidentFilter, IncidentRow } from './types.ts';

type WithStore = (fn: (store: IncidentStore) => Promise<void>) => () => Promise<void>;
const S = 1000;

export function queriesContract(withStore: WithStore): void {
  test('list filters by status, open, type, severity, grid, source, department, window and text; pages; orders', withStore(async (store) => {
    const at = (offset: number, over: Parameters<typeof candidate>[0]) => raised(store, candidate({ occurredAt: T0 + offset, ...over }), T0 + offset).then((r) => r.row);
    const i1 = await at(0, { title: 'North gate 100%', severity: 'minor', gridCode: 'G1' });
    const i2 = await at(1000, { title: 'Gas_leak at market', type: 'gas_leak', severity: 'critical', gridCode: 'G2', sourceKind: 'sensor', sourceId: 's-1' });
    let i3 = await at(2000, { title: 'north fence', severity: 'major', gridCode: null, sourceId: 'cam-2' });
    i3 = await move(store, await move(store, i3, 'accepted'), 'dispatched', { departmentId: 'dept-1' });
    const i4 = await move(store, await at(3000, { title: 'smoke', type: 'smoke' }), 'invalid', { closedAt: T0 + 4000 });
    const ids = async (f: Partial<IncidentFilter>, order: 'queue' | 'newest' = 'newest') => (await store.list({ limit: 50, offset: 0, ...f }, order)).rows.map((r) => r.id);
    assert.deepEqual(await ids({}), [i4.id, i3.id, i2.id, i1.id]);
    assert.deepEqual(await ids({ status: ['dispatched'] }), [i3.id]);
    assert.deepEqual(await ids({ status: ['reported', 'invalid'] }), [i4.id, i2.id, i1.id]);
    assert.deepEqual(await ids({ open: true }), [i3.id, i2.id, i1.id]);
    assert.deepEqual(await ids({ open: false }), [i4.id]);
    assert.deepEqual(await ids({ type: 'intrusion' }), [i3.id, i1.id]);
    assert.deepEqual(await ids({ severity: 'critical' }), [i2.id]);
    assert.deepEqual(await ids({ grid: ['G1', 'G2'] }), [i4.id, i2.id, i1.id]);
    assert.deepEqual(await ids({ grid: ['G2'] }), [i2.id]);
    assert.deepEqual(await ids({ sourceKind: 'detector', sourceId: 'cam-2' }), [i3.id]);
    assert.deepEqual(await ids({ departmentId: 'dept-1' }), [i3.id]);
    assert.deepEqual(await ids({ from: T0 + 1000, to: T0 + 3000 }), [i3.id, i2.id]);
    assert.deepEqual(await ids({ q: 'NORTH' }), [i3.id, i1.id], 'text search ignores case');
    assert.deepEqual(await ids({ q: '100%' }), [i1.id], '% is a character, not a wildcard');
    assert.deepEqual(await ids({ q: '_' }), [i2.id], '_ is a character, not a wildcard');
    assert.deepEqual(await ids({ q: i2.code }), [i2.id], 'codes are searched too');
    assert.deepEqual(await ids({ open: true, type: 'intrusion', grid: ['G1'] }), [i1.id]);
    assert.deepEqual(await ids({ open: true }, 'queue'), [i2.id, i3.id, i1.id]);
    const page = await store.list({ limit: 2, offset: 1 }, 'newest');
    assert.deepEqual([page.total, page.rows.map((r) => r.id)], [4, [i3.id, i2.id]]);
    assert.equal((await store.list({ type: 'none', limit: 5, offset: 0 }, 'newest')).total, 0);
    // Same first_seen: the later code first.
    const twin = await raised(store, candidate({ occurredAt: T0 }), T0 + 9000);
    assert.deepEqual((await ids({ to: T0 + 1 })), [twin.row.id, i1.id]);
  }));

  test('the event log pages by sequence, and pruning drops the old ones', withStore(async (store) => {
    assert.equal(await store.oldestEventSeq(), 0);
    assert.deepEqual(await store.eventsSince(0, 10), []);
    for (const offset of [0, 1000, 2000]) await raised(store, candidate(), T0 + offset);
    const events = await allEvents(store);
    assert.deepEqual(events.map((e) => e.at), [T0, T0 + 1000, T0 + 2000]);
    assert.ok(events[0]!.seq < events[1]!.seq && events[1]!.seq < events[2]!.seq);
    assert.equal(await store.oldestEventSeq(), events[0]!.seq);
    assert.deepEqual(await store.eventsSince(events[0]!.seq, 1), [events[1]]);
    assert.deepEqual(await store.eventsSince(events[2]!.seq, 10), []);
    assert.equal(typeof events[0]!.payload.id, 'string');
    assert.equal(await store.pruneEvents(T0 + 1500), 2);
    assert.equal(await store.oldestEventSeq(), events[2]!.seq);
    assert.deepEqual(await allEvents(store), [events[2]]);
    assert.equal(await store.pruneEvents(T0 + 1500), 0);
    await store.pruneEvents(T0 + 10_000);
    assert.equal(await store.oldestEventSeq(), 0);
    assert.equal((await store.list({ limit: 10, offset: 0 }, 'newest')).total, 3, 'incidents stay');
  }));

  test('stats: counts per group, step durations from the flow log, SLA breaches', withStore(async (store) => {
    const dispatch = async (row: IncidentRow, acceptAt: number, dispatchAt: number, deadline: number) =>
      move(store, await move(store, row, 'accepted', {}, acceptAt), 'dispatched', { dispatchedAt: dispatchAt, slaDeadline: deadline }, dispatchAt);
    const a = await dispatch((await raised(store, candidate({ gridCode: 'G1' }))).row, T0 + 60 * S, T0 + 180 * S, T0 + 200 * S);
    await move(store, await move(store, a, 'handling', {}, T0 + 250 * S), 'feedback', {}, T0 + 300 * S);
    await move(store, (await raised(store, candidate({ type: 'gas_leak', severity: 'critical', sourceKind: 'sensor', gridCode: null }))).row, 'accepted', {}, T0 + 30 * S);
    await dispatch((await raised(store, candidate({ gridCode: 'G1' }))).row, T0 + 10 * S, T0 + 20 * S, T0 + 10_000 * S);
    await dispatch((await raised(store, candidate({ gridCode: 'G2' }))).row, T0 + 10 * S, T0 + 20 * S, T0 + 250 * S);
    await raised(store, candidate({ type: 'smoke', occurredAt: T0 + 3_600_000 }), T0 + 3_600_000); // outside the window
    const window = [T0, T0 + 3_600_000] as const;
    assert.deepEqual(await store.stats.counts('type', ...window), [{ key: 'intrusion', count: 3 }, { key: 'gas_leak', count: 1 }]);
    assert.deepEqual(await store.stats.counts('grid', ...window), [{ key: 'G1', count: 2 }, { key: '(none)', count: 1 }, { key: 'G2', count: 1 }]);
    assert.deepEqual(await store.stats.counts('source', ...window), [{ key: 'detector', count: 3 }, { key: 'sensor', count: 1 }]);
    assert.deepEqual(await store.stats.counts('hour', T0, T0 + 3_600_001), [{ key: '2026-01-01T16:00:00Z', count: 4 }, { key: '2026-01-01T17:00:00Z', count: 1 }]);
    assert.deepEqual(await store.stats.counts('severity', ...window), [{ key: 'minor', count: 3 }, { key: 'critical', count: 1 }]);
    assert.deepEqual(await store.stats.counts('status', ...window), [{ key: 'dispatched', count: 2 }, { key: 'accepted', count: 1 }, { key: 'feedback', count: 1 }]);
    const durations = await store.stats.durations(...window);
    // Slowest step first: handling 70 s, feedback 50 s, dispatch 140/3 s on average, accept 27.5 s.
    assert.deepEqual(durations.map((d) => [d.to, d.count, d.maxSeconds]), [['handling', 1, 70], ['feedback', 1, 50], ['dispatched', 3, 120], ['accepted', 4, 60]]);
    const avg = durations.map((d) => d.avgSeconds);
    [70, 50, 140 / 3, 27.5].forEach((want, i) => assert.ok(Math.abs(avg[i]! - want) < 1e-9, `average ${avg[i]} ≈ ${want}`));
    // a: feedback at 300 s, deadline 200 s: late. The G2 one: no feedback by 400 s, deadline 250 s: late. The other: on time.
    assert.deepEqual(await store.stats.sla(...window, T0 + 400 * S), { dispatched: 3, breached: 2 });
    assert.deepEqual(await store.stats.sla(T0 + 3_600_000, T0 + 7_200_000, T0), { dispatched: 0, breached: 0 });
  }));

  test('statistics and the claimed queue limited to a caller\'s cells (分级分权)', withStore(async (store) => {
    const g1 = (await raised(store, candidate({ gridCode: 'G1', severity: 'minor' }))).row;
    const g2 = await move(store, (await raised(store, candidate({ gridCode: 'G2', severity: 'critical', type: 'gas_leak' }))).row, 'accepted', {}, T0 + 10 * S);
    await move(store, g2, 'dispatched', { dispatchedAt: T0 + 20 * S, slaDeadline: T0 + 30 * S }, T0 + 20 * S);
    await raised(store, candidate({ gridCode: null, type: 'smoke' }));
    const window = [T0, T0 + 3_600_000] as const;
    assert.deepEqual(await store.stats.counts('grid', ...window, ['G1']), [{ key: 'G1', count: 1 }]);
    assert.deepEqual(await store.stats.counts('type', ...window, ['G1', 'G2']), [{ key: 'gas_leak', count: 1 }, { key: 'intrusion', count: 1 }]);
    assert.deepEqual(await store.stats.counts('type', ...window, []), [], 'no cells: nothing');
    assert.deepEqual((await store.stats.durations(...window, ['G1'])).map((d) => d.to), [], 'G1\'s incident has not moved');
    assert.deepEqual((await store.stats.durations(...window, ['G2'])).map((d) => d.to).sort(), ['accepted', 'dispatched']);
    assert.deepEqual(await store.stats.sla(...window, T0 + 400 * S, ['G1']), { dispatched: 0, breached: 0 });
    assert.deepEqual(await store.stats.sla(...window, T0 + 400 * S, ['G2']), { dispatched: 1, breached: 1 });
    // The critical G2 incident is not in the queue's statuses once dispatched; a G1 caller gets G1's, a G3 caller nothing.
    assert.equal(await store.claimNext('k-3', T0 + 60 * S, T0, ['reported', 'accepted'], ['G3']), undefined);
    assert.equal((await store.claimNext('k-1', T0 + 60 * S, T0, ['reported', 'accepted'], ['G1']))?.id, g1.id);
  }));

  test('dashboard (研判): sensor alarms by kind, SLA breaches per department and per cell, each within the caller\'s cells', withStore(async (store) => {
    const dispatch = async (over: Parameters<typeof candidate>[0], dept: string | null, deadline: number) => {
      const row = (await raised(store, candidate(over))).row;
      return move(store, await move(store, row, 'accepted', {}, T0 + 10 * S), 'dispatched', { departmentId: dept, dispatchedAt: T0 + 20 * S, slaDeadline: deadline }, T0 + 20 * S);
    };
    const late = await dispatch({ gridCode: 'G1' }, 'dept-a', T0 + 100 * S);
    await move(store, await move(store, late, 'handling', {}, T0 + 150 * S), 'feedback', {}, T0 + 200 * S); // feedback after its deadline
    const onTime = await dispatch({ gridCode: 'G1' }, 'dept-a', T0 + 300 * S);
    await move(store, await move(store, onTime, 'handling', {}, T0 + 150 * S), 'feedback', {}, T0 + 200 * S);
    await dispatch({ gridCode: 'G2', type: 'gas_leak', sourceKind: 'sensor' }, 'dept-b', T0 + 100 * S); // no feedback by now: late
    await dispatch({ gridCode: null }, null, T0 + 10_000 * S);
    await raised(store, candidate({ gridCode: 'G2', type: 'smoke', sourceKind: 'sensor' }));
    await raised(store, candidate({ gridCode: 'G1', type: 'gas_leak', sourceKind: 'sensor' }));
    await raised(store, candidate({ gridCode: 'G1', type: 'gas_leak', sourceKind: 'sensor', occurredAt: T0 + 3_600_000 }), T0 + 3_600_000); // outside the window
    const window = [T0, T0 + 3_600_000] as const;
    const now = T0 + 400 * S;
    assert.deepEqual(await store.stats.counts('type', ...window, undefined, 'sensor'), [{ key: 'gas_leak', count: 2 }, { key: 'smoke', count: 1 }]);
    assert.deepEqual(await store.stats.counts('type', ...window, ['G2'], 'sensor'), [{ key: 'gas_leak', count: 1 }, { key: 'smoke', count: 1 }]);
    assert.deepEqual(await store.stats.counts('type', ...window, undefined, 'nothing'), []);
    assert.deepEqual(await store.stats.slaBy('department', ...window, now), [
      { key: 'dept-a', dispatched: 2, breached: 1 }, { key: '(none)', dispatched: 1, breached: 0 }, { key: 'dept-b', dispatched: 1, breached: 1 },
    ]);
    assert.deepEqual(await store.stats.slaBy('grid', ...window, now), [
      { key: 'G1', dispatched: 2, breached: 1 }, { key: '(none)', dispatched: 1, breached: 0 }, { key: 'G2', dispatched: 1, breached: 1 },
    ]);
    assert.deepEqual(await store.stats.slaBy('department', ...window, now, ['G2']), [{ key: 'dept-b', dispatched: 1, breached: 1 }]);
    assert.deepEqual(await store.stats.slaBy('grid', ...window, now, []), [], 'no cells: nothing');
    assert.deepEqual(await store.stats.slaBy('grid', T0 + 3_600_000, T0 + 7_200_000, now), []);
    // The per-cell figures add up to the overall ones.
    const overall = await store.stats.sla(...window, now);
    const cells = await store.stats.slaBy('grid', ...window, now);
    assert.deepEqual(overall, { dispatched: cells.reduce((n, c) => n + c.dispatched, 0), breached: cells.reduce((n, c) => n + c.breached, 0) });
  }));

  test('the cell of an incident holding an evidence URL, in its evidence or on its flow, around its day', withStore(async (store) => {
    const DAY = 86_400_000;
    const inEvidence = '/api/snapshots/20260101/11111111-1111-4111-8111-111111111111.jpg';
    const onFlow = '/api/snapshots/20260101/22222222-2222-4222-8222-222222222222.jpg';
    await raised(store, candidate({ gridCode: 'G1', evidence: { snapshots: [inEvidence] } }));
    const other = (await raised(store, candidate({ gridCode: 'G2', type: 'smoke' }))).row;
    await store.note(other.id, { actor: ACTOR, action: 'snapshot', from: null, to: null, note: null, attachments: [onFlow], data: null }, T0 + MIN);
    assert.deepEqual(await store.cellOfEvidence(inEvidence, T0 - DAY, T0 + DAY), { gridCode: 'G1' });
    assert.deepEqual(await store.cellOfEvidence(onFlow, T0 - DAY, T0 + DAY), { gridCode: 'G2' });
    assert.equal(await store.cellOfEvidence('/api/snapshots/20260101/33333333-3333-4333-8333-333333333333.jpg', T0 - DAY, T0 + DAY), undefined);
    assert.equal(await store.cellOfEvidence(inEvidence, T0 + DAY, T0 + 2 * DAY), undefined, 'outside the window: not looked at');
    assert.equal(await store.cellOfEvidence('%', T0 - DAY, T0 + DAY), undefined, '% is a character, not a wildcard');
  }));

  test('webhooks and the delivery queue: lease, retry with backoff, dead letters, retry of a dead one', withStore(async (store) => {
    const w = store.webhooks;
    await w.insert({ id: 'hook-a', name: 'A', url: 'http://a.example/hook', secret: 'sa', filter: {}, enabled: true, createdAt: T0 });
    await w.insert({ id: 'hook-b', name: 'B', url: 'http://b.example/hook', secret: 'sb', filter: { types: ['incident.created'], minSeverity: 'major', grids: ['G1'] }, enabled: true, createdAt: T0 + 1 });
    assert.deepEqual((await w.hooks(false)).map((h) => [h.id, h.enabled, h.createdAt]), [['hook-a', true, T0], ['hook-b', true, T0 + 1]]);
    assert.deepEqual((await w.hooks(false))[1]!.filter, { types: ['incident.created'], minSeverity: 'major', grids: ['G1'] });
    assert.equal(await w.disable('hook-b'), true);
    assert.equal(await w.disable('nope'), false);
    assert.deepEqual((await w.hooks(true)).map((h) => h.id), ['hook-a']);
    assert.equal((await w.hooks(false))[1]!.enabled, false);

    await w.enqueue([
      { webhookId: 'hook-a', eventSeq: 7, eventType: 'incident.created', body: '{"id":7}', nextAt: T0 },
      { webhookId: 'hook-b', eventSeq: 7, eventType: 'incident.created', body: '{"id":7}', nextAt: T0 + 5 * S },
    ], T0);
    await w.enqueue([], T0);
    const [due, ...none] = await w.claimDue(T0, 50, 30 * S);
    assert.equal(none.length, 0, 'only what is due');
    assert.deepEqual([due!.webhookId, due!.eventSeq, due!.eventType, due!.body, due!.url, due!.secret, due!.attempts, due!.status, due!.nextAt, due!.createdAt],
      ['hook-a', 7, 'incident.created', '{"id":7}', 'http://a.example/hook', 'sa', 0, 'pending', T0 + 30 * S, T0]);
    assert.deepEqual(await w.claimDue(T0 + 1, 50, 30 * S), [], 'leased: no other caller gets it');
    const retaken = await w.claimDue(T0 + 30 * S, 50, 30 * S);
    assert.deepEqual(retaken.map((d) => d.webhookId), ['hook-a', 'hook-b'], 'after the lease it is due again, oldest first');
    const id = due!.id;

    await w.failed(id, 1, false, T0 + 40 * S, 'HTTP 500', T0 + 31 * S);
    let [d] = await w.deliveries('hook-a', undefined, 10);
    assert.deepEqual([d!.id, d!.status, d!.attempts, d!.nextAt, d!.lastError, d!.finishedAt], [id, 'pending', 1, T0 + 40 * S, 'HTTP 500', null]);
    await w.failed(id, 2, true, T0 + 80 * S, 'no answer', T0 + 41 * S);
    assert.deepEqual((await w.deliveries('hook-a', 'dead', 10)).map((x) => [x.id, x.attempts, x.finishedAt, x.lastError]), [[id, 2, T0 + 41 * S, 'no answer']]);
    assert.deepEqual(await w.deliveries('hook-a', 'pending', 10), []);
    const [b] = await w.claimDue(T0 + 100 * S, 50, S);
    assert.deepEqual([b?.webhookId, b?.attempts], ['hook-b', 0], 'a dead letter is not sent');
    await w.delivered(b!.id, T0 + 100 * S);
    assert.equal(await w.retryDead(id, T0 + 50 * S), true);
    assert.equal(await w.retryDead(id, T0 + 50 * S), false, 'no longer dead');
    assert.equal(await w.retryDead(999_999, T0), false);
    [d] = await w.deliveries('hook-a', undefined, 10);
    assert.deepEqual([d!.status, d!.attempts, d!.nextAt, d!.finishedAt], ['pending', 0, T0 + 50 * S, null]);
    await w.delivered(id, T0 + 60 * S);
    [d] = await w.deliveries('hook-a', 'delivered', 10);
    assert.deepEqual([d!.status, d!.attempts, d!.finishedAt], ['delivered', 1, T0 + 60 * S]);

    await w.enqueue([8, 9, 10].map((seq) => ({ webhookId: 'hook-a', eventSeq: seq, eventType: 'incident.updated', body: '{}', nextAt: T0 })), T0);
    assert.deepEqual((await w.deliveries('hook-a', undefined, 2)).map((x) => x.eventSeq), [10, 9], 'newest first, limited');
    assert.deepEqual((await w.claimDue(T0 + 200 * S, 2, S)).map((x) => x.eventSeq), [8, 9], 'oldest first, limited');
  }));
}
