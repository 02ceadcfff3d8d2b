// GB28181 failover across gateway nodes: two real gateway processes (one
// PostgreSQL, one nats-server) behind a real Kamailio running the shipped
// docker/kamailio/kamailio.cfg (its own probe and timeout settings), and N
// simulated devices behind one SIP socket that register, keep alive and
// register again when a keepalive is refused, as devices do. Kamailio's hash
// spreads the devices over the nodes; a sample of channels is watched through
// the other node. Then the node holding the most devices is killed with -9,
// and the bench times, per device, how long until it is registered with the
// survivor, and, for the sample, until its channel plays there. Prints JSON.
//   node --import tsx bench/gb28181-failover.ts [--devices 1000] [--keepalive 5] [--samples 5]
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { startGatewayCluster, type ClusterNodeProcess } from '../test/helpers/gateway-cluster.ts';
import { startKamailio } from '../test/helpers/kamailio.ts';
import { ensureGbClip, GbSimHost } from '../test/sim/gbsim/index.ts';
import { stayRegistered } from '../test/sim/gbsim/stay-registered.ts';
import { cpuSeconds, percentile, postgresCpuSeconds, round } from './proc.ts';

const { values } = parseArgs({ options: { devices: { type: 'string', default: '1000' }, keepalive: { type: 'string', default: '5' }, samples: { type: 'string', default: '5' } } });
const DEVICES = Number(values.devices);
const KEEPALIVE_S = Number(values.keepalive);
const SAMPLES = Number(values.samples);
/** Every tenth device has one camera channel (the catalog of the others is empty). */
const WITH_CHANNEL = (i: number) => i % 10 === 0;
const PASSWORD = 'bench-failover-pass';
const PLATFORM = { id: '34020000002000000001', domain: '3402000000' };
const TTL_S = 15;
const TICK_S = 3;

const inParallel = async <T>(items: T[], width: number, fn: (item: T) => Promise<void>) => {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
};
const waitUntil = async <T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

const cluster = await startGatewayCluster({
  ttlSeconds: TTL_S, tickSeconds: TICK_S,
  args: [
    '--gb28181.enabled', 'true', '--gb28181.host', '127.0.0.1', '--gb28181.port', '0', '--gb28181.announceAddress', '127.0.0.1', '--gb28181.edgeProxies', '[127.0.0.1]',
    '--gb28181.keepalive.intervalSeconds', String(KEEPALIVE_S), '--gb28181.media.portMin', '0', '--gb28181.media.portMax', '0',
    // Every simulated device sits at 127.0.0.1 behind its proxy: the per-address REGISTER flood guard is opened for the run.
    '--gb28181.register.ratePerSecond', '10000', '--gb28181.register.burst', '100000',
    '--video.startStaggerMs', '0', '--video.onDemandIdleSeconds', '600', '--detection.enabled', 'false', '--sensors.enabled', 'false',
  ],
});
let kamailio: Awaited<ReturnType<typeof startKamailio>> | undefined;
let host: GbSimHost | undefined;
const stays: Array<{ stop(): void }> = [];
try {
  const nodes = await Promise.all(['node-1', 'node-2'].map((id) => cluster.start(id)));
  const sipPorts = await Promise.all(nodes.map(async (n) => (await n.json<{ platform: { sipPort: number } }>('/api/gb28181/status')).platform.sipPort));
  kamailio = await startKamailio({ nodes: sipPorts });
  const ids = Array.from({ length: DEVICES }, (_, i) => `3402000000118${String(i + 1).padStart(7, '0')}`);
  await inParallel(ids, 16, async (id) => {
    await nodes[0]!.json('/api/gb28181/devices', { method: 'POST', body: JSON.stringify({ id, name: `NVR ${id.slice(-4)}`, password: PASSWORD }) });
  });

  const clip = await ensureGbClip();
  const keepaliveErrors = new Map<string, number>();
  host = await GbSimHost.start({
    platform: { host: '127.0.0.1', port: kamailio.port, ...PLATFORM },
    onKeepaliveError: (_d, err) => keepaliveErrors.set(err.message, (keepaliveErrors.get(err.message) ?? 0) + 1),
  });
  const lastRegistered = new Map<string, number>();
  const devices = ids.map((deviceId, i) => host!.addDevice({ deviceId, password: PASSWORD, channels: WITH_CHANNEL(i) ? 1 : 0, keepaliveSeconds: KEEPALIVE_S, clip }));
  for (const d of devices) {
    stays.push(stayRegistered(d, (line) => {
      if (line.startsWith(`${d.deviceId} registered`)) lastRegistered.set(d.deviceId, performance.now());
    }, 1000));
  }

  const registrations = async (n: ClusterNodeProcess) => (await n.json<{ items: Array<{ deviceId: string }> }>('/api/gb28181/registrations')).items.map((r) => r.deviceId);
  const t0 = performance.now();
  const placed = await waitUntil(async () => {
    const by = await Promise.all(nodes.map(registrations));
    return by[0]!.length + by[1]!.length === DEVICES ? by : undefined;
  }, 300_000, 'every device registered');
  const initialRegistrationSeconds = (performance.now() - t0) / 1000;
  const [victim, survivor] = placed[0]!.length >= placed[1]!.length ? [nodes[0]!, nodes[1]!] : [nodes[1]!, nodes[0]!];
  const orphans = new Set(placed[nodes.indexOf(victim)]!);
  const channelCount = async () => (await survivor.json<{ items: unknown[] }>('/api/channels?kind=gb28181&limit=1000')).items.length;
  await waitUntil(async () => ((await channelCount()) === devices.filter((_, i) => WITH_CHANNEL(i)).length ? true : undefined), 120_000, 'every catalog channel in the registry')
    .catch(async (err: Error) => {
      throw new Error(`${err.message} (${await channelCount()} there)\n${await whyNot(nodes, kamailio!)}`);
    });

  // A wall on the survivor watches a few of the victim's cameras (proxied to the victim).
  const sample = devices.filter((d) => orphans.has(d.deviceId) && d.channelIds.length).slice(0, SAMPLES).map((d) => d.channelIds[0]!);
  const playing = async (channelId: string, local: boolean) => {
    const { hls } = await survivor.json<{ hls: string }>(`/api/channels/${channelId}/play`);
    const res = await survivor.api(hls);
    const text = await res.text();
    const servedHere = res.headers.get('x-gw-served-by') === null;
    return res.status === 200 && /^seg-\d+\.ts$/m.test(text) && servedHere === local ? true : undefined;
  };
  for (const c of sample) await waitUntil(() => playing(c, false), 60_000, `${c} playing through the survivor`);
  const keepaliveFailuresBefore = [...keepaliveErrors.values()].reduce((a, b) => a + b, 0);

  // kill -9 the node holding the most devices.
  const cpu0 = { survivor: cpuSeconds(survivor.gw.proc.pid!) ?? 0, kamailio: postgresCpuSeconds(kamailio.pid), pg: postgresCpuSeconds(cluster.postgres.pid()!) };
  const killedAt = performance.now();
  await cluster.kill(victim.nodeId);
  const playableMs = new Map<string, number>();
  const samplesDone = Promise.all(sample.map(async (c) => {
    await waitUntil(() => playing(c, true), 300_000, `${c} playing on the survivor`);
    playableMs.set(c, performance.now() - killedAt);
  }));
  await waitUntil(async () => ((await registrations(survivor)).length === DEVICES ? true : undefined), 300_000, 'every device registered with the survivor');
  const allRegisteredMs = performance.now() - killedAt;
  const failoverSeconds = allRegisteredMs / 1000;
  const cpu1 = { survivor: cpuSeconds(survivor.gw.proc.pid!) ?? 0, kamailio: postgresCpuSeconds(kamailio.pid), pg: postgresCpuSeconds(cluster.postgres.pid()!) };
  await samplesDone;
  const moved = [...orphans].map((id) => (lastRegistered.get(id) ?? Infinity) - killedAt).filter((ms) => ms > 0 && Number.isFinite(ms));
  const stat = (xs: number[]) => ({ p50: round(percentile(xs, 50)), p95: round(percentile(xs, 95)), max: round(Math.max(...xs)) });

  process.stdout.write(`${JSON.stringify({
    bench: 'gb28181-failover',
    devices: DEVICES,
    nodes: 2,
    keepaliveSeconds: KEEPALIVE_S,
    kamailio: { config: 'docker/kamailio/kamailio.cfg', pingIntervalSeconds: 2, nodeTimeoutMs: 2000 },
    initialRegistrationSeconds: round(initialRegistrationSeconds),
    devicesPerNode: { [nodes[0]!.nodeId]: placed[0]!.length, [nodes[1]!.nodeId]: placed[1]!.length },
    killed: victim.nodeId,
    devicesMoved: orphans.size,
    reRegisteredMs: stat(moved),
    allRegisteredOnSurvivorMs: round(allRegisteredMs),
    samplePlayableAgainMs: sample.map((c) => round(playableMs.get(c) ?? NaN)),
    keepaliveFailures: [...keepaliveErrors.values()].reduce((a, b) => a + b, 0) - keepaliveFailuresBefore,
    keepaliveFailureKinds: Object.fromEntries(keepaliveErrors),
    cpuPercentDuringFailover: {
      survivor: round(((cpu1.survivor - cpu0.survivor) / failoverSeconds) * 100, 1),
      kamailio: round(((cpu1.kamailio - cpu0.kamailio) / failoverSeconds) * 100, 1),
      postgres: round(((cpu1.pg - cpu0.pg) / failoverSeconds) * 100, 1),
    },
  }, null, 2)}\n`);
} finally {
  for (const s of stays) s.stop();
  await host?.close();
  await cluster.close();
  await kamailio?.stop();
}

/** What went wrong, when the catalogs did not all arrive: each node's query counters and warnings by kind, and Kamailio's first complaints. */
async function whyNot(nodes: ClusterNodeProcess[], lb: { log(): string }): Promise<string> {
  const lines: string[] = [];
  for (const n of nodes) {
    const status = await n.json<Record<string, unknown>>('/api/gb28181/status');
    lines.push(`${n.nodeId}: ${JSON.stringify({ queries: status.queries, catalog: status.catalog })}`);
    const warnings = new Map<string, number>();
    for (const line of n.gw.stdout().split('\n')) {
      if (!/"level":(40|50)/.test(line)) continue;
      const { msg, err } = JSON.parse(line) as { msg: string; err?: unknown };
      const kind = `${msg} ${String(err ?? '').replace(/\d{20}/g, '<id>').slice(0, 120)}`;
      warnings.set(kind, (warnings.get(kind) ?? 0) + 1);
    }
    for (const [kind, count] of warnings) lines.push(`  ${count} × ${kind}`);
  }
  lines.push('kamailio:', ...lb.log().split('\n').filter((l) => /ERROR|WARNING/.test(l)).slice(0, 30));
  return lines.join('\n');
}
