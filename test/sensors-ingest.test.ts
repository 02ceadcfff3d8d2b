// Ingestion through the real broker: the bad-input list (malformed JSON, wrong
// types, impossible values, unknown sensors) is counted per sensor and logged
// once per burst, nothing crashes and no other sensor is held up; the state
// and readings routes; SQLite storage that survives a restart.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { MqttClient } from 'mqtt';
import { publish, startHarness, telemetry, waitFor, type Harness } from '../gateway/sensors/test/harness.ts';

let h: Harness;
const clients: MqttClient[] = [];
type State = { health: string; values: Record<string, { value: number; unit?: string }>; bad: Record<string, number>; messages: number; readings: number; lastProblem: { reason: string } | null };
const stateOf = async (id: string) => (await h.get('operator', `/api/sensors/${id}/state`)).body as unknown as State;

before(async () => {
  h = await startHarness({ config: { broker: { limits: { messagesPerSecond: 5000, burst: 5000 } } } });
  await h.addSensor('gas-1');
  await h.addSensor('gas-2');
  await h.addSensor('water-1', { kind: 'water_level', unit: 'm' });
});
after(async () => {
  for (const c of clients) c.end(true);
  await h?.stop();
});

test('the bad-input list: each kind counted on its sensor, the connection kept, the good readings beside them kept', async () => {
  const c = await h.connectSensor('gas-1');
  clients.push(c);
  const bad: Array<[string, string]> = [
    ['{"readings": [', 'malformed'],
    ['not json at all', 'malformed'],
    ['[1,2,3]', 'malformed'],
    ['{"value": "12.5"}', 'invalid'],
    ['{"readings": [{"n": "ch4", "v": true, "u": "ppm"}]}', 'invalid'],
    ['{"readings": {"n": "ch4"}}', 'invalid'],
    ['{"value": 250}', 'impossible'],
    ['{"value": -3}', 'impossible'],
    ['{"value": 5, "ts": "2099-01-01T00:00:00Z"}', 'bad_timestamp'],
  ];
  for (const [payload] of bad) await publish(c, 'sensors/gas-1/telemetry', payload);
  await publish(c, 'sensors/gas-1/telemetry', JSON.stringify({ readings: [{ n: 'ch4', v: 'x' }, { n: 'co', v: 12 }] }));
  await publish(c, 'sensors/gas-1/availability', 'maybe');
  const s = await stateOf('gas-1');
  assert.deepEqual(s.bad, { malformed: 3, invalid: 5, impossible: 2, bad_timestamp: 1 });
  assert.equal(s.messages, bad.length + 2);
  assert.equal(s.values.co?.value, 12, 'the good reading of a half-bad message is kept');
  assert.equal(s.values.ch4?.value, 5, 'a bad timestamp is replaced by the arrival time, the value kept');
  assert.ok(c.connected, 'bad payloads do not cost the connection');
  assert.equal(s.health, 'online');
});

test('an unknown sensor (by topic, as the bridge sees it) is counted by its id; a crash in handling costs one message', async () => {
  await new Promise<void>((done) => h.room.ingest.handle({ topic: 'sensors/ghost-9/telemetry', payload: Buffer.from('{"value": 1}') }, () => done()));
  await new Promise<void>((done) => h.room.ingest.handle({ topic: 'elsewhere/x', payload: Buffer.from('{}') }, () => done()));
  const status = (await h.get('operator', '/api/sensors/ingest')).body as { ingest: { unknown: number; unknownSensors: Record<string, number> } };
  assert.equal(status.ingest.unknownSensors['ghost-9'], 1);
  assert.equal(status.ingest.unknown, 2);
  const broken = { ...h.room.directory.get('gas-2')!, id: 'phantom', rules: null as never }; // a state no registry row can produce
  await new Promise<void>((done) => h.room.ingest.handle({ topic: broken.topic, payload: Buffer.from('{"value": 3}'), sensor: broken }, () => done()));
  await waitFor(() => /rule evaluation failed/.test(h.logs()), 2000, 'the error logged');
  await publish(clients[0]!, 'sensors/gas-1/telemetry', telemetry(1));
  assert.equal((await stateOf('gas-1')).values.ch4?.value, 1, 'and the room carries on');
});

test('a sensor sending garbage fast neither blocks its neighbour nor floods the log', async () => {
  const noisy = await h.connectSensor('gas-2');
  const quiet = await h.connectSensor('water-1');
  clients.push(noisy, quiet);
  const linesBefore = h.logs().split('\n').filter((l) => l.includes('"sensorId":"gas-2"') && l.includes('malformed')).length;
  const garbage = Array.from({ length: 500 }, () => publish(noisy, 'sensors/gas-2/telemetry', '{{{'));
  for (let i = 0; i < 20; i++) await publish(quiet, 'sensors/water-1/telemetry', JSON.stringify({ value: 2 + i / 100, ts: Date.now() }));
  await Promise.all(garbage);
  const q = await stateOf('water-1');
  assert.equal(q.readings, 20);
  assert.equal(q.values.level?.unit, 'm');
  assert.equal((await stateOf('gas-2')).bad.malformed, 500);
  const lines = h.logs().split('\n').filter((l) => l.includes('"sensorId":"gas-2"') && l.includes('malformed')).length - linesBefore;
  assert.ok(lines <= 3, `500 malformed messages logged as ${lines} lines (rolled up)`);
});

test('one rule for every metric name: a name the kind does not list (even `constructor`) is stored and shown alike', async () => {
  const c = await h.connectSensor('gas-2');
  clients.push(c);
  await publish(c, 'sensors/gas-2/telemetry', JSON.stringify({ readings: [{ n: 'constructor', v: 7 }, { n: 'battery', v: 88 }, { n: 'valueof', v: 1 }] }));
  const s = await stateOf('gas-2');
  assert.equal(new Map(Object.entries(s.values)).get('constructor')?.value, 7); // not Object.prototype.constructor
  assert.equal(s.values.battery?.value, 88);
  assert.equal(s.values.valueof?.value, 1);
  for (const metric of ['constructor', 'battery']) {
    const res = await h.get('operator', `/api/sensors/gas-2/readings?metric=${metric}`);
    const series = res.body.series as Array<{ metric: string; points: Array<{ max: number }> }>;
    assert.equal(series[0]?.metric, metric, `${metric} is a stored series too`);
  }
  assert.equal(s.bad.invalid ?? 0, 0);
});

test('routes: all states with filters, one state, readings downsampled; roles and errors', async () => {
  const all = (await h.get('dispatcher', '/api/sensors/state?kind=gas')).body as { items: Array<{ id: string }>; total: number };
  assert.deepEqual(all.items.map((i) => i.id), ['gas-1', 'gas-2']);
  assert.equal((await h.get(null, '/api/sensors/state')).status, 401);
  const missing = await h.get('operator', '/api/sensors/nope/state');
  assert.deepEqual([missing.status, missing.body.code], [404, 'GW_ERR_NOT_FOUND']);
  const c = await h.connectSensor('gas-1');
  clients.push(c);
  const t0 = Date.now() - 200_000; // clear of the readings of the tests before
  for (let i = 0; i < 50; i++) await publish(c, 'sensors/gas-1/telemetry', JSON.stringify({ ts: t0 + i * 1000, readings: [{ n: 'ch4', v: i % 10 }] }));
  const from = new Date(t0).toISOString();
  const to = new Date(t0 + 50_000).toISOString();
  const res = await h.get('operator', `/api/sensors/gas-1/readings?metric=ch4&from=${from}&to=${to}&step=10`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const series = (res.body.series as Array<{ metric: string; unit: string; points: Array<{ avg: number; min: number; max: number; n: number }> }>)[0]!;
  assert.equal(series.unit, '%LEL');
  assert.deepEqual(series.points.map((p) => [p.n, p.min, p.max, p.avg]), Array.from({ length: 5 }, () => [10, 0, 9, 4.5]));
  const coarse = await h.get('operator', `/api/sensors/gas-1/readings?metric=ch4&from=${from}&to=${to}&step=120`);
  assert.equal(coarse.body.source, 'rollup', 'a step of a minute or more reads the one-minute rollups');
  const tooMany = await h.get('operator', `/api/sensors/gas-1/readings?from=2020-01-01T00:00:00Z&to=${to}&step=1`);
  assert.deepEqual([tooMany.status, tooMany.body.field], [400, 'step']);
  const badQuery = await h.get('operator', '/api/sensors/gas-1/readings?from=yesterday');
  assert.deepEqual([badQuery.status, badQuery.body.code], [400, 'GW_ERR_VALIDATION']);
});

test('readings and last values survive a restart (acknowledged means committed)', async () => {
  const c = await h.connectSensor('water-1');
  await publish(c, 'sensors/water-1/telemetry', JSON.stringify({ value: 3.25 }));
  c.end(true);
  await h.restart();
  const s = await waitFor(async () => {
    const st = await stateOf('water-1');
    return st.values.level?.value === 3.25 ? st : undefined;
  }, 3000, 'the last value after restart');
  assert.equal(s.values.level?.unit, 'm');
  const res = await h.get('operator', '/api/sensors/water-1/readings?metric=level');
  const points = (res.body.series as Array<{ points: Array<{ max: number }> }>)[0]!.points;
  assert.ok(points.some((p) => p.max === 3.25));
});
