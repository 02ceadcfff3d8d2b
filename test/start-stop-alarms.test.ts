// No false alarms from the gateway's own start and stop: a real gateway
// process with GB28181 on, a simulated NVR registered with it (its channel
// seeded) and simulated sensors publishing over MQTT with their last will.
// Stopped with SIGTERM and started again on the same data dir, it must record
// neither a camera_offline for the healthy GB28181 channel (judged before the
// GB28181 room ran, it was "GB28181 is disabled in the configuration") nor a
// sensor_offline for the sensors whose connections the shutdown closed.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { freeSipPort } from './helpers/gb28181.ts';
import { spawnGateway, type GatewayProcess } from './helpers/process.ts';
import { ensureGbClip, GbSimHost } from './sim/gbsim/index.ts';
import { stayRegistered } from './sim/gbsim/stay-registered.ts';
import { startSensorSimulator, type SimSensor } from './sim/sensor-sim.ts';
import { waitFor } from './helpers/video.ts';

const DEVICE = '31010100001180000009';
const CHANNEL = '31010100001320000009';
// Alarms fast enough to see here: a camera offline for 3 s would raise camera_offline.
const OFFLINE_SECONDS = 3;
const SENSORS: SimSensor[] = [
  { id: 'gas-s1', kind: 'gas', clientId: 'gas-s1', username: 'gas-s1', password: 'gas-s1-pass-0001' },
  { id: 'water-s2', kind: 'water_level', clientId: 'water-s2', username: 'water-s2', password: 'water-s2-pass-0001' },
];

const dataDir = mkdtempSync(join(tmpdir(), 'gw-startstop-'));
const cleanups: Array<() => unknown> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
  rmSync(dataDir, { recursive: true, force: true });
});

function writeConfig(): string {
  const file = join(dataDir, 'gateway.yaml');
  const sensors = SENSORS.map((s) => `    - { id: ${s.id}, name: ${s.id}, kind: ${s.kind}, mqtt: { clientId: ${s.clientId}, username: ${s.username}, password: ${s.password} } }`).join('\n');
  writeFileSync(file, `seed:
  gbDevices:
    - { id: "${DEVICE}", name: 测试NVR, password: start-stop-nvr-pass, mediaTransport: udp }
  channels:
    - { id: cam-gb-1, name: 测试NVR-通道1, kind: gb28181, source: { deviceId: "${DEVICE}", channelId: "${CHANNEL}" } }
  sensors:
${sensors}
`);
  return file;
}

const adminKey = `gwk_${randomBytes(24).toString('base64url')}`;

async function startGateway(config: string, ports: { sip: number; mqtt: number }): Promise<{ gw: GatewayProcess; url: string }> {
  const gw = spawnGateway([
    '--config', config, '--dataDir', dataDir, '--auth.adminKey', adminKey, '--http.port', '0', '--video.rtmp.port', '0',
    '--sensors.broker.port', String(ports.mqtt), '--sensors.broker.host', '127.0.0.1',
    '--gb28181.port', String(ports.sip), '--gb28181.host', '127.0.0.1', '--gb28181.announceAddress', '127.0.0.1',
    '--gb28181.keepalive.intervalSeconds', '1', '--gb28181.keepalive.missed', '3', '--gb28181.media.portMin', '0', '--gb28181.media.portMax', '0',
    '--incidents.health.channelOfflineSeconds', String(OFFLINE_SECONDS), '--incidents.health.stableSeconds', '2', '--detection.enabled', 'false',
  ]);
  cleanups.push(() => gw.proc.exitCode === null && gw.proc.kill('SIGKILL'));
  const url = (await gw.listening()).replace('0.0.0.0', '127.0.0.1');
  return { gw, url };
}

const api = async <T,>(url: string, path: string): Promise<T> => {
  const res = await fetch(url + path, { headers: { authorization: `Bearer ${adminKey}` } });
  assert.equal(res.status, 200, `${path}: ${res.status}`);
  return (await res.json()) as T;
};

interface Incident { type: string; sourceId?: string; source?: { id: string }; title: string }
const incidents = (url: string) => api<{ items: Incident[] }>(url, '/api/incidents?limit=200').then((r) => r.items);

const until = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> => waitFor(probe, timeoutMs, what);

const channelState = (url: string) => api<{ status: { state: string; reason?: string } }>(url, '/api/channels/cam-gb-1').then((c) => c.status);
const sensorStates = (url: string) => Promise.all(SENSORS.map((s) => api<{ status: { state: string } }>(url, `/api/sensors/${s.id}`).then((x) => x.status.state)));

test('a clean start and stop raise no camera_offline for a healthy GB28181 channel and no sensor_offline', { timeout: 300_000 }, async () => {
  const config = writeConfig();
  const ports = { sip: await freeSipPort(), mqtt: await freeSipPort() };
  let { gw, url } = await startGateway(config, ports);

  const host = await GbSimHost.start({ platform: { host: '127.0.0.1', port: ports.sip, id: '34020000002000000001', domain: '3402000000' } });
  cleanups.push(() => host.close());
  const device = host.addDevice({
    deviceId: DEVICE, password: 'start-stop-nvr-pass', clip: await ensureGbClip(join(process.cwd(), 'data', 'sim-clips'), 'red-square'), keepaliveSeconds: 1,
    channels: [{ deviceId: CHANNEL, name: '测试NVR-通道1', manufacturer: 'CityGW-Sim', model: 'SIM-IPC-1', status: 'ON' }],
  });
  const nvr = stayRegistered(device, () => undefined, 1000);
  cleanups.push(() => nvr.stop());
  const sensors = await startSensorSimulator({ url: `mqtt://127.0.0.1:${ports.mqtt}`, sensors: SENSORS, intervalMs: 500, excursionChance: 0 });
  cleanups.push(() => sensors.stop());

  const healthy = async (base: string) => {
    // The device registered: the on-demand channel rests idle (no fault), and every sensor is online.
    await until('the GB28181 channel idle with its device registered', async () => ((await channelState(base)).state === 'idle' ? true : undefined));
    await until('every sensor online', async () => ((await sensorStates(base)).every((s) => s === 'online') ? true : undefined));
  };
  await healthy(url);

  // Long enough for an alarm started at start-up to fire (several times the offline delay), then stop cleanly.
  await new Promise((r) => setTimeout(r, OFFLINE_SECONDS * 3000));
  const firstRun = await incidents(url);
  gw.proc.kill('SIGTERM');
  assert.equal(await gw.exit, 0, gw.stderr());

  // The same data dir again: what the first run or its shutdown left (alarm outbox included) is delivered now.
  ({ gw, url } = await startGateway(config, ports));
  await healthy(url);
  // The channel really plays: a viewer starts it, the device is INVITEd and the channel goes online.
  await api(url, '/api/channels/cam-gb-1/play');
  await until('the GB28181 channel online', async () => ((await channelState(url)).state === 'online' ? true : undefined));
  await new Promise((r) => setTimeout(r, OFFLINE_SECONDS * 3000));
  const all = await incidents(url);
  const offline = all.filter((i) => i.type === 'camera_offline' || i.type === 'sensor_offline');
  assert.deepEqual(offline.map((i) => `${i.type}: ${i.title}`), [], 'no offline alarm from the start or the stop');
  assert.deepEqual(firstRun.filter((i) => i.type === 'camera_offline'), []);
  gw.proc.kill('SIGTERM');
  assert.equal(await gw.exit, 0, gw.stderr());
  assert.doesNotMatch(gw.stdout(), /"msg":"sensor offline"/, 'the shutdown put no sensor offline');
});
