// The dashboard's pure parts, in Node: periods as windows, hourly buckets
// summed per local day, the drill-down filter of each figure, the CSV.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { figuresCsv } from '../web-wall/src/dashboard/csv.ts';
import { dailyOf, drillQuery } from '../web-wall/src/dashboard/drill.ts';
import type { Figures } from '../web-wall/src/dashboard/figures.ts';
import { dayWindow, hourWindow, localDay, windowOf } from '../web-wall/src/dashboard/period.ts';

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
    steps: [{ to: 'accepted', count: 2, avgSeconds: 30, maxSeconds: 40 }], sla: { dispatched: 2, breached: 1, breachRate: 0.5 },
    slaByDepartment: [{ key: 'dept-a', dispatched: 2, breached: 1, breachRate: 0.5 }], slaByGrid: [],
    devices: { byKind: [{ key: 'camera', devices: 4, online: 3, onlineRate: 0.75 }], byGrid: [], longestOffline: [] },
  };
  const csv = figuresCsv(f, (name) => `[${name}]`);
  assert.ok(csv.startsWith('\uFEFFfigure,key,value,detail\r\n'));
  const lines = csv.slice(1).trim().split('\r\n');
  assert.deepEqual(lines.slice(1), [
    '[period],2026-12-01T00:00:00.000Z/2026-12-08T00:00:00.000Z,3,',
    '[byType],gas_leak,2,', '[byType],"smoke, ""thick""",1,',
    '[steps],accepted,30,count=2 max=40',
    '[sla],all,0.5,dispatched=2 breached=1',
    '[slaByDepartment],dept-a,0.5,dispatched=2 breached=1',
    '[devicesByKind],camera,0.75,devices=4 online=3',
  ]);
});
