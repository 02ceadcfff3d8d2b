// The dashboard's pure parts, in Node: periods as windows, hourly buckets
// summed per local day, the drill-down filter of each figure, the CSV; and,
// through the real gateway, the list filters those drill-downs use.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { figuresCsv } from '../web-wall/src/dashboard/csv.ts';
import { dailyOf, drillQuery } from '../web-wall/src/dashboard/drill.ts';
import type { Figures } from '../web-wall/src/dashboard/figures.ts';
import { dayWindow, hourWindow, localDay, windowOf } from '../web-wall/src/dashboard/period.ts';
import { square, startTestGateway } from './helpers/gateway.ts';

const local = (y: number, m: number, d: number, h = 0) => new Date(y, m - 1, d, h).getTime();
const NOW = local(2026, 12, 7, 13);

test('periods: today, 7 and 30 days end at tomorrow\'s midnight; custom includes its last day', () => {
  assert.deepEqual(windowOf({ kind: 'today' }, NOW), { from: local(2026, 12, 7), to: local(2026, 12, 8) });
  assert.deepEqual(windowOf({ kind: '7d' }, NOW), { from: local(2026, 12, 1), to: local(2026, 12, 8) });
  assert.deepEqual(windowOf({ kind: '30d' }, NOW), { from: local(2026, 11, 8), to: local(2026, 12, 8) });
  assert.deepEqual(windowOf({ kind: 'custom', fromDay: '2026-11-01', toDay: '2026-11-30' }, NOW), { from: local(2026, 11, 1), to: local(2026, 12, 1) });
  assert.deepEqual(windowOf({ kind: 'custom', fromDay: '2026-11-05', toDay: '2026-11-01' }, NOW), { from: local(2026, 11, 5), to: local(2026, 11, 6) }, 'a reversed range is its first day');
});

test('daily trend: hourly buckets summed per local day, every day present', () => {
  const w = windowOf({ kind: '7d' }, NOW);
  const hour = (ms: number) => new Date(ms).toISOString().replace(/:\d\d\.\d+Z$/, ':00Z').replace(/T(\d\d):\d\d:00Z/, 'T$1:00:00Z');
  const daily = dailyOf([{ key: hour(local(2026, 12, 1, 0)), value: 2 }, { key: hour(local(2026, 12, 1, 23)), value: 3 }, { key: hour(local(2026, 12, 7, 9)), value: 1 }], w);
  assert.deepEqual(daily.map((d) => d.key), ['2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05', '2026-12-06', '2026-12-07']);
  assert.deepEqual(daily.map((d) => d.value), [5, 0, 0, 0, 0, 0, 1]);
  assert.equal(localDay(local(2026, 12, 1, 23)), '2026-12-01');
});

test('drill-down: the list filter of each figure, within the period; no list for incidents with no cell', () => {
  const w = { from: local(2026, 12, 1), to: local(2026, 12, 8) };
  const win = `from=${encodeURIComponent(new Date(w.from).toISOString())}&to=${encodeURIComponent(new Date(w.to).toISOString())}`;
  assert.equal(drillQuery('type', 'gas_leak', w), `type=gas_leak&${win}`);
  assert.equal(drillQuery('grid', 'G 1', w), `grid=G%201&${win}`);
  assert.equal(drillQuery('sensor', 'gas_high', w), `sourceKind=sensor&type=gas_high&${win}`);
  assert.equal(drillQuery('grid', '(none)', w), undefined);
  assert.deepEqual(dayWindow('2026-12-03', w), { from: local(2026, 12, 3), to: local(2026, 12, 4) });
  const h = new Date(local(2026, 12, 3, 10)).toISOString().replace('.000', '');
  assert.deepEqual(hourWindow(h, w), { from: local(2026, 12, 3, 10), to: local(2026, 12, 3, 11) });
  assert.deepEqual(hourWindow(new Date(w.from - 3_600_000).toISOString(), w), { from: w.from, to: w.from }, 'clipped to the period');
});

test('CSV: one row per item, quoted where needed, a BOM for Excel', () => {
  const f: Figures = {
    window: { from: Date.UTC(2026, 11, 1), to: Date.UTC(2026, 11, 8) }, total: 3,
    byType: [{ key: 'gas_leak', value: 2 }, { key: 'smoke, "thick"', value: 1 }], bySource: [], byGrid: [], bySeverity: [], hourly: [], daily: [], topGrids: [], sensorAlarms: [],
    steps: [{ to: 'accepted', count: 2, incidents: 2, avgSeconds: 30, maxSeconds: 40 }], sla: { dispatched: 2, breached: 1, breachRate: 0.5 },
    slaByDepartment: [{ key: 'dept-a', dispatched: 2, breached: 1, breachRate: 0.5 }], slaByGrid: [],
    devices: { byKind: [{ key: 'camera', devices: 4, online: 3, onlineRate: 0.75 }], byGrid: [], longestOffline: [] },
  };
  const csv = figuresCsv(f, (name) => `[${name}]`);
  assert.ok(csv.startsWith('\uFEFFfigure,key,value,detail\r\n'));
  const lines = csv.slice(1).trim().split('\r\n');
  assert.deepEqual(lines.slice(1), [
    '[period],2026-12-01T00:00:00.000Z/2026-12-08T00:00:00.000Z,3,',
    '[byType],gas_leak,2,', '[byType],"smoke, ""thick""",1,',
    '[steps],accepted,30,count=2 incidents=2 max=40',
    '[sla],all,0.5,dispatched=2 breached=1',
    '[slaByDepartment],dept-a,0.5,dispatched=2 breached=1',
    '[devicesByKind],camera,0.75,devices=4 online=3',
  ]);
});

// The drill-down filters through the real gateway: for each SLA row (by department, by cell), the
// overall SLA and each step of the loop, GET /api/incidents with the row's filter lists exactly
// as many incidents as the figure counted.
test('drill-down filters: the list total equals each SLA and step figure of /api/stats', async () => {
  const t = await startTestGateway({ argv: ['--incidents.slaMinutes.warning', '0.01'] }); // a warning's SLA: 0.6 s
  try {
    for (const [url, payload] of [
      ['/api/departments', { id: 'dept-a', name: '城管' }], ['/api/departments', { id: 'dept-b', name: '环保' }],
      ['/api/grids', { code: 'G1', name: '一', level: 'grid', polygon: square(121.0, 31.0, 0.1) }],
      ['/api/grids', { code: 'G2', name: '二', level: 'grid', polygon: square(121.5, 31.5, 0.1) }],
    ] as const) assert.equal((await t.call('engineer', { method: 'POST', url, payload })).statusCode, 201);
    let n = 0;
    const raise = async (severity: 'major' | 'minor' | 'warning', gridCode: string) => ((await t.gw.incidents.raise({
      source: { kind: 'manual', id: 'drill' }, type: 'garbage', severity, occurredAt: Date.now(), gridCode, dedupeKey: `drill-${++n}`,
    })) as { incident: { id: string } }).incident.id;
    const act = async (id: string, ...steps: Array<[string, Record<string, unknown>?]>) => {
      let version = (JSON.parse((await t.call('dispatcher', { method: 'GET', url: `/api/incidents/${id}` })).body) as { version: number }).version;
      for (const [action, body = {}] of steps) {
        const res = await t.call('dispatcher', { method: 'POST', url: `/api/incidents/${id}/actions/${action}`, payload: { version, note: action, ...body } });
        assert.equal(res.statusCode, 200, res.body);
        version = (JSON.parse(res.body) as { version: number }).version;
      }
      return (JSON.parse((await t.call('dispatcher', { method: 'GET', url: `/api/incidents/${id}` })).body) as { slaDeadline: string | null }).slaDeadline;
    };
    const late = await raise('warning', 'G1');
    const lateDeadline = await act(late, ['accept'], ['dispatch', { departmentId: 'dept-a' }]);
    const reopened = await raise('major', 'G1');
    await act(reopened, ['accept'], ['dispatch', { departmentId: 'dept-a' }], ['start'], ['feedback'], ['reopen'], ['feedback']);
    const unanswered = await raise('warning', 'G2');
    const unansweredDeadline = await act(unanswered, ['accept'], ['dispatch', { departmentId: 'dept-b' }]);
    const refused = await raise('major', 'G2');
    await act(refused, ['accept'], ['dispatch', { departmentId: 'dept-b' }], ['refuse'], ['dispatch', { departmentId: 'dept-a' }]);
    await act(await raise('minor', 'G1'), ['accept']);
    await raise('minor', 'G2');
    // Both warnings past their deadline: the late one is fed back only now, the other never.
    while (Date.now() <= Math.max(Date.parse(lateDeadline!), Date.parse(unansweredDeadline!))) await new Promise((r) => setTimeout(r, 50));
    await act(late, ['start'], ['feedback']);

    const window = `from=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}&to=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`;
    const get = async <T>(url: string) => {
      const res = await t.call('dispatcher', { method: 'GET', url });
      assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
      return JSON.parse(res.body) as T;
    };
    const total = async (filter: string) => (await get<{ total: number }>(`/api/incidents?${filter}&${window}&limit=1`)).total;
    type SlaRow = { key: string; dispatched: number; breached: number };
    const byDept = (await get<{ items: SlaRow[] }>(`/api/stats/sla/by?by=department&${window}`)).items;
    assert.deepEqual(byDept.map((r) => [r.key, r.dispatched, r.breached]), [['dept-a', 3, 1], ['dept-b', 1, 1]], 'the refused one counts for the department it went to');
    for (const r of byDept) {
      assert.equal(await total(`department=${r.key}&sla=dispatched`), r.dispatched, `department=${r.key}&sla=dispatched`);
      assert.equal(await total(`department=${r.key}&sla=breached`), r.breached, `department=${r.key}&sla=breached`);
    }
    const byGrid = (await get<{ items: SlaRow[] }>(`/api/stats/sla/by?by=grid&${window}`)).items;
    assert.deepEqual(byGrid.map((r) => [r.key, r.dispatched, r.breached]), [['G1', 2, 1], ['G2', 2, 1]]);
    for (const r of byGrid) {
      assert.equal(await total(`grid=${r.key}&sla=dispatched`), r.dispatched, `grid=${r.key}&sla=dispatched`);
      assert.equal(await total(`grid=${r.key}&sla=breached`), r.breached, `grid=${r.key}&sla=breached`);
    }
    const sla = await get<{ dispatched: number; breached: number }>(`/api/stats/sla?${window}`);
    assert.deepEqual([await total('sla=dispatched'), await total('sla=breached')], [sla.dispatched, sla.breached]);
    assert.equal(await total('department=(none)&sla=dispatched'), 0, 'every dispatch names a department');
    const steps = (await get<{ items: Array<{ to: string; count: number; incidents: number }> }>(`/api/stats/durations?${window}`)).items;
    assert.deepEqual(steps.map((s) => [s.to, s.count, s.incidents]).sort(), [['accepted', 6, 5], ['dispatched', 5, 4], ['feedback', 3, 2], ['handling', 3, 2]],
      'a refused dispatch reaches accepted and dispatched twice, a reopen handling and feedback');
    for (const s of steps) assert.equal(await total(`reached=${s.to}`), s.incidents, `reached=${s.to}`);
    const bad = await t.call('dispatcher', { method: 'GET', url: '/api/incidents?reached=nowhere' });
    assert.equal(bad.statusCode, 400);
  } finally {
    await t.stop();
  }
});
