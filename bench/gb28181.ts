// GB28181 benchmark against a real gateway process and the device simulator:
// REGISTER + keepalive load of N devices (registrations per second, gateway
// CPU), catalog sync time for 100 devices × 4 channels, and INVITE → first
// HLS playlist time.
//   node --import tsx bench/gb28181.ts [--devices 1000] [--keepalive 5] [--plays 5]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { spawnGateway } from '../test/helpers/process.ts';
import { ensureGbClip, GbSimHost, type GbDeviceSim } from '../test/sim/gbsim/index.ts';
import { cpuSeconds, mean, measureCpu, percentile, round } from './proc.ts';

const { values } = parseArgs({ options: { devices: { type: 'string', default: '1000' }, keepalive: { type: 'string', default: '5' }, plays: { type: 'string', default: '5' } } });
const DEVICES = Number(values.devices);
const KEEPALIVE_S = Number(values.keepalive);
const PLAYS = Number(values.plays);
const CATALOG_DEVICES = Math.min(100, DEVICES);
const KEY = 'bench-gb28181-admin-key-0123456789';
const PLATFORM = { id: '34020000002000000001', domain: '3402000000' };

const dataDir = mkdtempSync(join(tmpdir(), 'bench-gb-'));
// Every simulated device sits at 127.0.0.1: the per-address REGISTER flood guard is opened for the run.
const gw = spawnGateway([
  '--dataDir', dataDir, '--http.host', '127.0.0.1', '--http.port', '0', '--log.level', 'info', '--video.rtmp.port', '0', '--sensors.broker.port', '0',
  '--gb28181.host', '127.0.0.1', '--gb28181.announceAddress', '127.0.0.1', '--gb28181.port', '0', '--gb28181.catalogOnRegister', 'false',
  '--gb28181.register.ratePerSecond', '10000', '--gb28181.register.burst', '100000', '--gb28181.keepalive.intervalSeconds', String(KEEPALIVE_S),
  '--gb28181.media.portMin', '0', '--gb28181.media.portMax', '0', '--video.onDemandIdleSeconds', '600',
], { GATEWAY_AUTH__ADMIN_KEY: KEY });
const base = await gw.listening();
const sipPort = Number(/"sipPort":(\d+)/.exec(gw.stdout())?.[1]);
const pid = gw.proc.pid!;
const api = async (path: string, init: RequestInit = {}) => {
  const res = await fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...init.headers } });
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<Record<string, unknown>>;
};
const inParallel = async <T>(items: T[], width: number, fn: (item: T) => Promise<void>) => {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
};

const clip = await ensureGbClip();
const keepaliveErrors = new Map<string, number>();
const host = await GbSimHost.start({
  platform: { host: '127.0.0.1', port: sipPort, ...PLATFORM },
  onKeepaliveError: (_d, err) => keepaliveErrors.set(err.message, (keepaliveErrors.get(err.message) ?? 0) + 1),
});
const ids = Array.from({ length: DEVICES }, (_, i) => `3402000000118${String(i + 1).padStart(7, '0')}`);
await inParallel(ids, 16, async (id) => {
  await api('/api/gb28181/devices', { method: 'POST', body: JSON.stringify({ id, name: `NVR ${id.slice(-4)}`, password: `pw-${id.slice(-6)}` }) });
});
const devices: GbDeviceSim[] = ids.map((id, i) => host.addDevice({
  deviceId: id, password: `pw-${id.slice(-6)}`, channels: i < CATALOG_DEVICES ? 4 : 0, keepaliveSeconds: KEEPALIVE_S, clip, catalogPageSize: 2,
}));

// 1. REGISTER (challenge + digest answer) for every device, 100 in flight.
const cpu0 = cpuSeconds(pid)!;
const t0 = performance.now();
const registerMs: number[] = [];
let refused = 0;
await inParallel(devices, 100, async (d) => {
  const start = performance.now();
  if ((await d.register()).status !== 200) refused++;
  registerMs.push(performance.now() - start);
});
const registerSeconds = (performance.now() - t0) / 1000;
const registerCpu = ((cpuSeconds(pid)! - cpu0) / registerSeconds) * 100;

// 1b. Every device registering again at the same instant (a district after a power cut).
const retransmitted = host.sip.stats.retransmissions;
const tb = performance.now();
const burst = await Promise.all(devices.map((d) => d.register()));
const burstSeconds = (performance.now() - tb) / 1000;
const burstRetransmissions = host.sip.stats.retransmissions - retransmitted;

// 2. Keepalives from every device at the configured interval, steady state.
for (const d of devices) d.startKeepalive();
await new Promise((r) => setTimeout(r, 2000));
const sentBefore = host.keepalives.sent;
const cpu = (await measureCpu([pid, process.pid], 20)).get(pid) ?? 0;
const keepalivesPerSecond = (host.keepalives.sent - sentBefore) / 20;

// 3. Catalog of 100 devices × 4 channels (2 Response MESSAGEs each), all asked at once.
const catalogMs: number[] = [];
const tc = performance.now();
await Promise.all(ids.slice(0, CATALOG_DEVICES).map(async (id) => {
  const start = performance.now();
  await api(`/api/gb28181/devices/${id}/catalog`, { method: 'POST', body: '{}' });
  catalogMs.push(performance.now() - start);
}));
const catalogSeconds = (performance.now() - tc) / 1000;
const channels = ((await api('/api/channels?kind=gb28181&limit=1')) as { total?: number }).total;

// 4. INVITE → first HLS playlist, on-demand channels played one after another.
const playMs: number[] = [];
const firstFrameMs: number[] = [];
for (let i = 0; i < Math.min(PLAYS, CATALOG_DEVICES); i++) {
  const channelId = devices[i]!.channelIds[0]!;
  const start = performance.now();
  const play = (await api(`/api/channels/${channelId}/play`)) as { hls: string };
  const res = await fetch(`${base}${play.hls}`); // answers once the playlist exists
  if (!res.ok) throw new Error(`playlist of ${channelId}: ${res.status}`);
  playMs.push(performance.now() - start);
  const session = ((await api('/api/gb28181/sessions')) as { items: Array<{ channelId: string; startedAt: string; firstFrameAt?: string }> }).items.find((s) => s.channelId === channelId);
  if (session?.firstFrameAt) firstFrameMs.push(Date.parse(session.firstFrameAt) - Date.parse(session.startedAt));
}
const status = (await api('/api/gb28181/status')) as { registered: number; messages: { keepalives: number } };

process.stdout.write(`${JSON.stringify({
  devices: DEVICES,
  register: {
    seconds: round(registerSeconds), registrationsPerSecond: round(DEVICES / registerSeconds, 1), sipRequestsPerSecond: round((2 * DEVICES) / registerSeconds, 1),
    p50Ms: round(percentile(registerMs, 50)), p95Ms: round(percentile(registerMs, 95)), refused, gatewayCpuPercent: round(registerCpu, 1), registered: status.registered,
    allAtOnce: { seconds: round(burstSeconds), ok: burst.filter((r) => r.status === 200).length, udpRetransmissions: burstRetransmissions },
  },
  keepalive: { intervalSeconds: KEEPALIVE_S, perSecond: round(keepalivesPerSecond, 1), failed: host.keepalives.failed, errors: Object.fromEntries(keepaliveErrors), gatewayCpuPercent: round(cpu, 1), cpuPercentPer1000PerSecond: round((cpu / keepalivesPerSecond) * 1000, 2) },
  catalog: { devices: CATALOG_DEVICES, channelsPerDevice: 4, seconds: round(catalogSeconds), p50Ms: round(percentile(catalogMs, 50)), p95Ms: round(percentile(catalogMs, 95)), channelsInRegistry: channels },
  play: { samples: playMs.length, inviteToPlaylistMeanMs: round(mean(playMs)), inviteToPlaylistMaxMs: round(Math.max(...playMs)), inviteToFirstFrameMeanMs: round(mean(firstFrameMs)) },
}, null, 2)}\n`);

await host.close();
gw.proc.kill('SIGTERM');
await gw.exit;
rmSync(dataDir, { recursive: true, force: true });
