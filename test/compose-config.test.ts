// docker/compose.yaml cannot run here (no Docker engine), but everything it
// hands its services can be checked as `docker compose config` would render
// it: each gateway node's environment (with its secrets, through the image's
// own entrypoint script) is a valid scale-out configuration of its own; every
// health check runs a program its pinned image ships; the ports published are
// the ports the nodes listen on (HTTP, RTMP, SIP, the RTP range) and the
// GB28181 node announces a reachable address; no secret has a default or sits
// in the file; Mosquitto, published, takes no anonymous client (checked on a
// real Mosquitto with the compose file's own config and start script).
// Prometheus scrapes every node and Grafana is provisioned.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { parse } from 'yaml';
import { loadConfig } from '../gateway/config/load.ts';
import type { GatewayConfig } from '../gateway/config/schema.ts';
import {
  environmentOf, healthCheckPrograms, IMAGE_TOOLS, publishedPorts, readCompose, secretTargets, type ComposeService,
} from './helpers/compose.ts';
import { freePort, terminate, waitForPort } from './helpers/mosquitto.ts';

type Service = ComposeService;
const run = promisify(execFile);
const docker = new URL('../docker/', import.meta.url);
const dockerDir = fileURLToPath(docker);
const { text: composeText, file: compose } = readCompose(new URL('compose.yaml', docker));
const singleNode = readCompose(new URL('single-node.compose.yaml', docker));
const VARS: Record<string, string> = { GB28181_ANNOUNCE_ADDRESS: '203.0.113.7' };
const gateways = Object.entries(compose.services).filter(([name]) => name.startsWith('gateway-'));

const work = mkdtempSync(join(tmpdir(), 'gw-compose-'));
chmodSync(work, 0o755); // Mosquitto, started as root, reads its files as its own user
after(() => rmSync(work, { recursive: true, force: true }));

// The secrets as docker/make-secrets.sh makes them (the real script), once for the file.
const secretsDir = join(work, 'secrets');
const madeSecrets = run('sh', [join(dockerDir, 'make-secrets.sh'), secretsDir]);
const secretValue = (name: string) => readFileSync(join(secretsDir, name), 'utf8');

/** A service's /run/secrets as compose mounts it: each secret file under its target name. */
function runSecretsOf(name: string, service: Service): string {
  const dir = join(work, `run-secrets-${name}`);
  mkdirSync(dir, { recursive: true });
  for (const { source, target } of secretTargets(service)) cpSync(join(secretsDir, source), join(dir, target));
  return dir;
}

/** The environment a gateway container's process gets: compose's, then the image's entrypoint script (docker/secrets-env.sh) run for real. */
async function containerEnvironment(name: string, service: Service): Promise<Record<string, string>> {
  await madeSecrets;
  const env = { PATH: process.env.PATH!, SECRETS_DIR: runSecretsOf(name, service), ...environmentOf(service, VARS) };
  const { stdout } = await run('sh', [join(dockerDir, 'secrets-env.sh'), 'env', '-0'], { env });
  return Object.fromEntries(stdout.split('\0').filter(Boolean).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
}

const configs = new Map<string, Promise<{ config: GatewayConfig; env: Record<string, string> }>>();
const nodeConfig = (name: string, service: Service) => {
  if (!configs.has(name)) {
    configs.set(name, containerEnvironment(name, service).then((env) => ({ env, config: loadConfig({ argv: [], env, cwd: process.cwd() }) })));
  }
  return configs.get(name)!;
};

test('each gateway node of docker/compose.yaml gets a valid scale-out configuration of its own, its secrets included', async () => {
  assert.ok(gateways.length >= 3, 'three nodes or more');
  const seen = { nodeId: new Set<string>(), url: new Set<string>() };
  for (const [name, service] of gateways) {
    const { config, env } = await nodeConfig(name, service);
    assert.equal(config.cluster.enabled, true, name);
    assert.equal(config.store.database, 'postgres', name);
    assert.equal(new URL(config.store.postgres.url!).hostname, 'pgbouncer', `${name} reaches PostgreSQL through PgBouncer`);
    assert.equal(new URL(config.store.postgres.url!).password, '', `${name}: no password in the URL`);
    assert.equal(env.PGPASSWORD, secretValue('postgres_password'), `${name}: the database password from the secret (node-postgres reads PGPASSWORD)`);
    assert.equal(config.auth.adminKey, secretValue('admin_key'), name);
    assert.equal(config.sensors.series.influx.token, secretValue('influx_token'), name);
    assert.equal(config.sensors.bridge.password, secretValue('mqtt_gateway_password'), name);
    assert.equal(config.store.events, 'nats', name);
    assert.deepEqual(config.store.nats.servers, ['nats://nats:4222'], name);
    assert.equal(config.evidence.store, 'postgres', `${name}: evidence every node serves`);
    assert.equal(config.sensors.bridge.enabled, true, name);
    assert.equal(config.sensors.bridge.username, 'gateway', name);
    assert.equal(config.sensors.series.sink, 'influx', name);
    seen.nodeId.add(config.cluster.nodeId!);
    seen.url.add(config.cluster.advertiseUrl!);
    for (const dep of ['pgbouncer', 'nats', 'influxdb', 'mqtt']) assert.equal(service.depends_on?.[dep]?.condition, 'service_healthy', `${name} waits for ${dep}`);
  }
  assert.equal(compose.services.pgbouncer?.depends_on?.postgres?.condition, 'service_healthy', 'PgBouncer waits for PostgreSQL');
  assert.equal(seen.nodeId.size, gateways.length, 'node ids differ');
  assert.equal(seen.url.size, gateways.length, 'advertised URLs differ');
});

test('every service in docker/compose.yaml has a health check whose programs its image ships (and so does what it starts with)', () => {
  for (const [name, service] of [...Object.entries(compose.services), ...Object.entries(singleNode.file.services)]) {
    assert.ok(service.healthcheck?.test, `${name} has a health check`);
    const tools = IMAGE_TOOLS[service.image!];
    assert.ok(tools, `${name}: the image ${service.image} is in the table of what pinned images ship`);
    for (const program of healthCheckPrograms(service.healthcheck.test)) assert.ok(tools.includes(program), `${name}: its health check runs ${program}, which ${service.image} does not ship`);
    const start = service.entrypoint ?? service.command;
    if (start && !start[0]!.startsWith('-')) assert.ok(tools.includes(start[0]!.replace(/^.*\//, '')), `${name} starts with ${start[0]}, which ${service.image} does not ship`);
  }
  assert.deepEqual(healthCheckPrograms(['CMD-SHELL', 'wget -q -O- http://127.0.0.1:8222/healthz || exit 1']).filter((p) => !IMAGE_TOOLS['nats:2.10']!.includes(p)), ['sh', 'wget', 'exit'],
    'the check itself: the scratch nats image could not run the old health check');
});

test('published ports are the ports each node listens on; each node publishes its RTP range as itself and announces the host', async () => {
  for (const [name, service] of gateways) {
    const { config } = await nodeConfig(name, service);
    const wanted = new Set([`${config.http.port}/tcp`]);
    if (config.video.enabled && config.video.rtmp.enabled) wanted.add(`${config.video.rtmp.port}/tcp`);
    if (config.sensors.enabled && config.sensors.broker.enabled) wanted.add(`${config.sensors.broker.port}/tcp`);
    if (config.gb28181.enabled) {
      // Behind the balancer the node's SIP port is reached by it alone; without one, devices reach it directly.
      if (!config.gb28181.edgeProxies.length) for (const t of config.gb28181.transports) wanted.add(`${config.gb28181.port}/${t}`);
      for (let p = config.gb28181.media.portMin; p <= config.gb28181.media.portMax; p++) wanted.add(`${p}/udp`).add(`${p}/tcp`);
      assert.equal(config.gb28181.announceAddress, VARS.GB28181_ANNOUNCE_ADDRESS, `${name} announces the host's address in SIP and SDP`);
      assert.ok(config.gb28181.media.portMax > config.gb28181.media.portMin, `${name}: a real RTP range`);
    }
    const published = publishedPorts(service, VARS);
    assert.deepEqual(new Set(published.map((p) => `${p.container}/${p.protocol}`)), wanted, `${name} publishes exactly what it listens on`);
    for (const p of published.filter((x) => x.container >= config.gb28181.media.portMin && x.container <= config.gb28181.media.portMax)) {
      assert.equal(p.host, p.container, `${name}: RTP port ${p.container} is published as itself (the node announces that port)`);
    }
  }
  assert.throws(() => gateways.map(([, s]) => environmentOf(s, {})), /GB28181_ANNOUNCE_ADDRESS/, 'the announce address must be set: compose refuses to start without it');
  const hostPorts = Object.values(compose.services).flatMap((s) => publishedPorts(s, VARS).map((p) => `${p.host}/${p.protocol}`));
  assert.equal(new Set(hostPorts).size, hostPorts.length, 'no host port published twice');
  const listener = /^listener (\d+)/m.exec(readFileSync(new URL('mosquitto/mosquitto.conf', docker), 'utf8'))![1];
  assert.deepEqual(publishedPorts(compose.services.mqtt!, VARS).map((p) => p.container), [Number(listener)], 'Mosquitto publishes its listener');
});

test('GB28181 devices reach every node through Kamailio: it has the address the nodes list as their edge proxy, its list names each GB28181 node, and it publishes the SIP port', async () => {
  const lb = compose.services['sip-lb'];
  assert.ok(lb, 'a sip-lb service');
  const lbAddress = lb.networks?.default?.ipv4_address;
  assert.ok(lbAddress, 'sip-lb has a fixed address on the compose network');
  const subnet = (parse(composeText) as { networks?: { default?: { ipam?: { config?: Array<{ subnet: string }> } } } }).networks?.default?.ipam?.config?.[0]?.subnet;
  assert.ok(subnet && inSubnet(lbAddress, subnet), `sip-lb's address ${lbAddress} lies in the network's subnet ${subnet}`);
  // dispatcher.list as the image has it (the Dockerfile copies it) and Kamailio reads it: set 1, sip:<host>:<port>.
  const dockerfile = readFileSync(new URL('kamailio/Dockerfile', docker), 'utf8');
  assert.match(dockerfile, /^COPY dispatcher\.list \/etc\/kamailio\/dispatcher\.list$/m);
  assert.match(dockerfile, /^COPY healthcheck\.sh \/usr\/local\/bin\/healthcheck\.sh$/m, 'the health check program is where the service calls it');
  const listed = readFileSync(new URL('kamailio/dispatcher.list', docker), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
    .map((l) => /^1 sip:([\w.-]+):(\d+)$/.exec(l)).map((m) => { assert.ok(m, 'a dispatcher line Kamailio reads'); return `${m[1]}:${m[2]}`; });
  const gbNodes: string[] = [];
  const ranges: Array<[number, number, string]> = [];
  for (const [name, service] of gateways) {
    const { config } = await nodeConfig(name, service);
    if (!config.gb28181.enabled) continue;
    gbNodes.push(`${service.hostname ?? name}:${config.gb28181.port}`);
    assert.deepEqual(config.gb28181.edgeProxies, [lbAddress], `${name} believes only sip-lb's Path and received`);
    assert.ok(config.gb28181.transports.includes('udp'), `${name} takes UDP from Kamailio`);
    ranges.push([config.gb28181.media.portMin, config.gb28181.media.portMax, name]);
    assert.equal(lb.depends_on?.[name]?.condition, 'service_started', `sip-lb starts after ${name} (its name must resolve when the list loads) but does not wait for it to be healthy`);
  }
  assert.ok(gbNodes.length >= 2, 'GB28181 runs on several nodes');
  assert.deepEqual(new Set(listed), new Set(gbNodes), 'dispatcher.list names exactly the GB28181 nodes at their SIP ports');
  ranges.sort((a, b) => a[0] - b[0]).forEach(([min], i) => assert.ok(i === 0 || min > ranges[i - 1]![1], `RTP ranges of ${ranges[i - 1]?.[2]} and ${ranges[i]![2]} do not overlap`));
  assert.deepEqual(new Set(publishedPorts(lb, VARS).map((p) => `${p.host}:${p.container}/${p.protocol}`)), new Set(['5060:5060/udp', '5060:5060/tcp']));
  const cfg = readFileSync(new URL('kamailio/kamailio.cfg', docker), 'utf8');
  const listens = ['SIP_LISTEN', 'SIP_LISTEN_TCP'].map((name) => new RegExp(`^#!define ${name} (\\w+):[\\d.]+:(\\d+)$`, 'm').exec(cfg)).map((m) => `${m?.[2]}/${m?.[1]}`);
  assert.deepEqual(new Set(listens), new Set(publishedPorts(lb, VARS).map((p) => `${p.container}/${p.protocol}`)), 'Kamailio listens where sip-lb publishes');
});

/** IPv4 `address` inside `cidr`. */
function inSubnet(address: string, cidr: string): boolean {
  const toInt = (a: string) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
  const [base, bits] = cidr.split('/') as [string, string];
  const mask = bits === '0' ? 0 : 2 ** 32 - 2 ** (32 - Number(bits));
  return (toInt(address) & mask) >>> 0 === (toInt(base) & mask) >>> 0;
}

const SECRET_NAME = /pass|secret|token|_key\b|admin_key|pwd|credential/i;

test('no default secrets anywhere: every secret is a compose secret file, none has a fallback or a value in the file', async () => {
  for (const { text, file } of [{ text: composeText, file: compose }, singleNode]) {
    const fallbacks = [...text.matchAll(/\$\{(\w+):?-[^}]*\}/g)].map((m) => m[1]!).filter((n) => SECRET_NAME.test(n));
    assert.deepEqual(fallbacks, [], 'no ${SECRET:-fallback}');
    for (const [name, service] of Object.entries(file.services)) {
      const own = new Set(secretTargets(service).map((s) => s.target));
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (!SECRET_NAME.test(key) || value === null) continue;
        const m = /^\/run\/secrets\/(\w+)$/.exec(String(value));
        assert.ok(/_FILE$/.test(key) && m && own.has(m[1]!), `${name}: ${key} must come from a compose secret (${key}_FILE), not a value`);
      }
      for (const { source } of secretTargets(service)) assert.ok(file.secrets?.[source]?.file?.startsWith('./secrets/'), `${name}: secret ${source} is a file under docker/secrets/`);
    }
  }
  // docker/make-secrets.sh makes every one of them, random and distinct; git and the image build never see them.
  await madeSecrets;
  const files = Object.values(compose.secrets!).map((s) => s.file!.replace('./secrets/', '')).sort();
  assert.deepEqual(readdirSync(secretsDir).sort(), files);
  const values = files.filter((f) => f !== 'mqtt_sensor_passwords').map(secretValue);
  assert.ok(values.every((v) => v.length >= 24), 'long random values');
  assert.equal(new Set(values).size, values.length, 'each secret its own value');
  assert.equal(secretValue('mqtt_sensor_passwords'), '', 'no sensor account until one is added');
  assert.match(readFileSync(new URL('secrets/.gitignore', docker), 'utf8'), /^\*$/m);
  assert.match(readFileSync(new URL('../.dockerignore', docker), 'utf8'), /^docker\/secrets$/m);
  const again = await run('sh', [join(dockerDir, 'make-secrets.sh'), secretsDir]);
  assert.equal(again.stdout, '', 'made once, then kept');
});

test('Mosquitto, published for the sensors, takes no anonymous client and lets each account do only its part (a real Mosquitto with the compose config and start script)', async (t) => {
  const conf = readFileSync(new URL('mosquitto/mosquitto.conf', docker), 'utf8');
  assert.ok(compose.services.mqtt!.ports?.length, 'published');
  assert.match(conf, /^allow_anonymous false$/m);
  assert.doesNotMatch(conf, /^allow_anonymous true$/m);
  assert.doesNotMatch(conf, /^per_listener_settings true$/m, 'one rule for every listener');
  await madeSecrets;
  // Two sensor accounts as an engineer adds them; the compose file's start.sh adds the gateway's.
  const dir = join(work, 'mosquitto');
  mkdirSync(join(dir, 'secrets'), { recursive: true });
  chmodSync(dir, 0o755);
  const sensorFile = join(dir, 'secrets', 'mqtt_sensor_passwords');
  await run('mosquitto_passwd', ['-c', '-b', sensorFile, 'gas-01', 'sensor-one-pw']);
  await run('mosquitto_passwd', ['-b', sensorFile, 'gas-02', 'sensor-two-pw']);
  cpSync(join(secretsDir, 'mqtt_gateway_password'), join(dir, 'secrets', 'mqtt_gateway_password'));
  const port = await freePort();
  writeFileSync(join(dir, 'mosquitto.conf'), conf
    .replace(/^listener \d+$/m, `listener ${port} 127.0.0.1`)
    .replace('/mosquitto/run/passwd', join(dir, 'run', 'passwd'))
    .replace('/mosquitto/config/acl', fileURLToPath(new URL('mosquitto/acl', docker)))
    .replace(/^persistence true$/m, 'persistence false').replace(/^persistence_location .*$/m, ''));
  const broker = spawn('sh', [fileURLToPath(new URL('mosquitto/start.sh', docker))], {
    env: { PATH: `${process.env.PATH}:/usr/sbin`, SECRETS_DIR: join(dir, 'secrets'), PASSWD_FILE: join(dir, 'run', 'passwd'), MOSQUITTO_CONF: join(dir, 'mosquitto.conf') },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  broker.stderr!.on('data', (c: Buffer) => (log += c.toString()));
  t.after(() => terminate(broker));
  await waitForPort(port, 10_000).catch((err: Error) => {
    throw new Error(`${err.message}: ${log}`);
  });
  const url = `mqtt://127.0.0.1:${port}`;
  const connect = (opts: mqtt.IClientOptions) => mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });

  await assert.rejects(connect({}), /Not authorized|not authorised|Bad username or password/i, 'an anonymous client is refused');
  await assert.rejects(connect({ username: 'gas-01', password: 'wrong' }), /Not authorized|not authorised|Bad username or password/i);
  // The nodes' bridge: the gateway account, from its secret, on the shared subscription the nodes use.
  const gateway = await connect({ username: 'gateway', password: secretValue('mqtt_gateway_password') });
  t.after(() => gateway.endAsync());
  const got: string[] = [];
  gateway.on('message', (topic, payload) => got.push(`${topic} ${payload.toString()}`));
  await gateway.subscribeAsync('$share/city-gateway/sensors/+/telemetry', { qos: 1 });
  const sensor = await connect({ username: 'gas-01', password: 'sensor-one-pw' });
  t.after(() => sensor.endAsync());
  await sensor.publishAsync('sensors/gas-02/telemetry', '{"value":99}', { qos: 1 }); // another sensor's topic: dropped
  await gateway.publishAsync('sensors/gas-01/telemetry', '{"value":98}', { qos: 1 }); // the gateway only reads
  await sensor.publishAsync('sensors/gas-01/telemetry', '{"value":12.5}', { qos: 1 });
  const deadline = Date.now() + 10_000;
  while (!got.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 300)); // anything else would have arrived by now
  assert.deepEqual(got, ['sensors/gas-01/telemetry {"value":12.5}'], 'only a sensor\'s own readings reach the nodes');
  assert.ok(existsSync(join(dir, 'run', 'passwd')));
});

// ---- metrics: Prometheus and Grafana ----

const services = compose.services;
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
  const wanted = await Promise.all(gateways.map(async ([name, service]) => `${service.hostname ?? name}:${(await nodeConfig(name, service)).config.http.port}`));
  assert.deepEqual(job.static_configs.flatMap((c) => c.targets).sort(), wanted.sort(), 'one target per gateway service, at its HTTP port');
  // A real parser: VictoriaMetrics reads Prometheus scrape configs and refuses unknown fields.
  const check = await run('victoria-metrics', [`-promscrape.config=${file}`, '-promscrape.config.dryRun', '-loggerLevel=ERROR']).then(() => 'ok', (e: { stderr: string }) => e.stderr);
  assert.equal(check, 'ok');
});

test('Grafana in docker/compose.yaml is provisioned with that Prometheus and the gateway dashboard', () => {
  const grafana = services.grafana as ComposeService & { environment: Record<string, string> };
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
