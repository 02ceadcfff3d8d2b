// The embedded broker with real clients: mqtt.js over TCP and WebSocket, and
// Debian's mosquitto_pub/mosquitto_sub. Logins from the registry, the ACL,
// the limits (size, rate, connections), live registry changes, wall clients
// with API keys, and the LWT.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import type { MqttClient } from 'mqtt';
import { SYSTEM_ACTOR } from '../device-registry/index.ts';
import { connectClient, publish, startHarness, telemetry, waitFor, type Harness } from '../gateway/sensors/test/harness.ts';

const run = promisify(execFile);
let h: Harness;
const clients: MqttClient[] = [];

const closed = (c: MqttClient) => new Promise<void>((resolve) => (c.disconnected ? resolve() : c.once('close', () => resolve())));
const track = (c: MqttClient) => (clients.push(c), c);
const sensorState = async (id: string) => (await h.get('operator', `/api/sensors/${id}/state`)).body as { values: Record<string, { value: number }>; bad: Record<string, number>; connected: boolean };

before(async () => {
  h = await startHarness({ config: { broker: { limits: { maxPayloadBytes: 2048, messagesPerSecond: 20, burst: 20 } } } });
  for (const id of ['a', 'b', 'c', 'd']) await h.addSensor(id);
});
after(async () => {
  for (const c of clients) c.end(true);
  await h?.stop();
});

test('a sensor logs in with its registry credentials and its readings arrive; wrong credentials are refused', async () => {
  const a = track(await h.connectSensor('a'));
  await publish(a, 'sensors/a/telemetry', telemetry(3.5));
  assert.equal((await sensorState('a')).values.ch4?.value, 3.5);
  for (const [opts, code] of [
    [{ clientId: 'b', username: 'b', password: 'wrong-password' }, 4],
    [{ clientId: 'b', username: 'not-b', password: 'pw-b-secret' }, 4],
    [{ clientId: 'nobody', username: 'nobody', password: 'pw-nobody-secret' }, 4],
    [{ clientId: 'b', username: 'b' }, 4],
  ] as const) {
    await assert.rejects(connectClient(h.mqttUrl, opts), (err: Error & { code?: number }) => err.code === code, JSON.stringify(opts));
  }
  assert.equal((await sensorState('b')).bad.auth_failed, 2, 'failures against a known sensor are counted on it');
});

test('mosquitto_pub publishes with credentials; a bad password fails; mosquitto_sub reads as a wall client with an API key', async () => {
  const port = String(h.room.ports.mqtt);
  const sub = run('mosquitto_sub', ['-h', '127.0.0.1', '-p', port, '-u', 'apikey', '-P', h.apiKeys.operator, '-t', 'sensors/+/telemetry', '-C', '1', '-W', '10', '-v']);
  await waitFor(() => (h.room.broker!.stats().walls as number) > 0, 5000, 'the wall client');
  await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', port, '-i', 'c', '-u', 'c', '-P', 'pw-c-secret', '-q', '1', '-t', 'sensors/c/telemetry', '-m', '{"value": 4.25}']);
  assert.equal((await sub).stdout.trim(), 'sensors/c/telemetry {"value": 4.25}');
  assert.equal((await sensorState('c')).values.ch4?.value, 4.25);
  const bad = await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', port, '-i', 'c', '-u', 'c', '-P', 'nope-nope', '-t', 'sensors/c/telemetry', '-m', '{"value": 1}']).catch((e: { code: number; stderr: string }) => e);
  assert.ok('code' in bad && bad.code !== 0, 'mosquitto_pub exits non-zero');
  assert.match((bad as { stderr: string }).stderr, /bad user name or password/i);
  const walls = await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', port, '-u', 'apikey', '-P', h.apiKeys.operator, '-q', '1', '-t', 'sensors/c/telemetry', '-m', '{"value": 99}'])
    .then(() => 'published', () => 'refused');
  assert.equal(walls, 'refused', 'wall clients may not publish (the broker drops the connection before the ack)');
  assert.equal((await sensorState('c')).values.ch4?.value, 4.25);
});

test('ACL: another sensor’s topic disconnects the publisher and changes nothing; subscriptions outside its commands are refused', async () => {
  const b = track(await h.connectSensor('b'));
  await publish(b, 'sensors/b/telemetry', telemetry(1));
  assert.deepEqual((await b.subscribeAsync('sensors/b/commands/#')).map((g) => g.qos), [0]);
  for (const filter of ['sensors/a/telemetry', '#', '$SYS/#']) {
    await assert.rejects(b.subscribeAsync(filter), /Subscribe error/, `SUBACK 0x80 for ${filter}`);
  }
  const aBefore = (await sensorState('a')).values.ch4?.value;
  const gone = closed(b);
  b.publish('sensors/a/telemetry', telemetry(19));
  await gone;
  assert.equal((await sensorState('a')).values.ch4?.value, aBefore);
  assert.equal((await sensorState('b')).bad.acl_denied, 4, 'three refused subscriptions and the publish');
  const again = track(await h.connectSensor('b'));
  const sysGone = closed(again);
  again.publish('$SYS/x', 'y');
  await sysGone; // publishing to $SYS disconnects
});

test('limits: an oversized payload and a too-fast client are disconnected and counted; others carry on', async () => {
  const c = track(await h.connectSensor('c'));
  const d = track(await h.connectSensor('d'));
  let gone = closed(c);
  c.publish('sensors/c/telemetry', JSON.stringify({ value: 1, pad: 'x'.repeat(100_000) }), { qos: 1 });
  await gone;
  assert.equal((await sensorState('c')).bad.oversize, 1);
  const c2 = track(await h.connectSensor('c'));
  gone = closed(c2);
  for (let i = 0; i < 60; i++) c2.publish('sensors/c/telemetry', telemetry(2), { qos: 0 });
  await gone;
  assert.equal((await sensorState('c')).bad.rate_limited, 1);
  await publish(d, 'sensors/d/telemetry', telemetry(6));
  assert.equal((await sensorState('d')).values.ch4?.value, 6, 'the neighbour was not held up');
});

test('registry changes act at once: disabled, new password, deleted', async () => {
  await h.addSensor('e');
  const e = track(await h.connectSensor('e'));
  let gone = closed(e);
  await h.registry.update('sensors', 'e', { enabled: false }, SYSTEM_ACTOR);
  await gone;
  await assert.rejects(h.connectSensor('e'), (err: Error & { code?: number }) => err.code === 5);
  await h.registry.update('sensors', 'e', { enabled: true }, SYSTEM_ACTOR);
  const e2 = track(await h.connectSensor('e'));
  gone = closed(e2);
  await h.registry.update('sensors', 'e', { mqtt: { password: 'a-new-password-1' } }, SYSTEM_ACTOR);
  await gone;
  await assert.rejects(h.connectSensor('e'), (err: Error & { code?: number }) => err.code === 4, 'the old password (cached before) no longer works');
  const e3 = track(await h.connectSensor('e', { password: 'a-new-password-1' }));
  gone = closed(e3);
  await h.registry.remove('sensors', 'e', SYSTEM_ACTOR);
  await gone;
  await assert.rejects(h.connectSensor('e', { password: 'a-new-password-1' }));
});

test('reconnects are served from the login cache, not by scrypt again', async () => {
  const before = h.room.status().passwordChecks as { checks: number; cacheHits: number };
  for (let i = 0; i < 5; i++) (await h.connectSensor('d')).end(true);
  const now = h.room.status().passwordChecks as { checks: number; cacheHits: number };
  assert.equal(now.checks, before.checks);
  assert.equal(now.cacheHits - before.cacheHits, 5);
});

test('wall clients over WebSocket with an API key: read-only, and cut off when the key is revoked', async () => {
  await assert.rejects(connectClient(h.wsUrl, { username: 'apikey', password: 'gwk_not-a-key' }), (err: Error & { code?: number }) => err.code === 4);
  const key = await h.keys.create({ name: 'wall', role: 'operator' }, SYSTEM_ACTOR);
  const wall = track(await connectClient(h.wsUrl, { username: 'apikey', password: key.secret }));
  await wall.subscribeAsync('sensors/+/telemetry');
  const got = new Promise<string>((resolve) => wall.once('message', (topic, payload) => resolve(`${topic} ${payload.toString()}`)));
  await publish(track(await h.connectSensor('d')), 'sensors/d/telemetry', telemetry(7.5));
  assert.equal(await got, `sensors/d/telemetry ${telemetry(7.5)}`);
  const gone = closed(wall);
  await h.keys.revoke(key.id, SYSTEM_ACTOR);
  await gone;
});

test('the LWT marks a sensor offline at once (sensor_offline raised); online clears it', async () => {
  await h.addSensor('lwt');
  const will = { topic: 'sensors/lwt/availability', payload: Buffer.from('offline'), qos: 1 as const, retain: true };
  const c = await h.connectSensor('lwt', { will });
  await publish(c, 'sensors/lwt/availability', 'online');
  await publish(c, 'sensors/lwt/telemetry', telemetry(2));
  c.stream.destroy(); // the device vanishes: no DISCONNECT, so the broker publishes its will
  const raised = await waitFor(() => h.raised.find((r) => r.type === 'sensor_offline' && r.source.id === 'lwt'), 5000, 'sensor_offline');
  assert.deepEqual(raised.source, { kind: 'sensor-health', id: 'lwt' });
  assert.equal((await h.get('operator', '/api/sensors/lwt/state')).body.health, 'offline');
  const back = track(await h.connectSensor('lwt', { will }));
  await publish(back, 'sensors/lwt/availability', 'online');
  await waitFor(() => h.raised.find((r) => r.type === 'sensor_offline' && r.source.id === 'lwt' && r.clear), 5000, 'the clear');
  assert.equal((await h.get('operator', '/api/sensors/lwt/state')).body.health, 'online');
});

test('max connections: one more login than allowed gets "server unavailable"', async () => {
  const small = await startHarness({ config: { broker: { limits: { maxConnections: 2 } } } });
  try {
    for (const id of ['x1', 'x2', 'x3']) await small.addSensor(id);
    const x1 = await small.connectSensor('x1');
    const x2 = await small.connectSensor('x2');
    await assert.rejects(small.connectSensor('x3'), (err: Error & { code?: number }) => err.code === 3);
    assert.equal(small.room.broker!.stats().refusedFull, 1);
    x1.end(true);
    x2.end(true);
  } finally {
    await small.stop();
  }
});

test('TLS: with a certificate configured, sensors connect over mqtts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-tls-'));
  const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1']);
  const t = await startHarness({ config: { broker: { tls: { cert, key, port: 0 } } } });
  try {
    await t.addSensor('tls-1');
    const c = await connectClient(`mqtts://127.0.0.1:${t.room.ports.mqtts}`, { clientId: 'tls-1', username: 'tls-1', password: 'pw-tls-1-secret', rejectUnauthorized: false });
    await publish(c, 'sensors/tls-1/telemetry', telemetry(9));
    c.end(true);
    assert.equal(((await t.get('operator', '/api/sensors/tls-1/state')).body.values as Record<string, { value: number }>).ch4?.value, 9);
  } finally {
    await t.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('closing the HTTP app does not wait for MQTT-over-WebSocket clients', { timeout: 10_000 }, async () => {
  const t = await startHarness();
  try {
    const wall = await connectClient(t.wsUrl, { username: 'apikey', password: t.apiKeys.operator });
    const gone = closed(wall);
    const started = Date.now();
    await t.app.close();
    await gone;
    assert.ok(Date.now() - started < 2000, `closed in ${Date.now() - started} ms`);
  } finally {
    await t.stop();
  }
});
