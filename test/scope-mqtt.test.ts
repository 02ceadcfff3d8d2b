// Scope (分级分权) for MQTT wall clients: a wall client logged in with a key
// scoped to street A receives only street A's sensors, whatever it subscribes
// to; a sensor moved into street A is forwarded from its next reading; an
// unscoped key gets everything; sensor alarms and states over HTTP likewise.
// Real gateway, real broker, mqtt.js clients.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { MqttClient } from 'mqtt';
import { connectClient, publish, telemetry, waitFor } from '../gateway/sensors/test/harness.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { buildCity, type City } from './helpers/scope-city.ts';

let t: TestGateway;
let city: City;
let url: string;
const clients: MqttClient[] = [];
const track = (c: MqttClient) => (clients.push(c), c);

before(async () => {
  t = await startTestGateway();
  city = await buildCity(t);
  url = `mqtt://127.0.0.1:${t.gw.sensors!.ports.mqtt}`;
});
after(async () => {
  for (const c of clients) c.end(true);
  await t?.stop();
});

/** A wall client that records every topic it is sent. */
async function wall(key: string): Promise<{ client: MqttClient; topics: string[] }> {
  const client = track(await connectClient(url, { username: 'apikey', password: key }));
  const topics: string[] = [];
  client.on('message', (topic) => topics.push(topic));
  await client.subscribeAsync('sensors/#', { qos: 1 });
  return { client, topics };
}

test('a wall client scoped to street A gets only street A\'s sensors, and a sensor moved into street A from then on', async () => {
  const streetA = await wall(city.scoped.operator);
  const everyone = await wall(t.keys.operator);
  const sensorA = track(await connectClient(url, { clientId: 'sen-a', username: 'sen-a', password: 'pw-sen-a-secret' }));
  const sensorB = track(await connectClient(url, { clientId: 'sen-b', username: 'sen-b', password: 'pw-sen-b-secret' }));

  // B first, then A: each client gets messages in order, so once A's has come, B's would have too.
  await publish(sensorB, 'sensors/sen-b/telemetry', telemetry(1.5));
  await publish(sensorA, 'sensors/sen-a/telemetry', telemetry(2.5));
  await waitFor(() => streetA.topics.includes('sensors/sen-a/telemetry') && everyone.topics.includes('sensors/sen-a/telemetry'), 10_000, "street A's reading");
  assert.ok(everyone.topics.includes('sensors/sen-b/telemetry'), 'an unscoped key gets street B');
  assert.ok(!streetA.topics.some((topic) => topic.includes('sen-b')), `street A's client got street B: ${streetA.topics.join(', ')}`);

  // sen-b moves into street A's cell: its next reading reaches the street A client.
  const moved = await t.call('admin', { method: 'PATCH', url: '/api/sensors/sen-b', payload: { gridCode: 'cell-a' } });
  assert.equal(moved.statusCode, 200, moved.body);
  await waitFor(async () => {
    await publish(sensorB, 'sensors/sen-b/telemetry', telemetry(3.5));
    return streetA.topics.includes('sensors/sen-b/telemetry');
  }, 10_000, 'the moved sensor\'s reading on the street A client');
});

test('sensor alarms and live states over HTTP list only street A\'s sensors for a street A key', async () => {
  const sensorA = track(await connectClient(url, { clientId: 'sen-a', username: 'sen-a', password: 'pw-sen-a-secret' }));
  const sensorB = track(await connectClient(url, { clientId: 'sen-b', username: 'sen-b', password: 'pw-sen-b-secret' }));
  // sen-b was moved into street A above: move it back, then both go over the gas threshold (pending at once).
  assert.equal((await t.call('admin', { method: 'PATCH', url: '/api/sensors/sen-b', payload: { gridCode: 'cell-b' } })).statusCode, 200);
  await publish(sensorB, 'sensors/sen-b/telemetry', telemetry(25));
  await publish(sensorA, 'sensors/sen-a/telemetry', telemetry(25));
  const sensorsIn = async (key: string, url: string) => JSON.stringify((await city.call(key, { method: 'GET', url })).json());
  await waitFor(async () => {
    const all = await sensorsIn(t.keys.operator, '/api/sensors/alarms');
    return all.includes('"sen-a"') && all.includes('"sen-b"');
  }, 10_000, 'both sensors\' alarms');
  const alarms = await sensorsIn(city.scoped.operator, '/api/sensors/alarms');
  assert.ok(alarms.includes('"sen-a"') && !alarms.includes('sen-b'), alarms);
  const states = await sensorsIn(city.scoped.operator, '/api/sensors/state');
  assert.ok(states.includes('"sen-a"') && !states.includes('sen-b'), states);
});
