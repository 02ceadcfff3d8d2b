// /metrics of a real gateway whose rooms all have work: a password-protected
// camera with a detection profile, an unreachable camera, a simulated GB28181
// device playing its channel, MQTT sensors, incidents and a webhook that
// fails. A real scraper (VictoriaMetrics, Prometheus-compatible, fed the
// scrape job of docker/prometheus/prometheus.yml) scrapes it, and every
// PromQL expression of the Grafana dashboard (docker/grafana) is run against
// what it scraped. Counters move when things happen, and no secret reaches
// the scrape.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { connectAsync, type MqttClient } from 'mqtt';
import { parse, stringify } from 'yaml';
import { startCameraSimulator, type CameraSimulator } from './sim/camera-sim.ts';
import { ensureGbClip, GbSimHost, type GbDeviceSim } from './sim/gbsim/index.ts';
import type { TestGateway } from './helpers/gateway.ts';
import { addGbDevice, platformOf } from './helpers/gb28181.ts';
import { freePort, terminate, waitForPort } from './helpers/mosquitto.ts';
import { CLIP_DIR, startVideoGateway, waitFor } from './helpers/video.ts';

const CAMERA = { username: 'metrics-cam', password: 'Cam:P@ss/w#rd%9Zq' };
const SENSOR_PASSWORD = 'sensor-Pw-7f3k2j9q';
const GB_PASSWORD = 'gb-Pw-d8s7a6k4';
const GB_DEVICE = '34020000001320000177';
const RIGHT_HALF = [[0.5, 0], [1, 0], [1, 1], [0.5, 1]]; // fractions of the picture

const dashboard = JSON.parse(readFileSync(new URL('../docker/grafana/dashboards/gateway-dashboard.json', import.meta.url), 'utf8')) as Dashboard;
interface Panel { title?: string; targets?: Array<{ expr?: string }>; panels?: Panel[] }
interface Dashboard { panels: Panel[]; templating: { list: Array<{ query?: { query?: string } | string }> } }

let t: TestGateway;
let sim: CameraSimulator;
let gbHost: GbSimHost;
let gbDevice: GbDeviceSim;
let vm: { url: string; child: ChildProcess; dir: string } | undefined;
const clients: MqttClient[] = [];
let webhookSecret = '';
let dataFile = '';

before(async () => {
  sim = await startCameraSimulator({ clipDir: CLIP_DIR, streams: [{ path: 'red', clip: 'red-square-360p' }], credentials: CAMERA });
  await sim.waitReady('red', 90_000);
  const config = {
    detection: {
      enabled: true, concurrency: 1, generateTestModels: true,
      models: { test: { path: '${dataDir}/models/test-detector-yolov8-320.onnx', intraOpThreads: 1 } },
      profiles: { zone: { model: 'test', fps: 4, rules: [{ name: 'east', classes: ['person'], minScore: 0.5, cooldownSeconds: 600, incidentType: 'intrusion', severity: 'major', zone: { name: 'right', polygon: RIGHT_HALF } }] } },
    },
    incidents: { webhooks: { maxAttempts: 1, timeoutMs: 1000, backoffMs: 100 } },
  };
  dataFile = join(CLIP_DIR, `metrics-test-${process.pid}.json`);
  writeFileSync(dataFile, JSON.stringify(config)); // JSON is YAML
  t = await startVideoGateway([
    '--config', dataFile, '--gb28181.host', '127.0.0.1', '--gb28181.announceAddress', '127.0.0.1', '--gb28181.keepalive.intervalSeconds', '1',
    '--gb28181.keepalive.missed', '3', '--gb28181.media.rtpTimeoutSeconds', '5', '--gb28181.inviteTimeoutSeconds', '5',
  ]);
  const base = await t.app.listen({ host: '127.0.0.1', port: 0 });

  const post = async (role: 'engineer' | 'admin' | 'operator', url: string, payload: object) => {
    const res = await t.call(role, { method: 'POST', url, payload });
    assert.ok(res.statusCode === 201 || res.statusCode === 200, `${url}: ${res.statusCode} ${res.body}`);
    return res.json() as Record<string, unknown>;
  };
  await post('engineer', '/api/channels', { id: 'cam-red', name: 'red', kind: 'rtsp', source: { url: sim.url('red'), username: CAMERA.username, password: CAMERA.password }, detectionProfile: 'zone' });
  // Nothing listens on port 9: offline (unreachable), restarted again and again; its URL carries the same credentials.
  const unreachable = `rtsp://${encodeURIComponent(CAMERA.username)}:${encodeURIComponent(CAMERA.password)}@127.0.0.1:9/gone`;
  await post('engineer', '/api/channels', { id: 'cam-gone', name: 'gone', kind: 'rtsp', mode: 'always-on', source: { url: unreachable } });
  await post('engineer', '/api/sensors', { id: 'gas-1', name: 'gas 1', kind: 'gas', mqtt: { clientId: 'gas-1', username: 'gas-1', password: SENSOR_PASSWORD }, unit: '%LEL' });
  webhookSecret = (await post('admin', '/api/webhooks', { name: 'nobody listens', url: `http://127.0.0.1:${await freePort()}/hook` })).secret as string;

  gbHost = await GbSimHost.start({ platform: platformOf({ sipPort: t.gw.gb28181!.ports.sip }) });
  await addGbDevice(t, { id: GB_DEVICE, password: GB_PASSWORD, mediaTransport: 'udp' });
  gbDevice = gbHost.addDevice({ deviceId: GB_DEVICE, password: GB_PASSWORD, channels: 1, clip: await ensureGbClip(), keepaliveSeconds: 0.5 });
  assert.equal((await gbDevice.register()).status, 200);
  gbDevice.startKeepalive();
  const gbChannel = await waitFor(async () => (await t.call('operator', { method: 'GET', url: '/api/channels?kind=gb28181' })).json().items[0]?.id as string | undefined, 15_000, 'the catalog channel');
  assert.equal((await t.call('engineer', { method: 'PATCH', url: `/api/channels/${gbChannel}`, payload: { mode: 'always-on' } })).statusCode, 200);

  vm = await startScraper(new URL(base).host);
});

after(async () => {
  for (const c of clients) c.end(true);
  await gbHost?.close();
  await t?.stop();
  await sim?.stop();
  if (vm) {
    await terminate(vm.child);
    rmSync(vm.dir, { recursive: true, force: true });
  }
  if (dataFile) rmSync(dataFile, { force: true });
});

/** VictoriaMetrics scraping the gateway with docker/prometheus/prometheus.yml's job, its targets pointed at the test gateway. */
async function startScraper(target: string): Promise<{ url: string; child: ChildProcess; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'gw-metrics-vm-'));
  const prom = parse(readFileSync(new URL('../docker/prometheus/prometheus.yml', import.meta.url), 'utf8')) as { global: Record<string, string>; scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }> };
  prom.global.scrape_interval = '1s';
  const job = prom.scrape_configs.find((j) => j.job_name === 'gateway')!;
  job.static_configs = [{ targets: [target] }];
  writeFileSync(join(dir, 'prometheus.yml'), stringify(prom));
  const port = await freePort();
  const child = spawn('victoria-metrics', [
    `-storageDataPath=${join(dir, 'data')}`, `-httpListenAddr=127.0.0.1:${port}`, '-loggerLevel=ERROR', '-search.latencyOffset=0s',
    `-promscrape.config=${join(dir, 'prometheus.yml')}`, '-promscrape.config.strictParse',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  await waitForPort(port, 20_000).catch((err: Error) => assert.fail(`victoria-metrics did not start: ${err.message}\n${stderr}`));
  return { url: `http://127.0.0.1:${port}`, child, dir };
}

// ---- the scrape: names, types, samples ----

interface Scrape {
  text: string;
  types: Map<string, string>;
  samples: Array<{ name: string; labels: Record<string, string>; value: number }>;
}

async function scrape(): Promise<Scrape> {
  const res = await t.app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(res.statusCode, 200);
  const types = new Map<string, string>();
  const samples: Scrape['samples'] = [];
  for (const line of res.body.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    if (!line || line.startsWith('#')) continue;
    const m = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) assert.fail(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return { text: res.body, types, samples };
}

/** Sum of a metric's samples whose labels include `labels`. */
const value = (s: Scrape, name: string, labels: Record<string, string> = {}) =>
  s.samples.filter((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v)).reduce((sum, x) => sum + x.value, 0);
const has = (s: Scrape, name: string, labels: Record<string, string> = {}) => s.samples.some((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));

// ---- the dashboard's PromQL ----

function expressions(): string[] {
  const out: string[] = [];
  const walk = (panels: Panel[]) => {
    for (const p of panels) {
      for (const target of p.targets ?? []) if (target.expr) out.push(target.expr);
      walk(p.panels ?? []);
    }
  };
  walk(dashboard.panels);
  return out;
}

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);

/** The metric names an expression reads: identifiers that are not functions, keywords, label names or values. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\w+/g, ' ')
    .replace(/(?<![\w:])\d[\d.]*(e[+-]?\d+)?/gi, ' ');
  const names = new Set<string>();
  for (const m of bare.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const rest = bare.slice(m.index! + m[0].length).trimStart();
    if (rest.startsWith('(') || KEYWORDS.has(m[0].toLowerCase())) continue;
    names.add(m[0]);
  }
  return [...names];
}

/** The dashboard's node picker reads label_values(<metric>, instance). */
function variableMetrics(): string[] {
  return dashboard.templating.list.flatMap((v) => {
    const q = typeof v.query === 'string' ? v.query : v.query?.query ?? '';
    const m = /label_values\(\s*([A-Za-z_:][\w:]*)\s*,/.exec(q);
    return m ? [m[1]!] : [];
  });
}

/** Names produced by the scraper itself, not by the gateway. */
const SCRAPER_SERIES = new Set(['up']);

/** Why a name is not in the scrape (with samples), or undefined when it is. */
function missing(s: Scrape, name: string): string | undefined {
  if (SCRAPER_SERIES.has(name)) return undefined;
  const histogram = /^(.*)_(bucket|sum|count)$/.exec(name);
  const type = s.types.get(name) ?? (histogram ? s.types.get(histogram[1]!) : undefined);
  if (!type) return `${name}: not in the scrape`;
  if (histogram && !s.types.has(name) && type !== 'histogram' && type !== 'summary') return `${name}: ${histogram[1]} is a ${type}, not a histogram`;
  if (!s.samples.some((x) => x.name === name)) return `${name}: declared, no samples yet`;
  return undefined;
}

const DASHBOARD_NAMES = [...new Set([...expressions().flatMap(metricNames), ...variableMetrics()])].sort();

test('the dashboard reads the metrics of every room (a parser check on its PromQL)', () => {
  assert.deepEqual(metricNames('histogram_quantile(0.95, sum by (le, model) (rate(gateway_x_seconds_bucket{instance=~"$node"}[$__rate_interval])))'), ['gateway_x_seconds_bucket']);
  assert.deepEqual(metricNames('sum(rate(a_total[5m])) / sum(rate(b_count{x="y"}[5m])) > 1e3'), ['a_total', 'b_count']);
  for (const room of ['video', 'gb28181', 'mqtt', 'sensor', 'detection', 'incidents', 'incident_webhook', 'series', 'http']) {
    assert.ok(DASHBOARD_NAMES.some((n) => n.startsWith(`gateway_${room}_`)), `the dashboard shows gateway_${room}_* metrics`);
  }
});

test('every metric the dashboard names is in the scrape, with samples, once the rooms have worked', async () => {
  // Data the rooms only have after work: an online channel's fps and bitrate, an inference, an RTP session, an incident.
  await t.call('operator', { method: 'POST', url: '/api/incidents', payload: { type: 'road_damage', severity: 'minor', title: 'pothole' } });
  let last: string[] = [];
  await waitFor(async () => {
    const s = await scrape();
    last = DASHBOARD_NAMES.map((n) => missing(s, n)).filter((m): m is string => m !== undefined);
    return last.length === 0 || undefined;
  }, 120_000, 'every dashboard metric with samples').catch((err: Error) => assert.fail(`${err.message}: ${last.join('; ')}`));
});

test('every dashboard expression runs on what a Prometheus-compatible scraper collected from the gateway', async () => {
  const query = async (expr: string) => {
    const q = expr.replaceAll('$__rate_interval', '30s').replaceAll('$node', '.*');
    const res = await fetch(`${vm!.url}/api/v1/query?query=${encodeURIComponent(q)}`);
    const body = (await res.json()) as { status: string; error?: string; data?: { result: unknown[] } };
    return { ok: res.ok && body.status === 'success', error: body.error, series: body.data?.result.length ?? 0 };
  };
  // The scraper needs a few scrapes for rates.
  await waitFor(async () => ((await query('sum(count_over_time(gateway_mqtt_messages_total{job="gateway"}[30s]))')).series > 0 ? true : undefined), 30_000, 'a few scrapes');
  let problems: string[] = [];
  await waitFor(async () => {
    problems = [];
    for (const name of DASHBOARD_NAMES) {
      if ((await query(`count({__name__="${name}",job="gateway"})`)).series === 0) problems.push(`${name}: not scraped`);
    }
    for (const expr of expressions()) {
      const r = await query(expr);
      if (!r.ok) problems.push(`${expr}: ${r.error}`);
      // Quantiles over histograms seen for a few seconds only may still be empty; everything else has data.
      else if (r.series === 0 && !expr.includes('histogram_quantile')) problems.push(`${expr}: no data`);
    }
    return problems.length === 0 || undefined;
  }, 30_000, 'every expression answering with data').catch((err: Error) => assert.fail(`${err.message}: ${problems.join('; ')}`));
  // The job's relabelling names the node by its host, without the port (the dashboard's node picker shows service names).
  assert.equal((await query('up{job="gateway",instance="127.0.0.1"} == 1')).series, 1, 'the gateway is up for the scraper, as instance 127.0.0.1');
});

test('counters move: MQTT messages, readings, acks and rows; bad input by class; logins', async () => {
  const mqttUrl = `mqtt://127.0.0.1:${t.gw.sensors!.ports.mqtt}`;
  const before = await scrape();
  const sensor = await connectAsync(mqttUrl, { clientId: 'gas-1', username: 'gas-1', password: SENSOR_PASSWORD, reconnectPeriod: 0 });
  clients.push(sensor);
  await sensor.publishAsync('sensors/gas-1/telemetry', JSON.stringify({ value: 3.5 }), { qos: 1 });
  await sensor.publishAsync('sensors/gas-1/telemetry', '{"value": 3.', { qos: 1 });
  await connectAsync(mqttUrl, { clientId: 'gas-1', username: 'gas-1', password: 'wrong password', reconnectPeriod: 0 }).then((c) => (clients.push(c), assert.fail('a wrong password is refused')), () => undefined);
  const after = await waitFor(async () => {
    const s = await scrape();
    return value(s, 'gateway_series_rows_written_total') > value(before, 'gateway_series_rows_written_total') ? s : undefined;
  }, 10_000, 'the reading written');
  const grew = (name: string, labels: Record<string, string> = {}) => value(after, name, labels) - value(before, name, labels);
  assert.equal(grew('gateway_mqtt_messages_total'), 2);
  assert.equal(grew('gateway_sensor_readings_total'), 1);
  assert.equal(grew('gateway_mqtt_acks_total', { result: 'acked' }), 2, 'a refused payload is still acknowledged (it is counted, not resent)');
  assert.equal(grew('gateway_series_rows_written_total', { sink: 'sqlite' }), 1);
  assert.equal(grew('gateway_mqtt_bad_input_total', { class: 'malformed' }), 1);
  assert.equal(grew('gateway_mqtt_bad_input_total', { class: 'auth_failed' }), 1);
  assert.equal(grew('gateway_mqtt_logins_total', { result: 'accepted' }), 1);
  assert.equal(grew('gateway_mqtt_logins_total', { result: 'auth_failed' }), 1);
  assert.equal(value(after, 'gateway_mqtt_connections', { client: 'sensor' }), 1);
});

test('counters move: incidents raised by type (a free-form type is `other`) and source, webhook dead letters', async () => {
  const before = await scrape();
  for (const type of ['intrusion', 'made_up_by_someone']) {
    const res = await t.call('operator', { method: 'POST', url: '/api/incidents', payload: { type, severity: 'minor', title: type } });
    assert.equal(res.statusCode, 201, res.body);
  }
  const after = await waitFor(async () => {
    const s = await scrape();
    return value(s, 'gateway_incident_webhook_deliveries_total', { outcome: 'dead' }) >= value(before, 'gateway_incident_webhook_deliveries_total', { outcome: 'dead' }) + 2 ? s : undefined;
  }, 20_000, 'both deliveries given up');
  const grew = (name: string, labels: Record<string, string>) => value(after, name, labels) - value(before, name, labels);
  assert.equal(grew('gateway_incidents_raised_total', { type: 'intrusion', source_kind: 'manual' }), 1, 'a configured type keeps its name');
  assert.equal(grew('gateway_incidents_raised_total', { type: 'other', source_kind: 'manual' }), 1, 'a made-up type is other');
  assert.ok(!after.samples.some((x) => x.labels.type === 'made_up_by_someone'));
  await waitFor(async () => (value(await scrape(), 'gateway_incidents_open', { status: 'reported' }) >= 3 ? true : undefined), 10_000, 'open incidents from the store');
  await waitFor(async () => (value(await scrape(), 'gateway_incident_webhook_dead_letters') >= 2 ? true : undefined), 10_000, 'dead letters counted from the store');
  await waitFor(async () => (has(await scrape(), 'gateway_incidents_raised_total', { type: 'intrusion', source_kind: 'detector' }) ? true : undefined), 60_000, 'the detector\'s intrusion');
});

test('video, detection and GB28181 report what they do', async () => {
  const s = await waitFor(async () => {
    const x = await scrape();
    return value(x, 'gateway_video_restarts_total', { channel: 'cam-gone' }) >= 1 && value(x, 'gateway_gb28181_rtp_packets_total') > 0 && value(x, 'gateway_detection_inferences_total') > 0 ? x : undefined;
  }, 60_000, 'restarts, RTP and inferences');
  assert.ok(value(s, 'gateway_video_channels', { state: 'online' }) >= 2, 'the camera and the GB28181 channel are online');
  assert.equal(value(s, 'gateway_video_channels_offline', { reason: 'unreachable' }), 1);
  assert.equal(value(s, 'gateway_video_input_fps', { channel: 'cam-red' }), 25);
  assert.ok(value(s, 'gateway_video_bitrate_bits_per_second', { channel: 'cam-red' }) > 10_000);
  assert.ok(value(s, 'gateway_detection_inference_seconds_count', { model: 'test' }) > 0);
  assert.ok(value(s, 'gateway_detection_pipeline_seconds_count', { model: 'test' }) > 0);
  assert.equal(value(s, 'gateway_gb28181_registered_devices'), 1);
  assert.equal(value(s, 'gateway_gb28181_live_sessions'), 1);
  assert.ok(value(s, 'gateway_gb28181_register_total', { result: 'registered' }) >= 1);
  assert.ok(value(s, 'gateway_gb28181_sip_requests_total', { direction: 'in', method: 'REGISTER', status: '401' }) >= 1);
  assert.ok(value(s, 'gateway_gb28181_sip_requests_total', { direction: 'in', method: 'REGISTER', status: '200' }) >= 1);
  assert.ok(value(s, 'gateway_gb28181_sip_requests_total', { direction: 'in', method: 'MESSAGE', status: '200' }) >= 1, 'keepalives and catalog answers');
  assert.ok(value(s, 'gateway_gb28181_sip_requests_total', { direction: 'out', method: 'INVITE', status: '200' }) >= 1);
  assert.equal(value(s, 'gateway_gb28181_rtp_dropped_total', { reason: 'wrong_ssrc' }), 0);
  const packets = value(s, 'gateway_gb28181_rtp_packets_total');
  await waitFor(async () => (value(await scrape(), 'gateway_gb28181_rtp_packets_total') > packets ? true : undefined), 10_000, 'more RTP');
});

test('RTP from a device that sends with another SSRC than it answered is dropped and counted, also after its session ended', async () => {
  const liarId = '34020000001320000178';
  await addGbDevice(t, { id: liarId, password: GB_PASSWORD, mediaTransport: 'udp' });
  const liar = gbHost.addDevice({ deviceId: liarId, password: GB_PASSWORD, channels: 1, clip: await ensureGbClip(), streamSsrcOverride: 1234, keepaliveSeconds: 0.5 });
  assert.equal((await liar.register()).status, 200);
  liar.startKeepalive();
  const channel = await waitFor(async () => (await t.call('operator', { method: 'GET', url: `/api/channels?kind=gb28181` })).json().items
    .find((c: { source: { deviceId: string } }) => c.source.deviceId === liarId)?.id as string | undefined, 15_000, 'the liar\'s catalog channel');
  const before = await scrape();
  assert.equal((await t.call('engineer', { method: 'PATCH', url: `/api/channels/${channel}`, payload: { mode: 'always-on' } })).statusCode, 200);
  const dropped = await waitFor(async () => {
    const x = value(await scrape(), 'gateway_gb28181_rtp_dropped_total', { reason: 'wrong_ssrc' });
    return x > 50 ? x : undefined;
  }, 20_000, 'wrong-SSRC packets counted');
  assert.equal(value(before, 'gateway_gb28181_rtp_dropped_total', { reason: 'wrong_ssrc' }), 0);
  assert.equal((await t.call('engineer', { method: 'PATCH', url: `/api/channels/${channel}`, payload: { enabled: false } })).statusCode, 200);
  await waitFor(() => t.gw.gb28181!.live.list().every((x) => x.channelId !== channel) || undefined, 10_000, 'its session ended');
  const after = value(await scrape(), 'gateway_gb28181_rtp_dropped_total', { reason: 'wrong_ssrc' });
  assert.ok(after >= dropped, 'a total never goes down when its session ends');
  liar.stopKeepalive();
  await liar.unregister();
});

test('a GB28181 device that stops its keepalives is counted as a keepalive miss', async () => {
  const before = value(await scrape(), 'gateway_gb28181_keepalive_misses_total');
  gbDevice.stopKeepalive();
  const s = await waitFor(async () => {
    const x = await scrape();
    return value(x, 'gateway_gb28181_keepalive_misses_total') === before + 1 ? x : undefined;
  }, 15_000, 'the miss counted');
  assert.equal(value(s, 'gateway_gb28181_registered_devices'), 0);
});

test('no secret, URL or device address in any series: camera, sensor and GB28181 passwords, API keys, webhook secret', async () => {
  const s = await scrape();
  const basic = (user: string, pass: string) => Buffer.from(`${user}:${pass}`).toString('base64');
  const secrets: Array<[string, string]> = [
    ['camera password', CAMERA.password], ['camera password, percent-encoded', encodeURIComponent(CAMERA.password)], ['camera Basic credentials', basic(CAMERA.username, CAMERA.password)],
    ['sensor password', SENSOR_PASSWORD], ['GB28181 password', GB_PASSWORD], ['webhook secret', webhookSecret],
    ...Object.entries(t.keys).map(([role, key]): [string, string] => [`${role} API key`, key]),
  ];
  for (const [what, secret] of secrets) {
    assert.ok(secret.length >= 8, what);
    assert.ok(!s.text.includes(secret), `${what} is not in /metrics`);
  }
  for (const sample of s.samples) {
    for (const [label, v] of Object.entries(sample.labels)) {
      assert.ok(!/:\/\/|@|127\.0\.0\.1/.test(v), `${sample.name}{${label}="${v}"}: no URL or address in a label`);
      assert.ok(!v.includes(CAMERA.username), `${sample.name}{${label}}: no camera user name`);
    }
  }
  // Bounded label sets: the only per-entity label is video's channel id.
  const perDevice = s.samples.filter((x) => Object.values(x.labels).some((v) => v === GB_DEVICE || v === 'gas-1'));
  assert.deepEqual(perDevice.map((x) => x.name), []);
});
