// Rule state machines end to end, through real MQTT: `for` durations,
// hysteresis, rate of change, staleness, restart persistence (a pending timer
// survives, a firing alarm is not raised twice), raise() failures retried and
// never lost, and clears when a sensor is disabled.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { MqttClient } from 'mqtt';
import { SYSTEM_ACTOR } from '../device-registry/index.ts';
import type { IncidentCandidate } from '../gateway/incidents/candidate.ts';
import { publish, startHarness, telemetry, waitFor, type Harness } from '../gateway/sensors/test/harness.ts';

let h: Harness;
let failing = 0;
let down = false;
const delivered: IncidentCandidate[] = [];
const clients: MqttClient[] = [];

const of = (id: string) => delivered.filter((c) => c.source.id === id);
const alarms = async () => ((await h.get('operator', '/api/sensors/alarms')).body.items as Array<{ sensorId: string; rule: string; state: string }>);
const ruleState = async (id: string, rule: string) => (await alarms()).find((a) => a.sensorId === id && a.rule === rule)?.state ?? 'normal';
const sensor = async (id: string) => {
  const c = await h.connectSensor(id);
  clients.push(c);
  return c;
};

before(async () => {
  h = await startHarness({
    config: { alarms: { retry: { initialMs: 50, maxMs: 200 } } },
    raise: async (c) => {
      if (down || failing > 0) {
        failing--;
        throw new Error('incident room unavailable');
      }
      delivered.push(c);
    },
  });
  await h.addSensor('hys', { rules: { ch4: { above: 20, recover: 10, forSeconds: 1, severity: 'critical' } } });
  await h.addSensor('lvl', { kind: 'water_level', unit: 'm', rules: { level: { above: 3.5, recover: 3.2, ratePerMinute: 0.5, severity: 'major' } } });
  await h.addSensor('persist', { rules: { ch4: { above: 20, recover: 10, forSeconds: 2 } } });
  await h.addSensor('stale', { rules: { ch4: { staleSeconds: 1 } } });
  await h.addSensor('retry', { rules: { ch4: { above: 20, forSeconds: 0 } } });
  await h.addSensor('down', { rules: { ch4: { above: 20, forSeconds: 0 } } });
});
after(async () => {
  for (const c of clients) c.end(true);
  await h?.stop();
});

test('for + hysteresis: pending, then firing once; the band keeps it firing; recovery waits `for` and clears', async () => {
  const c = await sensor('hys');
  await publish(c, 'sensors/hys/telemetry', telemetry(25));
  assert.equal(await ruleState('hys', 'ch4:above'), 'pending');
  const fired = await waitFor(() => of('hys')[0], 3000, 'the alarm, by time alone');
  assert.deepEqual([fired.type, fired.severity, fired.source.kind, fired.dedupeKey], ['gas_leak', 'critical', 'sensor', 'sensor:hys:ch4:above']);
  assert.deepEqual(fired.evidence?.readings?.map((r) => [r.metric, r.value, r.unit]), [['ch4', 25, '%LEL']]);
  assert.equal(fired.evidence?.rule, 'ch4 > 20 for 1s (recover ≤ 10)');
  await publish(c, 'sensors/hys/telemetry', telemetry(15));
  await publish(c, 'sensors/hys/telemetry', telemetry(21));
  await publish(c, 'sensors/hys/telemetry', telemetry(12));
  assert.equal(await ruleState('hys', 'ch4:above'), 'firing', 'between 10 and 20 it keeps firing');
  await publish(c, 'sensors/hys/telemetry', telemetry(8));
  assert.equal(await ruleState('hys', 'ch4:above'), 'recovering');
  const cleared = await waitFor(() => of('hys').find((x) => x.clear), 3000, 'the clear');
  assert.equal(cleared.dedupeKey, fired.dedupeKey);
  assert.equal(of('hys').length, 2, 'one fire, one clear');
});

test('rate of change and threshold with hysteresis on a water level', async () => {
  const c = await sensor('lvl');
  const now = Date.now();
  const level = (value: number, ts: number) => publish(c, 'sensors/lvl/telemetry', JSON.stringify({ value, ts }));
  await level(1.0, now - 60_000);
  await level(1.05, now - 30_000);
  assert.equal(of('lvl').length, 0, '0.1 m/min is slow');
  await level(1.5, now - 20_000);
  const rising = await waitFor(() => of('lvl').find((x) => x.type === 'water_level_rising'), 2000, 'the rate alarm');
  assert.equal(rising.evidence?.rule, 'level rising faster than 0.5/min');
  await level(3.6, now);
  const high = await waitFor(() => of('lvl').find((x) => x.type === 'water_level_high'), 2000, 'the level alarm');
  assert.deepEqual([high.severity, high.dedupeKey], ['major', 'sensor:lvl:level:above']);
  await level(3.3, now + 100);
  assert.equal(await ruleState('lvl', 'level:above'), 'firing', '3.3 is inside the band 3.2…3.5');
  await level(3.1, now + 200);
  await waitFor(() => of('lvl').find((x) => x.type === 'water_level_high' && x.clear), 2000, 'the clear at 3.1');
});

test('staleness: no reading for staleSeconds raises sensor_offline (also for a sensor never heard from); a reading clears it', async () => {
  const offline = (n: number) => waitFor(() => of('stale').filter((x) => x.type === 'sensor_offline' && !x.clear)[n], 4000, `sensor_offline #${n + 1}`);
  const cleared = (n: number) => waitFor(() => of('stale').filter((x) => x.type === 'sensor_offline' && x.clear)[n], 4000, `clear #${n + 1}`);
  await offline(0); // registered, never reported: offline once staleSeconds have passed
  const c = await sensor('stale');
  await publish(c, 'sensors/stale/telemetry', telemetry(1));
  await cleared(0);
  const off = await offline(1);
  assert.deepEqual(off.source, { kind: 'sensor-health', id: 'stale' });
  assert.match(off.evidence?.rule ?? '', /no reading for 1 s/);
  assert.deepEqual(off.evidence?.readings?.map((r) => [r.metric, r.value]), [['ch4', 1]], 'the last values as evidence');
  const st = (await h.get('operator', '/api/sensors/stale/state')).body;
  assert.deepEqual([st.health, st.reason], ['offline', 'no reading for 1 s']);
  const status = await h.registry.get('sensors', 'stale');
  assert.deepEqual(status.status, { ...(status.status as object), state: 'offline', reason: 'no reading for 1 s' }, 'the registry status follows');
  await publish(c, 'sensors/stale/telemetry', telemetry(1));
  await cleared(1);
  assert.equal((await h.get('operator', '/api/sensors/stale/state')).body.health, 'online');
});

test('a pending timer survives a restart and fires on time; a firing alarm is not raised again', async () => {
  const c = await sensor('persist');
  const crossed = Date.now();
  await publish(c, 'sensors/persist/telemetry', telemetry(30));
  c.end(true);
  await h.restart();
  const fired = await waitFor(() => of('persist')[0], 5000, 'the alarm after the restart');
  const firedAt = Date.now();
  assert.ok(firedAt - crossed >= 2000 && firedAt - crossed < 5000, `fired ${firedAt - crossed} ms after crossing (for: 2 s)`);
  assert.equal(fired.occurredAt >= crossed - 50 && fired.occurredAt <= crossed + 500, true, 'occurredAt is the crossing');
  await h.restart();
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(of('persist').length, 1);
  assert.equal(await ruleState('persist', 'ch4:above'), 'firing');
  const c2 = await sensor('persist');
  await publish(c2, 'sensors/persist/telemetry', telemetry(1));
  await waitFor(() => of('persist').find((x) => x.clear), 4000, 'the clear after recovery');
});

test('raise() failing: the alarm is kept, retried with backoff, delivered in order, also across a restart', async () => {
  failing = 3;
  const c = await sensor('retry');
  await publish(c, 'sensors/retry/telemetry', telemetry(50));
  await waitFor(() => of('retry')[0], 3000, 'delivery after three failures');
  const status = (await h.get('operator', '/api/sensors/ingest')).body.alarms as { failures: number; backlog: number };
  assert.ok(status.failures >= 3);
  assert.equal(status.backlog, 0);
  down = true;
  await publish(c, 'sensors/retry/telemetry', telemetry(1));
  await publish(c, 'sensors/retry/telemetry', telemetry(60));
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(((await h.get('operator', '/api/sensors/ingest')).body.alarms as { backlog: number }).backlog, 2);
  await h.restart();
  down = false;
  await waitFor(() => of('retry').length === 3 && of('retry'), 3000, 'the backlog after the restart');
  assert.deepEqual(of('retry').map((x) => x.clear ?? false), [false, true, false], 'in order: fire, clear, fire');
  assert.match(h.logs(), /cannot raise a sensor alarm; will retry/);
});

test('disabling a sensor clears its firing alarms', async () => {
  assert.equal(await ruleState('retry', 'ch4:above'), 'firing');
  await h.registry.update('sensors', 'retry', { enabled: false }, SYSTEM_ACTOR);
  const clear = await waitFor(() => of('retry').find((x, i) => i >= 3 && x.clear), 3000, 'the clear');
  assert.match(clear.title ?? '', /recovered/);
  assert.equal(await ruleState('retry', 'ch4:above'), 'normal');
});

test('a sensor disabled while the gateway was down has its alarms cleared at start', async () => {
  const c = await sensor('down');
  await publish(c, 'sensors/down/telemetry', telemetry(40));
  await waitFor(() => of('down')[0], 3000, 'the alarm');
  c.end(true);
  await h.restart(undefined, () => h.registry.update('sensors', 'down', { enabled: false }, SYSTEM_ACTOR).then(() => undefined));
  const clear = await waitFor(() => of('down').find((x) => x.clear), 3000, 'the clear at start');
  assert.equal(clear.dedupeKey, 'sensor:down:ch4:above');
});
