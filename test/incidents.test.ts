// The incident door and the closed loop through the real HTTP surface:
// dedupe and cool-down, grid placement on nested outlines, every transition
// pair, roles, stale versions, claims and the queue, SLA escalation, health.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Role } from '../device-registry/index.ts';
import { ACTIONS, STATUSES, TRANSITIONS, type Status } from '../gateway/incidents/transitions.ts';
import { square, startTestGateway, type TestGateway } from './helpers/gateway.ts';

let t: TestGateway;
let n = 0;

before(async () => {
  t = await startTestGateway({ argv: ['--incidents.cooldownSeconds', '2', '--incidents.slaMinutes.minor', '0.01', '--incidents.health.channelOfflineSeconds', '0.5', '--incidents.health.stableSeconds', '0.5'] });
  const posts: Array<[string, object]> = [
    ['/api/departments', { id: 'dept-1', name: '城管执法大队' }],
    ['/api/grids', { code: 'D', name: '区', level: 'district', polygon: square(121.0, 31.0, 1.0) }],
    ['/api/grids', { code: 'S', name: '街道', level: 'street', parentCode: 'D', polygon: square(121.2, 31.2, 0.4) }],
    ['/api/grids', { code: 'G', name: '网格', level: 'grid', parentCode: 'S', polygon: square(121.3, 31.3, 0.1) }],
    ['/api/grids', { code: 'FAR', name: '远处', level: 'district', polygon: square(125.0, 35.0, 0.5) }],
    ['/api/channels', { id: 'cam-1', name: '东门', kind: 'rtsp', source: { url: 'rtsp://10.0.0.1/x' }, location: { lat: 31.35, lng: 121.35 } }],
  ];
  for (const [url, payload] of posts) assert.equal((await t.call('engineer', { method: 'POST', url, payload })).statusCode, 201);
});
after(() => t.stop());

const raise = (extra: Record<string, unknown> = {}) =>
  t.gw.incidents.raise({ source: { kind: 'detector', id: 'cam-1' }, type: 'intrusion', severity: 'minor', occurredAt: Date.now(), ...extra }) as Promise<{ incident: { id: string; code: string; count: number; severity: string; gridCode: string; version: number; status: Status }; outcome: string }>;
const act = (role: Role, id: string, action: string, payload: Record<string, unknown>) =>
  t.call(role, { method: 'POST', url: `/api/incidents/${id}/actions/${action}`, payload });
const fresh = async (): Promise<{ id: string; version: number }> => (await raise({ dedupeKey: `k-${++n}` })).incident;

describe('the door', () => {
  test('one incident per open (source, type): repeats count, may raise severity; the code is date + sequence', async () => {
    const first = await raise();
    assert.equal(first.outcome, 'created');
    assert.match(first.incident.code, /^\d{8}-\d{5}$/);
    const again = await raise({ severity: 'major' });
    assert.equal(again.outcome, 'deduped');
    assert.equal(again.incident.id, first.incident.id);
    assert.equal(again.incident.count, 2);
    assert.equal(again.incident.severity, 'major');
    const other = await raise({ type: 'loitering' });
    assert.notEqual(other.incident.id, first.incident.id);
  });

  test('grid placement: the smallest containing cell, else the nearest; the source device lends its location', async () => {
    assert.equal((await raise({ dedupeKey: 'g1', location: { lat: 31.35, lng: 121.35 } })).incident.gridCode, 'G');
    assert.equal((await raise({ dedupeKey: 'g2', location: { lat: 31.25, lng: 121.25 } })).incident.gridCode, 'S');
    assert.equal((await raise({ dedupeKey: 'g3', location: { lat: 31.9, lng: 121.9 } })).incident.gridCode, 'D');
    assert.equal((await raise({ dedupeKey: 'g4', location: { lat: 34.0, lng: 124.6 } })).incident.gridCode, 'FAR', 'outside every cell: the nearest');
    assert.equal((await raise({ dedupeKey: 'g5' })).incident.gridCode, 'G', 'cam-1 sits in G');
  });

  test('malformed candidates are refused with the field at fault', async () => {
    for (const [bad, field] of [
      [{ source: { kind: 'detector', id: 'x' }, type: 'Intrusion!', severity: 'minor', occurredAt: 1 }, 'type'],
      [{ source: { kind: 'alien', id: 'x' }, type: 'intrusion', severity: 'minor', occurredAt: 1 }, 'source.kind'],
      [{ source: { kind: 'detector', id: 'x' }, type: 'intrusion', severity: 'huge', occurredAt: 1 }, 'severity'],
      [{ source: { kind: 'detector', id: 'x' }, type: 'intrusion', severity: 'minor' }, 'occurredAt'],
    ] as const) {
      await assert.rejects(t.gw.incidents.raise(bad as never), (e: { field?: string; statusCode?: number }) => e.field === field && e.statusCode === 400);
    }
    const res = await t.call('operator', { method: 'POST', url: '/api/incidents', payload: { type: 'road_damage', severity: 'minor' } });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().field, 'title');
  });

  test('manual reports by operators; engineers may not report', async () => {
    const res = await t.call('operator', { method: 'POST', url: '/api/incidents', payload: { type: 'road_damage', severity: 'minor', title: '路面塌陷', location: { lat: 31.35, lng: 121.31 } } });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().incident.gridCode, 'G');
    assert.equal(res.json().incident.source.kind, 'manual');
    assert.equal((await t.call('engineer', { method: 'POST', url: '/api/incidents', payload: { type: 'x1', severity: 'minor', title: 't' } })).statusCode, 403);
  });
});

describe('the closed loop', () => {
  test('the whole loop with a failed verification, every step on record', async () => {
    let inc = await fresh();
    const step = async (role: Role, action: string, extra: Record<string, unknown> = {}) => {
      const res = await act(role, inc.id, action, { version: inc.version, ...extra });
      assert.equal(res.statusCode, 200, `${action}: ${res.body}`);
      inc = res.json();
    };
    await step('operator', 'accept');
    await step('dispatcher', 'dispatch', { departmentId: 'dept-1', assignee: '王队长' });
    await step('dispatcher', 'start');
    await step('dispatcher', 'feedback', { note: '已处置', attachments: ['/files/after.jpg'] });
    await step('dispatcher', 'reopen', { note: '现场未整改' });
    await step('dispatcher', 'feedback', { note: '已整改' });
    await step('dispatcher', 'verify');
    await step('dispatcher', 'rate', { rating: 5 });
    await step('dispatcher', 'archive');
    const full = (await t.call('operator', { method: 'GET', url: `/api/incidents/${inc.id}` })).json();
    assert.equal(full.status, 'archived');
    assert.ok(full.slaDeadline && full.closedAt);
    assert.deepEqual(full.flow.map((f: { action: string }) => f.action), ['report', 'accept', 'dispatch', 'start', 'feedback', 'reopen', 'feedback', 'verify', 'rate', 'archive']);
    assert.equal(full.flow[1].actor.role, 'operator');
    assert.deepEqual(full.flow[4].attachments, ['/files/after.jpg']);
  });

  test('every (status, action) pair: the table allows, everything else is 409', async () => {
    const path: Array<[string, Record<string, unknown>]> = [['accept', {}], ['dispatch', { departmentId: 'dept-1' }], ['start', {}], ['feedback', { note: 'n' }], ['verify', {}], ['rate', { rating: 4 }], ['archive', {}]];
    const reach = async (status: Status) => {
      let inc = await fresh();
      const route: Record<string, Array<[string, Record<string, unknown>]>> = { rejected: [['reject', { note: 'n' }]], invalid: [['invalidate', { note: 'n' }]] };
      const steps = route[status] ?? path.slice(0, ['reported', 'accepted', 'dispatched', 'handling', 'feedback', 'verified', 'rated', 'archived'].indexOf(status));
      for (const [action, extra] of steps) inc = (await act('admin', inc.id, action, { version: inc.version, ...extra })).json();
      return inc;
    };
    const body = { note: 'n', departmentId: 'dept-1', rating: 3 };
    let checked = 0;
    for (const status of STATUSES) {
      for (const action of ACTIONS) {
        const inc = await reach(status);
        const legal = TRANSITIONS.find((x) => x.action === action)!.from.includes(status);
        const res = await act('admin', inc.id, action, { version: inc.version, ...body });
        if (legal) assert.equal(res.statusCode, 200, `${status} --${action}--> ${res.body}`);
        else {
          assert.equal(res.statusCode, 409, `${status} --${action}--> should be refused`);
          assert.equal(res.json().code, 'GW_ERR_ILLEGAL_TRANSITION');
        }
        checked++;
      }
    }
    assert.equal(checked, STATUSES.length * ACTIONS.length);
  });

  test('roles per action, required fields, unknown department, stale versions', async () => {
    const inc = await fresh();
    assert.equal((await act('engineer', inc.id, 'accept', { version: inc.version })).statusCode, 403);
    const accepted = (await act('operator', inc.id, 'accept', { version: inc.version })).json();
    assert.equal((await act('operator', inc.id, 'dispatch', { version: accepted.version, departmentId: 'dept-1' })).statusCode, 403);
    const missing = await act('dispatcher', inc.id, 'dispatch', { version: accepted.version });
    assert.equal(missing.statusCode, 400);
    assert.equal(missing.json().field, 'departmentId');
    assert.equal((await act('dispatcher', inc.id, 'dispatch', { version: accepted.version, departmentId: 'nope' })).json().field, 'departmentId');
    const stale = await act('dispatcher', inc.id, 'dispatch', { version: inc.version, departmentId: 'dept-1' });
    assert.equal(stale.statusCode, 409);
    assert.equal(stale.json().code, 'GW_ERR_STALE_VERSION');
    assert.equal((await act('dispatcher', inc.id, 'fly', { version: accepted.version })).statusCode, 404);
  });

  test('claims keep two dispatchers apart; the queue orders by severity, SLA, age', async () => {
    const key2 = (await t.call('admin', { method: 'POST', url: '/api/keys', payload: { name: 'dispatcher 2', role: 'dispatcher' } })).json().secret;
    const inc = await fresh();
    assert.equal((await t.call('dispatcher', { method: 'POST', url: `/api/incidents/${inc.id}/claim`, payload: {} })).statusCode, 200);
    const other = await t.app.inject({ method: 'POST', url: `/api/incidents/${inc.id}/actions/accept`, headers: { authorization: `Bearer ${key2}` }, payload: { version: inc.version } });
    assert.equal(other.statusCode, 409);
    assert.equal(other.json().code, 'GW_ERR_CLAIMED');
    assert.equal((await t.app.inject({ method: 'POST', url: `/api/incidents/${inc.id}/claim`, headers: { authorization: `Bearer ${key2}` }, payload: {} })).statusCode, 409);
    await t.call('dispatcher', { method: 'DELETE', url: `/api/incidents/${inc.id}/claim` });
    assert.equal((await t.app.inject({ method: 'POST', url: `/api/incidents/${inc.id}/claim`, headers: { authorization: `Bearer ${key2}` }, payload: {} })).statusCode, 200);

    const critical = (await raise({ dedupeKey: 'q-crit', severity: 'critical' })).incident;
    const queue = (await t.call('dispatcher', { method: 'GET', url: '/api/incidents?open=true&order=queue&limit=5' })).json();
    assert.equal(queue.items[0].id, critical.id);
    const next = await t.call('dispatcher', { method: 'POST', url: '/api/incidents/queue/next' });
    assert.equal(next.json().id, critical.id, 'the next claimable one is the critical one');
    const afterIt = await t.app.inject({ method: 'POST', url: '/api/incidents/queue/next', headers: { authorization: `Bearer ${key2}` } });
    assert.notEqual(afterIt.json().id, critical.id, 'a claimed incident is not handed to another dispatcher');
  });

  test('cool-down: a repeat soon after closing is counted on the closed incident; later it opens a new one', async () => {
    let inc = (await raise({ dedupeKey: 'cool', type: 'smoke' })).incident;
    inc = (await act('admin', inc.id, 'invalidate', { version: inc.version, note: '误报' })).json();
    const repeat = await raise({ dedupeKey: 'cool', type: 'smoke' });
    assert.equal(repeat.outcome, 'cooldown');
    assert.equal(repeat.incident.id, inc.id);
    assert.equal(repeat.incident.status, 'invalid');
    await new Promise((r) => setTimeout(r, 2100));
    const later = await raise({ dedupeKey: 'cool', type: 'smoke' });
    assert.equal(later.outcome, 'created');
  });

  test('an overdue incident escalates once: severity up, on record, announced', async () => {
    let inc = await fresh();
    inc = (await act('admin', inc.id, 'accept', { version: inc.version })).json();
    inc = (await act('admin', inc.id, 'dispatch', { version: inc.version, departmentId: 'dept-1' })).json();
    const events: string[] = [];
    t.gw.incidents.service.bus.on('event', (e) => events.push(e.type));
    await new Promise((r) => setTimeout(r, 800)); // minor SLA is 0.01 min here
    // The housekeeping tick may have escalated it already; either way it happens exactly once.
    await t.gw.incidents.service.escalateOverdue();
    assert.equal(await t.gw.incidents.service.escalateOverdue(), 0, 'only once');
    const full = (await t.call('operator', { method: 'GET', url: `/api/incidents/${inc.id}` })).json();
    assert.equal(full.severity, 'major');
    assert.equal(full.escalated, true);
    assert.equal(full.flow.at(-1).action, 'escalate');
    assert.ok(events.includes('incident.escalated'));
  });
});

describe('health and statistics', () => {
  test('a camera offline for long raises one camera_offline, flapping included; it clears once stable', async () => {
    const setStatus = (state: 'online' | 'offline') => t.gw.service.setStatus('channels', 'cam-1', { state, reason: state === 'offline' ? 'unreachable' : undefined });
    await setStatus('offline');
    await new Promise((r) => setTimeout(r, 200));
    await setStatus('online');
    await setStatus('offline'); // a flap before the alarm time
    await new Promise((r) => setTimeout(r, 900));
    const list = (await t.call('operator', { method: 'GET', url: '/api/incidents?type=camera_offline' })).json();
    assert.equal(list.total, 1);
    assert.equal(list.items[0].source.kind, 'channel-health');
    await setStatus('online');
    await new Promise((r) => setTimeout(r, 900));
    const cleared = (await t.call('operator', { method: 'GET', url: `/api/incidents/${list.items[0].id}` })).json();
    assert.ok(cleared.clearedAt, 'cleared after staying online');
  });

  test('counts by type and grid, step durations, SLA rate, heat layer', async () => {
    const byType = (await t.call('operator', { method: 'GET', url: '/api/stats/incidents?by=type' })).json();
    assert.ok(byType.items.find((i: { key: string; count: number }) => i.key === 'intrusion').count > 10);
    const byGrid = (await t.call('operator', { method: 'GET', url: '/api/stats/incidents?by=grid' })).json();
    assert.ok(byGrid.items.some((i: { key: string }) => i.key === 'G'));
    const durations = (await t.call('operator', { method: 'GET', url: '/api/stats/durations' })).json();
    assert.ok(durations.items.some((d: { to: string }) => d.to === 'archived'));
    const sla = (await t.call('operator', { method: 'GET', url: '/api/stats/sla' })).json();
    assert.ok(sla.dispatched >= 1 && sla.breached >= 1 && sla.breachRate > 0);
    const heat = (await t.call('operator', { method: 'GET', url: '/api/stats/heat' })).json();
    assert.equal(heat.type, 'FeatureCollection');
    assert.ok(heat.features.find((f: { properties: { code: string; count: number } }) => f.properties.code === 'G').properties.count > 0);
  });
});
