// GB28181 and RTMP across nodes: two real gateway processes (PostgreSQL,
// NATS) behind a real Kamailio (docker/kamailio/kamailio.cfg). Simulated
// GB28181 devices register through Kamailio's one address and are spread over
// the nodes by the hash of their id; each channel plays (HLS, decoded by
// ffprobe) from the node that does NOT hold its device, through the media
// proxy. After kill -9 of a node, Kamailio stops sending to it, its devices
// register with the survivor and their channels play there again (the time is
// printed). An RTMP push to one node plays through the other, and moves when
// the encoder pushes to the other node instead.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { DOMAIN, PLATFORM_ID } from './helpers/gb28181.ts';
import { startGatewayCluster, type ClusterNodeProcess, type GatewayCluster } from './helpers/gateway-cluster.ts';
import { startKamailio, type Kamailio } from './helpers/kamailio.ts';
import { CLIP_DIR, ffprobe, waitFor } from './helpers/video.ts';
import { ensureClip } from './sim/clips.ts';
import { ensureGbClip, GbSimHost, type GbDeviceSim } from './sim/gbsim/index.ts';
import { stayRegistered, type StayRegistered } from './sim/gbsim/stay-registered.ts';
import { publish, type Publisher } from './sim/publisher.ts';

const TTL_S = 4;
const TICK_S = 0.5;
const KEEPALIVE_S = 1;
const PASSWORD = 'gb-cluster-pass-01';
/** Fixed ids: Kamailio's hash over them puts devices on both nodes. The last one speaks SIP over TCP. */
const DEVICE_IDS = Array.from({ length: 6 }, (_, i) => `3402000000132000${String(301 + i).padStart(4, '0')}`);
const TCP_DEVICE = DEVICE_IDS[DEVICE_IDS.length - 1]!;

const GB_ARGS = [
  '--gb28181.enabled', 'true', '--gb28181.host', '127.0.0.1', '--gb28181.announceAddress', '127.0.0.1',
  '--gb28181.edgeProxies', '[127.0.0.1]', '--gb28181.keepalive.intervalSeconds', String(KEEPALIVE_S), '--gb28181.keepalive.missed', '3',
  '--gb28181.media.portMin', '0', '--gb28181.media.portMax', '0', '--gb28181.media.rtpTimeoutSeconds', '3', '--gb28181.inviteTimeoutSeconds', '3',
  '--gb28181.register.ratePerSecond', '1000', '--gb28181.register.burst', '1000', '--gb28181.queryTimeoutSeconds', '5',
];
const VIDEO_ARGS = [
  '--video.startStaggerMs', '0', '--video.hls.listSize', '4', '--video.onDemandIdleSeconds', '30', '--detection.enabled', 'false',
  '--video.backoff.initialMs', '300', '--video.backoff.maxMs', '1500',
];

let cluster: GatewayCluster;
let kamailio: Kamailio;
let host: GbSimHost;
let tcpHost: GbSimHost;
let devices: GbDeviceSim[];
let stays: StayRegistered[];
const simLog: string[] = [];
/** Each node's SIP port: Kamailio's node list names them, so a node that comes back must listen there again. */
const sipPortOf = new Map<string, number>();
/** Where Kamailio's hash put each device with both nodes up (test 1). */
let firstPlacement = new Map<string, string>();
/** The device that went quiet with the killed node (test 3). */
let quietDevice: string | undefined;
/** What reached the TCP device's socket, as METHOD/transport. */
const tcpDeviceGot: string[] = [];

/** Starts a node with its SIP port (0: any free one), given through the environment as the helper gives every node the same flags. */
async function startNode(nodeId: string, sipPort = 0): Promise<ClusterNodeProcess> {
  process.env.GATEWAY_GB28181__PORT = String(sipPort);
  try {
    const n = await cluster.start(nodeId);
    sipPortOf.set(nodeId, (await n.json<{ platform: { sipPort: number } }>('/api/gb28181/status')).platform.sipPort);
    return n;
  } finally {
    delete process.env.GATEWAY_GB28181__PORT;
  }
}

before(async () => {
  cluster = await startGatewayCluster({ ttlSeconds: TTL_S, tickSeconds: TICK_S, args: [...GB_ARGS, ...VIDEO_ARGS] });
  const nodes = [await startNode('node-1'), await startNode('node-2')];
  kamailio = await startKamailio({ nodes: [sipPortOf.get('node-1')!, sipPortOf.get('node-2')!], pingIntervalSeconds: 1, nodeTimeoutMs: 1000 });
  for (const id of DEVICE_IDS) {
    await nodes[0]!.json('/api/gb28181/devices', { method: 'POST', body: JSON.stringify({ id, name: `路口设备 ${id.slice(-3)}`, password: PASSWORD }) });
  }
  const clip = await ensureGbClip();
  const platform = { host: '127.0.0.1', port: kamailio.port, id: PLATFORM_ID, domain: DOMAIN };
  host = await GbSimHost.start({ platform });
  tcpHost = await GbSimHost.start({ platform, sipTransport: 'tcp' });
  tcpHost.sip.transport.on('message', (m, remote) => {
    if (m.kind === 'request') tcpDeviceGot.push(`${m.method}/${remote.transport}`);
  });
  devices = DEVICE_IDS.map((deviceId) => (deviceId === TCP_DEVICE ? tcpHost : host).addDevice({ deviceId, password: PASSWORD, channels: 1, clip, keepaliveSeconds: KEEPALIVE_S }));
  stays = devices.map((d) => stayRegistered(d, (line) => simLog.push(`${new Date().toISOString()} ${line}`), 1000));
});

after(async () => {
  for (const s of stays ?? []) s.stop();
  await host?.close();
  await tcpHost?.close();
  await cluster?.close();
  await kamailio?.stop();
});

const node = (id: string): ClusterNodeProcess => {
  const n = cluster.nodes.get(id);
  if (!n) throw new Error(`${id} is not running`);
  return n;
};
const other = (id: string) => (id === 'node-1' ? 'node-2' : 'node-1');

interface Registration { deviceId: string; address: string; port: number; proxy?: string }

/** Device → the node it is registered with, from every live node (a device on two nodes fails the test). */
async function holders(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const n of cluster.nodes.values()) {
    const { items } = await n.json<{ items: Registration[] }>('/api/gb28181/registrations');
    for (const r of items) {
      assert.ok(!out.has(r.deviceId), `${r.deviceId} registered on ${out.get(r.deviceId)} and ${n.nodeId}`);
      out.set(r.deviceId, n.nodeId);
    }
  }
  return out;
}

/** Plays a channel from `via` until a playlist lists a segment; returns who served it and the HLS URL. */
async function playFrom(via: ClusterNodeProcess, channelId: string, timeoutMs: number): Promise<{ url: string; servedBy: string | null }> {
  return waitFor(async () => {
    const { hls } = await via.json<{ hls: string }>(`/api/channels/${channelId}/play`);
    const res = await via.api(hls);
    const text = await res.text();
    if (res.status !== 200 || !/^seg-\d+\.ts$/m.test(text)) return undefined;
    return { url: `${via.url}${hls}`, servedBy: res.headers.get('x-gw-served-by') };
  }, timeoutMs, `channel ${channelId} playing from ${via.nodeId}`);
}

test('devices register through Kamailio, spread over both nodes; each channel plays from the node that does not hold its device', async (t) => {
  const placed = await waitFor(async () => {
    const h = await holders();
    return h.size === DEVICE_IDS.length ? h : undefined;
  }, 60_000, 'every device registered through Kamailio');
  t.diagnostic(`devices by node: ${JSON.stringify([...placed].map(([d, n]) => `${d.slice(-3)}→${n}`))}`);
  firstPlacement = placed;
  assert.deepEqual(new Set(placed.values()), new Set(['node-1', 'node-2']), 'the hash puts devices on both nodes');
  // The image's health check (docker/kamailio/healthcheck.sh) finds this Kamailio healthy.
  execFileSync(resolve('docker/kamailio/healthcheck.sh'), [String(kamailio.port)], { timeout: 10_000 });
  // Each node saw the device behind the proxy: the device's own address, Kamailio as the proxy.
  for (const n of cluster.nodes.values()) {
    for (const r of (await n.json<{ items: Registration[] }>('/api/gb28181/registrations')).items) {
      assert.equal(r.proxy, `127.0.0.1:${kamailio.port}`);
      // The device's own address, read from the Via below Kamailio's (over TCP: the port of its connection to Kamailio).
      if (r.deviceId !== TCP_DEVICE) assert.equal(r.port, host.port);
      else assert.notEqual(r.port, kamailio.port);
    }
  }
  // The catalog query went from each holder to its devices through Kamailio (along the Path).
  await waitFor(async () => ((await node('node-1').json<{ items: unknown[] }>('/api/channels?kind=gb28181&limit=100')).items.length === DEVICE_IDS.length || undefined),
    30_000, 'one catalog channel per device');

  // One device of each node, and the one on TCP (Kamailio reaches it over the connection it opened).
  const played = new Set([...['node-1', 'node-2'].map((n) => devices.find((d) => placed.get(d.deviceId) === n)!), devices.find((d) => d.deviceId === TCP_DEVICE)!]);
  for (const device of played) {
    const holder = placed.get(device.deviceId)!;
    const channelId = device.channelIds[0]!;
    const viewer = node(other(holder));
    const { url, servedBy } = await playFrom(viewer, channelId, 40_000);
    assert.equal(servedBy, holder, `${channelId} is proxied from ${viewer.nodeId} to ${holder}, which holds its device`);
    const [video] = await ffprobe(url);
    assert.equal(video?.codec_name, 'h264');
    assert.equal(video?.width, 640);
    // The viewer's node knows where it runs and left its status to the holder.
    const status = await viewer.json<{ state: string; node?: string }>(`/api/channels/${channelId}/status`);
    assert.equal(status.node, holder);
    const row = await viewer.json<{ status: { state: string; reason?: string } }>(`/api/channels/${channelId}`);
    assert.equal(row.status.state, 'online', `registry status of ${channelId}: ${JSON.stringify(row.status)}`);
    assert.ok(device.received.invites >= 1);
    if (device.deviceId === TCP_DEVICE) {
      // Kamailio reached it over the connection it opened: the query along its Path, the ACK along the alias of its 200.
      for (const m of ['MESSAGE/tcp', 'INVITE/tcp', 'ACK/tcp']) assert.ok(tcpDeviceGot.includes(m), `${m} in ${tcpDeviceGot.join(' ')}`);
      assert.deepEqual(tcpDeviceGot.filter((m) => m.endsWith('/udp')), []);
    }
    // PTZ: the device's answers reach the node it registered with, so that node asks it; the other one says where.
    const refused = await viewer.api(`/api/channels/${channelId}/ptz`, { method: 'POST', body: JSON.stringify({ pan: 'left', panSpeed: 100 }) });
    assert.equal(refused.status, 409);
    assert.match(await refused.text(), new RegExp(`registered with node ${holder}`));
    const ptzBefore = device.received.ptz.length;
    await node(holder).json(`/api/channels/${channelId}/ptz`, { method: 'POST', body: JSON.stringify({ pan: 'left', panSpeed: 100 }) });
    assert.equal(device.received.ptz.length, ptzBefore + 1, 'the PTZ MESSAGE reached the device through Kamailio');
  }
});

test('RTMP: a push to one node plays through the other; the encoder pushing to the other node moves it', async () => {
  const pushKey = 'cluster-drone-push-key-0001';
  await node('node-1').json('/api/channels', { method: 'POST', body: JSON.stringify({ id: 'drone-1', name: '无人机 1', kind: 'rtmp', source: { pushKey } }) });
  const clip = await ensureClip('h264-360p', CLIP_DIR);
  const rtmpPort = async (n: ClusterNodeProcess) => (await n.json<{ rtmp: { port: number } }>('/api/video/ingest')).rtmp.port;
  let pusher: Publisher | undefined;
  try {
    for (const [encoderTo, viewer] of [['node-1', 'node-2'], ['node-2', 'node-1']] as const) {
      pusher = publish(clip, `rtmp://127.0.0.1:${await rtmpPort(node(encoderTo))}/live/${pushKey}`, { format: 'flv' });
      const { url, servedBy } = await waitFor(async () => {
        const played = await playFrom(node(viewer), 'drone-1', 5000).catch(() => undefined);
        return played?.servedBy === encoderTo ? played : undefined;
      }, 60_000, `drone-1 pushed to ${encoderTo}, served through ${viewer}`);
      assert.equal(servedBy, encoderTo);
      assert.equal((await ffprobe(url))[0]?.codec_name, 'h264');
      await pusher.stop();
      pusher = undefined;
    }
  } finally {
    await pusher?.stop();
  }
});

test('kill -9 of a node: its devices register with the survivor through Kamailio and their channels play there again; one that does not is offline, not stuck on the dead node', async (t) => {
  const placed = await holders();
  const victim = 'node-1';
  const survivor = node('node-2');
  const orphans = devices.filter((d) => placed.get(d.deviceId) === victim);
  assert.ok(orphans.length >= 2);
  const watched = orphans[0]!.channelIds[0]!;
  // Watched from the survivor before: proxied to the victim.
  assert.equal((await playFrom(survivor, watched, 30_000)).servedBy, victim);
  // One of the victim's devices goes quiet with it (a power cut on that street): it will not register again.
  const gone = orphans.find((d) => d.deviceId !== TCP_DEVICE && d !== orphans[0])!;
  stays[devices.indexOf(gone)]!.stop();
  quietDevice = gone.deviceId;
  const back = orphans.filter((d) => d !== gone);

  const t0 = Date.now();
  await cluster.kill(victim);
  await waitFor(async () => {
    const h = await holders();
    return back.every((d) => h.get(d.deviceId) === 'node-2') || undefined;
  }, 60_000, 'the dead node\'s devices registered with the survivor');
  const registeredMs = Date.now() - t0;
  const again = await playFrom(survivor, watched, 60_000);
  const playingMs = Date.now() - t0;
  assert.equal(again.servedBy, null, 'served by the survivor itself');
  assert.equal((await ffprobe(again.url))[0]?.codec_name, 'h264');
  t.diagnostic(`kill -9 ${victim}: its ${back.length} devices registered with node-2 after ${registeredMs} ms; ${watched} playing again there after ${playingMs} ms ` +
    `(keepalive ${KEEPALIVE_S} s, Kamailio probe 1 s and node timeout 1 s, lease time ${TTL_S} s)`);
  assert.ok(playingMs < 60_000);
  // Their registry status is the survivor's word: online.
  for (const d of back) {
    const row = await survivor.json<{ status: { state: string } }>(`/api/gb28181/devices/${d.deviceId}`);
    assert.equal(row.status.state, 'online', d.deviceId);
  }
  // The quiet one: once the dead node's record stops counting (its heartbeat older than the lease time), the
  // survivor says it is offline and why, and serves its channel itself (503 with the reason) instead of proxying to the dead node.
  const status = await waitFor(async () => {
    const row = await survivor.json<{ status: { state: string; reason?: string } }>(`/api/gb28181/devices/${gone.deviceId}`);
    return row.status.state === 'offline' ? row.status : undefined;
  }, TTL_S * 1000 + 40_000, 'the quiet device offline'); // beyond one 30 s re-read of the origins table, the backstop for a claim heard late on a busy machine
  assert.match(status.reason ?? '', /node node-1 .*left the cluster/);
  const { hls } = await survivor.json<{ hls: string }>(`/api/channels/${gone.channelIds[0]}/play`);
  const res = await survivor.api(hls);
  assert.equal(res.status, 503);
  assert.equal(res.headers.get('x-gw-served-by'), null);
  assert.match(await res.text(), /device offline: node node-1/);
});

test('the dead node comes back: Kamailio\'s hash gives it its devices again at their next keepalive, each held by one node, their channels playing through the other', async (t) => {
  const t0 = Date.now();
  const back = await startNode('node-1', sipPortOf.get('node-1'));
  const started = Date.now() - t0;
  // The same hash as at first: every device that was on node-1 and still talks goes back to it; the others stay.
  const expected = new Map([...firstPlacement].filter(([id]) => id !== quietDevice));
  const placed = await waitFor(async () => {
    const h = await holders();
    return [...expected].every(([id, n]) => h.get(id) === n) && h.size === expected.size ? h : undefined;
  }, 60_000, 'every device on its first node again');
  t.diagnostic(`node-1 back (started in ${started} ms): ${[...placed.values()].filter((n) => n === 'node-1').length} devices registered with it again ${Date.now() - t0} ms after its start`);
  const returned = devices.find((d) => placed.get(d.deviceId) === 'node-1')!;
  const { url, servedBy } = await playFrom(node('node-2'), returned.channelIds[0]!, 40_000);
  assert.equal(servedBy, 'node-1');
  assert.equal((await ffprobe(url))[0]?.codec_name, 'h264');
  // node-2 let the device go without a word: its status is node-1's, online.
  const row = await back.json<{ status: { state: string } }>(`/api/gb28181/devices/${returned.deviceId}`);
  assert.equal(row.status.state, 'online');
});
