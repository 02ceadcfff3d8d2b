// Bridge mode against a real Mosquitto started by the test: two gateways in
// one shared-subscription group split the sensors' messages (each message
// ingested exactly once), bridged messages reach wall clients on the embedded
// broker, a wrong bridge password is reported as such, and an outage of the
// external broker is ridden out.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { MqttClient } from 'mqtt';
import { connectClient, publish, startHarness, telemetry, waitFor, type Harness } from '../gateway/sensors/test/harness.ts';
import { startMosquitto, type Mosquitto } from './helpers/mosquitto.ts';

const USERS = { 'gw-1': 'gw-1-password', 'gw-2': 'gw-2-password', field: 'field-password' };
let broker: Mosquitto;
let a: Harness;
let b: Harness;
let field: MqttClient;

const bridgeConfig = (user: keyof typeof USERS, password = USERS[user]) => ({
  bridge: { enabled: true, url: broker.url, username: user, password, clientId: user, group: 'city', backoff: { initialMs: 100, maxMs: 500 } },
});
const ids = ['s1', 's2', 's3', 's4'];

before(async () => {
  broker = await startMosquitto({ users: USERS });
  a = await startHarness({ config: bridgeConfig('gw-1') });
  b = await startHarness({ config: { ...bridgeConfig('gw-2'), broker: { enabled: false } } });
  for (const h of [a, b]) for (const id of ids) await h.addSensor(id);
  for (const h of [a, b]) await waitFor(() => h.room.bridge!.info().state === 'connected', 5000, 'the bridge subscribed');
  field = await connectClient(broker.url, { username: 'field', password: USERS.field, clientId: 'field-publisher' });
});
after(async () => {
  field?.end(true);
  await a?.stop();
  await b?.stop();
  await broker?.close();
});

test('two gateways in one shared-subscription group split the load; every message is ingested exactly once', async () => {
  const n = 200;
  for (let i = 0; i < n; i++) await publish(field, `sensors/${ids[i % 4]}/telemetry`, telemetry(i % 50));
  const total = () => a.room.ingest.totals.readings + b.room.ingest.totals.readings;
  await waitFor(() => total() >= n, 5000, 'all readings');
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(total(), n, 'no message twice');
  assert.ok(a.room.ingest.totals.readings > n / 5 && b.room.ingest.totals.readings > n / 5, `split ${a.room.ingest.totals.readings}/${b.room.ingest.totals.readings}`);
  const status = (await a.get('operator', '/api/sensors/ingest')).body.bridge as { state: string; messages: number };
  assert.equal(status.state, 'connected');
  assert.equal(status.messages, a.room.ingest.totals.messages);
});

test('bridged messages are republished on the embedded broker for wall clients; unknown topics are counted', async () => {
  const wall = await connectClient(a.wsUrl, { username: 'apikey', password: a.apiKeys.operator });
  await wall.subscribeAsync('sensors/#');
  const seen: string[] = [];
  wall.on('message', (topic) => seen.push(topic));
  for (let i = 0; i < 20; i++) await publish(field, 'sensors/s1/telemetry', telemetry(1));
  await waitFor(() => seen.length > 0, 3000, 'a bridged message on the wall');
  wall.end(true);
  const before = a.room.ingest.totals.unknown + b.room.ingest.totals.unknown;
  for (let i = 0; i < 4; i++) await publish(field, 'sensors/intruder/telemetry', telemetry(1));
  await waitFor(() => a.room.ingest.totals.unknown + b.room.ingest.totals.unknown - before === 4, 3000, 'unknown counted');
});

test('a wrong bridge password is reported as "auth failed"', async () => {
  const wrong = await startHarness({ config: { ...bridgeConfig('gw-2', 'not-the-password'), broker: { enabled: false } } });
  try {
    const info = await waitFor(() => (wrong.room.bridge!.info().reason ? wrong.room.bridge!.info() : undefined), 5000, 'a reason');
    assert.deepEqual([info.state, info.reason], ['offline', 'auth failed']);
  } finally {
    await wrong.stop();
  }
});

test('an outage of the external broker: offline with a reason, then back, and readings flow again', async () => {
  field.end(true);
  await broker.stop();
  await waitFor(() => a.room.bridge!.info().state === 'offline', 5000, 'the bridge offline');
  assert.ok(a.room.bridge!.info().reason);
  await broker.start();
  for (const h of [a, b]) await waitFor(() => h.room.bridge!.info().state === 'connected', 10_000, 'the bridge back');
  field = await connectClient(broker.url, { username: 'field', password: USERS.field, clientId: 'field-publisher' });
  const before = a.room.ingest.totals.readings + b.room.ingest.totals.readings;
  for (let i = 0; i < 10; i++) await publish(field, 'sensors/s2/telemetry', telemetry(2));
  await waitFor(() => a.room.ingest.totals.readings + b.room.ingest.totals.readings - before === 10, 5000, 'readings after the outage');
  assert.ok(a.room.bridge!.info().reconnects > 0);
});
