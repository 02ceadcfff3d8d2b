// Sensors in the scale-out deployment: two real gateway nodes subscribe to
// the site's Mosquitto with one shared-subscription group and write readings
// to an Influx-compatible server (VictoriaMetrics). Sensors registered on one
// node are known to the other at once (registry changes over NATS), each
// reading is ingested by one node only and stored once, judged by the rules of
// exactly one node (the sensor's owner, whichever node it reached), and every
// node shows every sensor's latest value.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { MqttClient } from 'mqtt';
import { connectClient, publish, sensorInput, telemetry } from '../gateway/sensors/test/harness.ts';
import { startGatewayCluster, type GatewayCluster } from './helpers/gateway-cluster.ts';
import { startVictoriaMetrics, type VictoriaMetrics } from './helpers/influx.ts';
import { startMosquitto, type Mosquitto } from './helpers/mosquitto.ts';
import { waitFor } from './helpers/video.ts';

let broker: Mosquitto;
let vm: VictoriaMetrics;
let cluster: GatewayCluster;
let field: MqttClient;
before(async () => {
  broker = await startMosquitto();
  vm = await startVictoriaMetrics();
  cluster = await startGatewayCluster({
    ttlSeconds: 4, tickSeconds: 0.5,
    args: [
      '--video.enabled', 'false', '--sensors.broker.enabled', 'false',
      '--sensors.bridge.enabled', 'true', '--sensors.bridge.url', broker.url, '--sensors.bridge.group', 'city', '--sensors.bridge.republish', 'false',
      '--sensors.series.sink', 'influx', '--sensors.series.influx.url', vm.url, '--sensors.series.influx.org', 'city', '--sensors.series.influx.bucket', 'sensors',
      '--sensors.series.influx.token', 'test', '--sensors.series.influx.flushMs', '200',
    ],
  });
  await Promise.all(['node-1', 'node-2'].map((id) => cluster.start(id)));
  field = await connectClient(broker.url, { clientId: 'field-publisher' });
});
after(async () => {
  field?.end(true);
  await cluster?.close();
  await vm?.close();
  await broker?.close();
});

interface IngestStatus { sensors: number; bridge: { state: string }; ingest: { readings: number; unknown: number; evaluated: number } }

test('sensors registered on one node are ingested by both, each reading once, and stored once', async () => {
  const [n1, n2] = [cluster.nodes.get('node-1')!, cluster.nodes.get('node-2')!];
  const ids = ['gas-a', 'gas-b', 'gas-c', 'gas-d'];
  for (const id of ids) await n1.json('/api/sensors', { method: 'POST', body: JSON.stringify(sensorInput(id)) });
  // node-2 was told over NATS; its directory has them without a restart.
  await waitFor(async () => ((await n2.json<IngestStatus>('/api/sensors/ingest')).sensors === ids.length ? true : undefined), 10_000, 'node-2 knows the sensors');
  for (const n of [n1, n2]) await waitFor(async () => ((await n.json<IngestStatus>('/api/sensors/ingest')).bridge.state === 'connected' ? true : undefined), 10_000, `${n.nodeId} bridged`);
  // Both nodes see each other (sensor ownership follows the live nodes; while they join, a sensor may be judged twice).
  for (const n of [n1, n2]) await waitFor(async () => ((await n.json<{ leases: { liveNodes: number } }>('/api/cluster')).leases.liveNodes === 2 ? true : undefined), 10_000, `${n.nodeId} sees both`);

  const perSensor = 50;
  for (let i = 0; i < perSensor; i++) for (const id of ids) await publish(field, `sensors/${id}/telemetry`, telemetry(i % 10, 'ch4', { ts: Date.now() - (perSensor - i) * 1000 }));
  const totals = async () => Promise.all([n1, n2].map(async (n) => (await n.json<IngestStatus>('/api/sensors/ingest')).ingest));
  await waitFor(async () => ((await totals()).reduce((s, t) => s + t.readings, 0) >= perSensor * ids.length ? true : undefined), 15_000, 'every reading ingested');
  await new Promise((r) => setTimeout(r, 500));
  const [t1, t2] = await totals();
  assert.equal(t1!.readings + t2!.readings, perSensor * ids.length, 'each reading on one node only');
  assert.ok(t1!.readings > 0 && t2!.readings > 0, `both nodes share the load (${t1!.readings}/${t2!.readings})`);
  assert.equal(t1!.unknown + t2!.unknown, 0, 'no node met a sensor it did not know');
  assert.equal(t1!.evaluated + t2!.evaluated, perSensor * ids.length, `each reading judged by one node (${t1!.evaluated}/${t2!.evaluated})`);
  // The last value of each sensor is the same on both nodes, whichever node took the last message.
  for (const id of ids) {
    const [a, b] = await Promise.all([n1, n2].map((n) => n.json<{ values: Record<string, { value: number; ts: string }> }>(`/api/sensors/${id}/state`)));
    assert.deepEqual(a!.values, b!.values, `${id}: the same latest value on both nodes`);
    assert.equal(a!.values.ch4!.value, (perSensor - 1) % 10);
  }

  for (const id of ids) {
    await waitFor(async () => {
      const series = await vm.export(`{__name__="sensor_value",sensor="${id}"}`);
      return series.reduce((n, s) => n + s.values.length, 0) === perSensor ? true : undefined;
    }, 15_000, `${perSensor} samples of ${id} in the series store`);
  }
});
