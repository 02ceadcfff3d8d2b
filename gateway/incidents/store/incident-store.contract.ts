// The incident store's contract as tests: every IncidentStore registers this
// suite (see incident-store-contract.test.ts), so SQLite and PostgreSQL are
// held to the same behaviour — the door, the closed loop, claims, the queue,
// escalation — and, in queries.contract.ts, lists, events, stats and webhooks;
// in rollup.contract.ts, the dashboard's rollups against the raw figures.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { freshStoreFor } from '../../../test/helpers/store-contract.ts';
import { ACTOR, allEvents, candidate, COOLDOWN, gwError, MIN, move, raise, raised, T0, type OpenedStore } from './contract-fixtures.ts';
import { queriesContract } from './queries.contract.ts';
import { rollupContract, type Regrid } from './rollup.contract.ts';

export type { OpenedStore } from './contract-fixtures.ts';

/** `regrid`: how the engine moves an incident to another cell behind the store's back (for the rollups' contract). */
export function incidentStoreContract(name: string, open: () => Promise<OpenedStore>, regrid: Regrid): void {
  /** Each test gets a fresh, empty store. */
  const withStore = freshStoreFor(open);

  describe(`IncidentStore contract: ${name}`, () => {
    test('raise creates an incident with its code, flow record and event', withStore(async (store) => {
      const input = candidate({ evidence: { snapshots: ['a.jpg'], frameSize: [1920, 1080] } });
      const r = await raised(store, input);
      assert.equal(r.outcome, 'created');
      assert.equal(r.replayed, false);
      assert.equal(r.row.id, input.id);
      assert.equal(r.row.code, '20260102-00001');
      assert.deepEqual([r.row.status, r.row.count, r.row.version, r.row.severity, r.row.escalated], ['reported', 1, 1, 'minor', false]);
      assert.deepEqual([r.row.firstSeen, r.row.lastSeen, r.row.createdAt, r.row.updatedAt], [T0, T0, T0, T0]);
      assert.deepEqual([r.row.lat, r.row.lng, r.row.gridCode, r.row.claimBy, r.row.closedAt], [31.2, 121.5, 'G1', null, null]);
      assert.deepEqual(r.row.evidence, { snapshots: ['a.jpg'], frameSize: [1920, 1080] });
      assert.deepEqual(await store.get(input.id), r.row);
      assert.equal(await store.get('00000000-0000-0000-0000-000000000000'), undefined);
      const [flow, ...more] = await store.flow(input.id);
      assert.equal(more.length, 0);
      assert.deepEqual([flow!.action, flow!.from, flow!.to, flow!.at, flow!.note], ['report', null, 'reported', T0, 'someone at the gate']);
      assert.deepEqual(flow!.data, { source: 'detector:cam-1' });
      assert.deepEqual(flow!.attachments, []);
      assert.equal(typeof flow!.seq, 'number');
      assert.ok(r.event);
      assert.deepEqual([r.event.type, r.event.incidentId, r.event.at, typeof r.event.seq], ['incident.created', input.id, T0, 'number']);
      assert.equal(r.event.payload.code, '20260102-00001');
      assert.deepEqual(await allEvents(store), [r.event]);
    }));

    test('a repeat of an open incident counts, worsens severity only, merges evidence and says so', withStore(async (store) => {
      const first = await raised(store, candidate({ dedupeKey: 'gate', evidence: { snapshots: ['1.jpg'], rule: 'zone' } }));
      const worse = await raised(store, candidate({ dedupeKey: 'gate', severity: 'major', occurredAt: T0 + 5000, evidence: { snapshots: ['2.jpg'], model: { name: 'm', sha256: 'x' } } }), T0 + 6000);
      assert.equal(worse.outcome, 'deduped');
      assert.equal(worse.row.id, first.row.id);
      // A repeat is the system's: the version (what a person's action is checked against) stays.
      assert.deepEqual([worse.row.count, worse.row.severity, worse.row.version, worse.row.lastSeen, worse.row.firstSeen, worse.row.updatedAt],
        [2, 'major', 1, T0 + 5000, T0, T0 + 6000]);
      assert.deepEqual(worse.row.evidence, { snapshots: ['1.jpg', '2.jpg'], rule: 'zone', model: { name: 'm', sha256: 'x' } });
      // A milder repeat, observed earlier than the last one: severity and last_seen stay.
      const milder = await raised(store, candidate({ dedupeKey: 'gate', severity: 'warning', occurredAt: T0 + 1000, evidence: { rule: 'line' } }), T0 + 7000);
      assert.deepEqual([milder.row.count, milder.row.severity, milder.row.lastSeen], [3, 'major', T0 + 5000]);
      assert.equal(milder.row.evidence.rule, 'line', 'newer evidence wins');
      const many = Array.from({ length: 12 }, (_, i) => `s${i}.jpg`);
      const capped = await raised(store, candidate({ dedupeKey: 'gate', evidence: { snapshots: many } }), T0 + 8000);
      assert.deepEqual(capped.row.evidence.snapshots, many.slice(-10), 'the latest ten snapshots are kept');
      assert.deepEqual((await store.flow(first.row.id)).map((f) => [f.action, f.note]), [['report', 'someone at the gate'], ['severity', 'severity minor → major']]);
      assert.deepEqual((await allEvents(store)).map((e) => e.type), ['incident.created', 'incident.updated', 'incident.updated', 'incident.updated']);
      assert.equal((await store.list({ limit: 10, offset: 0 }, 'newest')).total, 1);
    }));

    test('clear marks the open incident once; a repeat reopens the condition; nothing open is ignored', withStore(async (store) => {
      assert.deepEqual(await raise(store, candidate({ dedupeKey: 'gas', clear: true })), { outcome: 'ignored', replayed: false });
      const r = await raised(store, candidate({ dedupeKey: 'gas' }));
      const cleared = await raised(store, candidate({ dedupeKey: 'gas', clear: true, occurredAt: T0 + 3000 }), T0 + 4000);
      assert.equal(cleared.outcome, 'cleared');
      assert.deepEqual([cleared.row.id, cleared.row.clearedAt, cleared.row.count, cleared.row.version], [r.row.id, T0 + 3000, 1, 1]);
      assert.equal(cleared.event?.type, 'incident.updated');
      assert.equal((await raise(store, candidate({ dedupeKey: 'gas', clear: true }), T0 + 5000)).outcome, 'ignored', 'already cleared');
      const again = await raised(store, candidate({ dedupeKey: 'gas' }), T0 + 6000);
      assert.deepEqual([again.outcome, again.row.clearedAt, again.row.count], ['deduped', null, 2]);
      assert.deepEqual((await store.flow(r.row.id)).map((f) => f.action), ['report', 'clear']);
      assert.equal((await allEvents(store)).length, 3, 'the ignored clears stored no event');
    }));

    test('after closing: a repeat within the cool-down counts on the closed one; later it opens a new one', withStore(async (store) => {
      const r = await raised(store, candidate({ dedupeKey: 'smoke', evidence: { rule: 'a' } }));
      const closed = await move(store, r.row, 'invalid', { closedAt: T0 + MIN }, T0 + MIN);
      assert.deepEqual([closed.status, closed.closedAt], ['invalid', T0 + MIN]);
      const repeat = await raised(store, candidate({ dedupeKey: 'smoke', severity: 'critical', evidence: { rule: 'b' } }), T0 + 2 * MIN);
      assert.equal(repeat.outcome, 'cooldown');
      assert.deepEqual([repeat.row.id, repeat.row.status, repeat.row.count, repeat.row.severity], [r.row.id, 'invalid', 2, 'minor']);
      assert.deepEqual(repeat.row.evidence, { rule: 'a' }, 'a closed incident keeps its evidence');
      const later = await raised(store, candidate({ dedupeKey: 'smoke' }), T0 + MIN + COOLDOWN + 1);
      assert.equal(later.outcome, 'created');
      assert.notEqual(later.row.id, r.row.id);
      assert.equal(later.row.code, '20260102-00002');
    }));

    test('a candidate id raised again changes nothing and answers the first outcome with the current row', withStore(async (store) => {
      const first = await raised(store, { ...candidate({ dedupeKey: 'door' }), candidateId: 'msg-1' });
      const events = (await allEvents(store)).length;
      const again = await raised(store, { ...candidate({ dedupeKey: 'door', severity: 'critical' }), candidateId: 'msg-1' }, T0 + 1000);
      assert.deepEqual([again.outcome, again.replayed, again.event, again.row.id, again.row.count, again.row.severity], ['created', true, undefined, first.row.id, 1, 'minor']);
      assert.equal((await allEvents(store)).length, events, 'no event');
      assert.equal((await store.flow(first.row.id)).length, 1, 'no flow record');
      // Another candidate moves the incident on; a replay of the first shows the row as it is now.
      const other = await raised(store, { ...candidate({ dedupeKey: 'door' }), candidateId: 'msg-2' }, T0 + 2000);
      assert.deepEqual([other.outcome, other.row.count], ['deduped', 2]);
      const replay = await raised(store, { ...candidate({ dedupeKey: 'door' }), candidateId: 'msg-1' }, T0 + 3000);
      assert.deepEqual([replay.outcome, replay.row.count, replay.row.version], ['created', 2, 1]);
      assert.deepEqual([(await raised(store, { ...candidate({ dedupeKey: 'door' }), candidateId: 'msg-2' })).outcome], ['deduped']);
      // An ignored clear is on record too: replayed as ignored even once something is open.
      assert.equal((await raise(store, { ...candidate({ dedupeKey: 'quiet', clear: true }), candidateId: 'msg-3' })).outcome, 'ignored');
      await raised(store, candidate({ dedupeKey: 'quiet' }));
      assert.deepEqual(await raise(store, { ...candidate({ dedupeKey: 'quiet', clear: true }), candidateId: 'msg-3' }), { outcome: 'ignored', replayed: true });
      // The records go with the events: after pruning, the id counts again.
      await store.pruneEvents(T0 + 10_000);
      const afterPrune = await raised(store, { ...candidate({ dedupeKey: 'door' }), candidateId: 'msg-1' }, T0 + 20_000);
      assert.deepEqual([afterPrune.outcome, afterPrune.replayed, afterPrune.row.count], ['deduped', false, 3]);
    }));

    test('transition needs the current version and status; a stale one changes nothing', withStore(async (store) => {
      const r = await raised(store, candidate());
      const accepted = await move(store, r.row, 'accepted', {}, T0 + 1000);
      assert.deepEqual([accepted.status, accepted.version, accepted.updatedAt], ['accepted', 2, T0 + 1000]);
      await assert.rejects(move(store, r.row, 'accepted'), gwError('GW_ERR_STALE_VERSION', 'version'));
      await assert.rejects(store.transition({ id: r.row.id, expectedVersion: 2, from: 'reported', to: 'invalid', set: {}, flow: { actor: ACTOR, action: 'x', from: 'reported', to: 'invalid', note: null, attachments: [], data: null }, event: 'incident.transition' }, T0),
        gwError('GW_ERR_STALE_VERSION', 'version'), 'a status that moved on is stale too');
      await assert.rejects(move(store, { ...r.row, id: '00000000-0000-0000-0000-000000000000' }, 'accepted'), gwError('GW_ERR_NOT_FOUND', 'id'));
      const dispatched = await move(store, accepted, 'dispatched', { departmentId: 'dept-1', assignee: 'li', dispatchedAt: T0 + 2000, slaDeadline: T0 + 9000, escalated: false }, T0 + 2000);
      assert.deepEqual([dispatched.departmentId, dispatched.assignee, dispatched.dispatchedAt, dispatched.slaDeadline, dispatched.escalated], ['dept-1', 'li', T0 + 2000, T0 + 9000, false]);
      const flow = await store.flow(r.row.id);
      assert.deepEqual(flow.map((f) => [f.action, f.from, f.to]), [['report', null, 'reported'], ['to-accepted', 'reported', 'accepted'], ['to-dispatched', 'accepted', 'dispatched']]);
      assert.deepEqual(flow[2]!.actor, ACTOR);
      assert.equal(flow[2]!.data?.departmentId, 'dept-1');
      assert.deepEqual((await allEvents(store)).map((e) => e.type), ['incident.created', 'incident.transition', 'incident.transition']);
      assert.equal((await allEvents(store)).at(-1)!.payload.status, 'dispatched');
      const rejected = await move(store, await raised(store, candidate()).then((x) => x.row), 'rejected', { closedAt: T0 + 3000 });
      assert.equal((await store.list({ open: true, limit: 10, offset: 0 }, 'newest')).rows.some((x) => x.id === rejected.id), false, 'closed is not open');
    }));

    test('claim is a lease: refused while another holds it, renewable, free once expired or released', withStore(async (store) => {
      const { row } = await raised(store, candidate());
      const a = await store.claim(row.id, 'alice', T0 + MIN, T0);
      assert.deepEqual([a.claimBy, a.claimUntil], ['alice', T0 + MIN]);
      await assert.rejects(store.claim(row.id, 'bob', T0 + MIN, T0 + 1000), gwError('GW_ERR_CLAIMED', 'id'));
      assert.equal((await store.claim(row.id, 'alice', T0 + 2 * MIN, T0 + 1000)).claimUntil, T0 + 2 * MIN, 'renewed');
      assert.equal((await store.release(row.id, 'bob')).claimBy, 'alice', 'only the holder releases');
      assert.equal((await store.claim(row.id, 'bob', T0 + 4 * MIN, T0 + 2 * MIN + 1)).claimBy, 'bob', 'an expired lease is free');
      const released = await store.release(row.id, 'bob');
      assert.deepEqual([released.claimBy, released.claimUntil], [null, null]);
      assert.equal((await store.claim(row.id, 'carol', T0 + MIN, T0)).claimBy, 'carol');
      const closed = await move(store, await store.get(row.id).then((x) => x!), 'invalid', { closedAt: T0 });
      await assert.rejects(store.claim(closed.id, 'carol', T0 + MIN, T0), gwError('GW_ERR_ILLEGAL_TRANSITION', 'id'));
      await assert.rejects(store.claim('00000000-0000-0000-0000-000000000000', 'x', T0 + MIN, T0), gwError('GW_ERR_NOT_FOUND'));
    }));

    test('claimNext takes the queue head (severity, SLA deadline, age), skipping claimed ones and other statuses', withStore(async (store) => {
      const old = (await raised(store, candidate({ severity: 'minor', occurredAt: T0 - 5000 }))).row;
      const newer = (await raised(store, candidate({ severity: 'minor', occurredAt: T0 }))).row;
      const critical = (await raised(store, candidate({ severity: 'critical', occurredAt: T0 + 1000 }))).row;
      const soon = await move(store, await move(store, (await raised(store, candidate({ severity: 'minor', occurredAt: T0 + 2000 }))).row, 'accepted'), 'dispatched', { slaDeadline: T0 + 100 });
      const statuses = ['reported', 'accepted', 'dispatched'] as const;
      const order: string[] = [];
      for (let i = 0; i < 4; i++) order.push((await store.claimNext(`d${i}`, T0 + MIN, T0, statuses))!.id);
      assert.deepEqual(order, [critical.id, soon.id, old.id, newer.id]);
      assert.equal(await store.claimNext('d9', T0 + MIN, T0, statuses), undefined, 'all claimed');
      assert.equal((await store.claimNext('d9', T0 + 2 * MIN, T0 + MIN + 1, ['dispatched']))?.id, soon.id, 'an expired lease is claimable; statuses filter');
      assert.equal((await store.get(soon.id))?.claimBy, 'd9');
    }));

    test('overdue lists dispatched incidents past their deadline; escalate happens once', withStore(async (store) => {
      const late = await move(store, await move(store, (await raised(store, candidate({ severity: 'minor' }))).row, 'accepted'), 'dispatched', { slaDeadline: T0 + 1000, escalated: false });
      await move(store, await move(store, (await raised(store, candidate())).row, 'accepted'), 'dispatched', { slaDeadline: T0 + 9000 });
      await raised(store, candidate());
      assert.deepEqual((await store.overdue(T0 + 2000)).map((r) => r.id), [late.id]);
      const flow = { actor: { keyId: null, name: 'system', role: null }, action: 'escalate', from: null, to: null, note: 'SLA missed', attachments: [], data: null };
      const up = await store.escalate(late.id, 'major', flow, T0 + 2000);
      assert.ok(up);
      assert.deepEqual([up.row.severity, up.row.escalated, up.row.version, up.event.type], ['major', true, late.version, 'incident.escalated']);
      assert.equal(await store.escalate(late.id, 'critical', flow, T0 + 3000), undefined, 'only once');
      assert.equal((await store.get(late.id))?.severity, 'major');
      assert.deepEqual(await store.overdue(T0 + 2000), []);
      assert.equal((await store.flow(late.id)).filter((f) => f.action === 'escalate').length, 1);
      // Escalated, it also moves up the queue (sev_rank follows severity).
      assert.equal((await store.list({ open: true, limit: 1, offset: 0 }, 'queue')).rows[0]?.id, late.id);
    }));

    test('a note goes on the flow with its attachments and is announced; status and version stay', withStore(async (store) => {
      const { row } = await raised(store, candidate());
      const flow = { actor: { keyId: 'k1', name: 'op', role: 'operator' as const }, action: 'snapshot', from: null, to: null, note: 'saved from the wall', attachments: ['/api/snapshots/20250101/x.jpg'], data: null };
      const noted = await store.note(row.id, flow, T0 + 500);
      assert.ok(noted);
      assert.deepEqual([noted.row.status, noted.row.version, noted.event?.type], [row.status, row.version, 'incident.updated']);
      const last = (await store.flow(row.id)).at(-1);
      assert.deepEqual([last?.action, last?.attachments, last?.note], ['snapshot', ['/api/snapshots/20250101/x.jpg'], 'saved from the wall']);
      assert.equal(await store.note('00000000-0000-4000-8000-000000000000', flow, T0), undefined);
    }));

    test('a note with an evidence item: it joins the list with the record, once by its url; status and version stay; a repeat keeps it', withStore(async (store) => {
      const { row } = await raised(store, candidate({ dedupeKey: 'clip', evidence: { snapshots: ['a.jpg'] } }));
      const clip = { url: '/api/clips/x/1-2.mp4', thumbnailUrl: '/api/snapshots/20250101/t.jpg', channelId: 'cam', from: 'a', to: 'b', durationSeconds: 20 };
      const flow = { actor: { keyId: null, name: 'system', role: null }, action: 'clip', from: null, to: null, note: null, attachments: [clip.url], data: { clip } };
      const noted = await store.note(row.id, flow, T0 + 500, { list: 'clips', item: clip });
      assert.ok(noted?.event);
      assert.deepEqual(noted.row.evidence.clips, [clip]);
      assert.deepEqual((noted.event.payload.evidence as Record<string, unknown>).clips, [clip], 'in the event payload');
      assert.deepEqual([noted.row.status, noted.row.version], [row.status, row.version]);
      const again = await store.note(row.id, flow, T0 + 600, { list: 'clips', item: clip });
      assert.deepEqual([again?.event, again?.row.evidence.clips], [undefined, [clip]], 'the same url: nothing written');
      assert.equal((await store.flow(row.id)).filter((f) => f.action === 'clip').length, 1);
      const next = { ...clip, url: '/api/clips/x/2-3.mp4' };
      await store.note(row.id, { ...flow, attachments: [next.url], data: { clip: next } }, T0 + 700, { list: 'clips', item: next });
      // A repeat's evidence (even one naming clips) neither drops nor replaces the gateway's list.
      const repeat = await raised(store, candidate({ dedupeKey: 'clip', occurredAt: T0 + 800, evidence: { snapshots: ['b.jpg'], clips: [] } }), T0 + 900);
      assert.deepEqual(repeat.row.evidence.clips, [clip, next]);
      assert.deepEqual(repeat.row.evidence.snapshots, ['a.jpg', 'b.jpg']);
      assert.deepEqual((await store.get(row.id))?.evidence.clips, [clip, next]);
    }));

    test('codes count per day in the configured time zone', withStore(async (store) => {
      const day1 = T0 - 60 * MIN; // 23:30 on 2026-01-01 in Shanghai, 15:30 UTC
      assert.equal((await raised(store, candidate(), day1)).row.code, '20260101-00001');
      assert.equal((await raised(store, candidate(), T0)).row.code, '20260102-00001');
      assert.equal((await raised(store, candidate(), T0 + 1)).row.code, '20260102-00002');
      assert.equal((await raised(store, candidate(), day1 + 1)).row.code, '20260101-00002');
    }));

    queriesContract(withStore);
    rollupContract(withStore, regrid);
  });
}
