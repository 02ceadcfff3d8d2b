// The sensor simulator against the embedded broker with the demo's sensors
// (configs/demo.yaml): all log in with their passwords, report, go online,
// and an excursion over the threshold raises the kind's alarm and clears.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHarness, waitFor } from '../gateway/sensors/test/harness.ts';
import { sensorsFromConfig, startSensorSimulator } from './sim/sensor-sim.ts';

test('the demo sensors publish over real MQTT with their credentials; an excursion raises and clears an alarm', async () => {
  const h = await startHarness();
  const sensors = sensorsFromConfig('configs/demo.yaml');
  assert.deepEqual(sensors.map((s) => s.id), ['gas-01', 'water-01', 'smoke-01', 'temp-01', 'manhole-01']);
  for (const s of sensors) {
    await h.addSensor(s.id, {
      kind: s.kind, mqtt: { clientId: s.clientId, username: s.username, password: s.password }, unit: undefined,
      rules: s.kind === 'gas' ? { ch4: { above: 20, recover: 10, forSeconds: 0 } } : {},
    });
  }
  const sim = await startSensorSimulator({ url: h.mqttUrl, sensors, intervalMs: 40, excursionChance: 0, excursionMs: 1500 });
  try {
    assert.equal(sim.stats().connected, 5);
    await waitFor(async () => {
      const all = (await h.get('operator', '/api/sensors/state')).body.items as Array<{ health: string; readings: number }>;
      return all.every((s) => s.health === 'online' && s.readings >= 3);
    }, 5000, 'all five online with readings');
    sim.excursion('gas-01');
    const leak = await waitFor(() => h.raised.find((c) => c.type === 'gas_leak' && !c.clear), 3000, 'gas_leak');
    assert.equal(leak.source.id, 'gas-01');
    await waitFor(() => h.raised.find((c) => c.type === 'gas_leak' && c.clear), 4000, 'the clear after the excursion');
    const bad = (await h.get('operator', '/api/sensors/state')).body.items as Array<{ bad: object }>;
    assert.ok(bad.every((s) => Object.keys(s.bad).length === 0), 'the simulator sends only valid payloads');
  } finally {
    await sim.stop();
    await h.stop();
  }
});
