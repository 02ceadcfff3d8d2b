// docker/compose.yaml cannot run here (no Docker), but what it hands each
// gateway node can be checked: its environment is a valid configuration for a
// scale-out node, the nodes differ where they must, and every service has a
// health check.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { loadConfig } from '../gateway/config/load.ts';

interface Service { environment?: Record<string, string | number | boolean>; healthcheck?: { test: unknown }; depends_on?: Record<string, { condition: string }> }

const compose = parse(readFileSync(new URL('../docker/compose.yaml', import.meta.url), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const VARS: Record<string, string> = { GATEWAY_ADMIN_KEY: 'compose-test-admin-key-0123456789', POSTGRES_PASSWORD: 'pw', INFLUX_TOKEN: 'token' };
// ${NAME}, ${NAME:-default}, ${NAME:?message} as docker compose reads them.
const interpolate = (value: string) => value.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_m, name: string, op?: string, arg?: string) => VARS[name] ?? (op === '-' ? arg! : ''));

const gateways = Object.entries(compose.services).filter(([name]) => name.startsWith('gateway-'));

test('each gateway node of docker/compose.yaml gets a valid scale-out configuration of its own', () => {
  assert.ok(gateways.length >= 3, 'three nodes or more');
  const seen = { nodeId: new Set<string>(), url: new Set<string>() };
  for (const [name, service] of gateways) {
    const env = Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]));
    const config = loadConfig({ argv: [], env, cwd: process.cwd() });
    assert.equal(config.cluster.enabled, true, name);
    assert.equal(config.store.database, 'postgres', name);
    assert.equal(config.store.events, 'nats', name);
    assert.deepEqual(config.store.nats.servers, ['nats://nats:4222'], name);
    assert.equal(config.sensors.bridge.enabled, true, name);
    assert.equal(config.sensors.series.sink, 'influx', name);
    seen.nodeId.add(config.cluster.nodeId!);
    seen.url.add(config.cluster.advertiseUrl!);
    for (const dep of ['postgres', 'nats', 'influxdb', 'mqtt']) assert.equal(service.depends_on?.[dep]?.condition, 'service_healthy', `${name} waits for ${dep}`);
  }
  assert.equal(seen.nodeId.size, gateways.length, 'node ids differ');
  assert.equal(seen.url.size, gateways.length, 'advertised URLs differ');
});

test('every service in docker/compose.yaml has a health check', () => {
  for (const [name, service] of Object.entries(compose.services)) assert.ok(service.healthcheck?.test, `${name} has a health check`);
});
