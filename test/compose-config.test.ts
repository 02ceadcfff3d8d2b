// docker/compose.yaml cannot run here (no Docker), but what it hands each
// gateway node can be checked: its environment is a valid configuration for a
// scale-out node, the nodes differ where they must, every service has a
// health check, Prometheus scrapes every node and Grafana is provisioned.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { loadConfig } from '../gateway/config/load.ts';

interface Service { environment?: Record<string, string | number | boolean>; healthcheck?: { test: unknown }; depends_on?: Record<string, { condition: string }> }

const run = promisify(execFile);
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

// ---- metrics: Prometheus and Grafana ----

interface MountingService extends Service { volumes?: string[] }
const docker = new URL('../docker/', import.meta.url);
const services = compose.services as Record<string, MountingService>;
/** Where a service mounts a file or folder of docker/: host path (absolute) by container path. */
const mounts = (service: string) => new Map((services[service]?.volumes ?? []).filter((v) => v.startsWith('./')).map((v) => {
  const [host, container] = v.split(':') as [string, string];
  return [container, fileURLToPath(new URL(host, docker))];
}));

test('Prometheus in docker/compose.yaml scrapes /metrics of every gateway node, with a config Prometheus-compatible scrapers accept', async () => {
  const file = mounts('prometheus').get('/etc/prometheus/prometheus.yml');
  assert.ok(file && existsSync(file), 'the scrape config is mounted from docker/');
  const prom = parse(readFileSync(file, 'utf8')) as { scrape_configs: Array<{ job_name: string; metrics_path?: string; static_configs: Array<{ targets: string[] }> }> };
  const job = prom.scrape_configs.find((j) => j.job_name === 'gateway');
  assert.ok(job, 'a gateway scrape job');
  assert.equal(job.metrics_path ?? '/metrics', '/metrics');
  const wanted = gateways.map(([name, service]) => {
    const env = Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]));
    return `${(service as { hostname?: string }).hostname ?? name}:${loadConfig({ argv: [], env, cwd: process.cwd() }).http.port}`;
  });
  assert.deepEqual(job.static_configs.flatMap((c) => c.targets).sort(), wanted.sort(), 'one target per gateway service, at its HTTP port');
  // A real parser: VictoriaMetrics reads Prometheus scrape configs and refuses unknown fields.
  const check = await run('victoria-metrics', [`-promscrape.config=${file}`, '-promscrape.config.dryRun', '-loggerLevel=ERROR']).then(() => 'ok', (e: { stderr: string }) => e.stderr);
  assert.equal(check, 'ok');
});

test('Grafana in docker/compose.yaml is provisioned with that Prometheus and the gateway dashboard', () => {
  const grafana = services.grafana as MountingService & { environment: Record<string, string> };
  const provisioning = mounts('grafana').get('/etc/grafana/provisioning');
  assert.ok(provisioning && existsSync(provisioning), 'provisioning mounted from docker/');
  const ds = parse(readFileSync(join(provisioning, 'datasources', 'prometheus.yaml'), 'utf8')) as { datasources: Array<{ uid: string; type: string; url: string }> };
  const source = ds.datasources.find((d) => d.type === 'prometheus')!;
  assert.equal(new URL(source.url).hostname, 'prometheus', 'the compose service');
  assert.equal(new URL(source.url).port, '9090');
  const providers = parse(readFileSync(join(provisioning, 'dashboards', 'gateway.yaml'), 'utf8')) as { providers: Array<{ options: { path: string } }> };
  const inContainer = providers.providers[0]!.options.path;
  const dashboards = mounts('grafana').get(inContainer);
  assert.ok(dashboards && existsSync(join(dashboards, 'gateway-dashboard.json')), `the dashboards folder is mounted at ${inContainer}`);
  assert.ok(grafana.environment.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH?.startsWith(`${inContainer}/`), 'the home dashboard is the provisioned one');
  const dashboard = readFileSync(join(dashboards, 'gateway-dashboard.json'), 'utf8');
  const uids = new Set([...dashboard.matchAll(/"uid": "([^"]+)"/g)].map((m) => m[1]).filter((u) => u !== 'city-ingest-gateway'));
  assert.deepEqual([...uids], [source.uid], 'every panel reads the provisioned data source');
});
