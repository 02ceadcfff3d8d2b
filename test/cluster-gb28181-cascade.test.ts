// Cascade (级联) from a cluster: two real gateway processes (PostgreSQL, NATS)
// with the same upper-platform configuration, and an upper platform made with
// our SIP library in this process. Exactly one node registers with it (the
// holder of the `gb28181-upper` lease), the other stands by and says who holds
// the links; an INVITE from above for an RTSP channel whose lease is on the
// node that does NOT hold the links gets that channel's video (started on
// demand on its owner, read from the owner's live.flv) as PS over RTP, decoded
// by ffprobe, and ends with a BYE when that node dies; after kill -9 of the
// holder the other node registers within the
// lease time; the killed node comes back and stands by; a clean stop of the
// holder unregisters and the other node registers at its next tick.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { TestUpper, UPPER_DOMAIN, UPPER_ID } from '../gateway/gb28181/cascade/test-upper.ts';
import type { SipRemote, SipRequest } from '../gateway/gb28181/sip/index.ts';
import { demuxPackets, startUpperMedia } from '../gateway/gb28181/upward/test-receiver.ts';
import { startGatewayCluster, type ClusterNodeProcess, type GatewayCluster } from './helpers/gateway-cluster.ts';
import { CLIP_DIR, countFrames, ffprobe, waitFor } from './helpers/video.ts';
import { startCameraSimulator, type CameraSimulator } from './sim/camera-sim.ts';

const TTL_S = 4;
const TICK_S = 0.5;
const OUR_ID = '31010100002000000001';
const PASSWORD = 'Cluster-Cascade-Pass-5';
const CAMERAS = ['cam-a', 'cam-b', 'cam-c', 'cam-d'];
const SSRC = '0100000007';
/** The 200 waits for the channel's first keyframe: an on-demand RTSP start on another node. */
const INVITE_TIMEOUT_MS = 45_000;

const dir = mkdtempSync(join(tmpdir(), 'gw-cluster-cascade-'));
let upper: TestUpper;
let sim: CameraSimulator;
let cluster: GatewayCluster;
/** Media receivers, closed in after() also when a test fails half-way. */
const receivers: Array<{ close(): void }> = [];
/** Each node's SIP port: the Via of what the upper platform receives names the node that sent it. */
const sipPortOf = new Map<string, number>();

before(async () => {
  upper = await TestUpper.start(PASSWORD);
  sim = await startCameraSimulator({ clipDir: CLIP_DIR, streams: CAMERAS.map((path) => ({ path, clip: 'h264-360p' })) });
  await sim.waitReady(CAMERAS[0]!, 60_000);
  const config = join(dir, 'gateway.yaml');
  // The same file for every node, as a cluster is deployed.
  writeFileSync(config, `gb28181:
  id: "${OUR_ID}"
  domain: "3101010000"
  upper:
    - id: "${UPPER_ID}"
      domain: "${UPPER_DOMAIN}"
      address: 127.0.0.1
      port: ${upper.port}
      transport: udp
      password: ${PASSWORD}
      registerSeconds: 60
      keepaliveSeconds: 1
      share: { all: true }
`);
  cluster = await startGatewayCluster({
    ttlSeconds: TTL_S, tickSeconds: TICK_S,
    args: [
      '--config', config, '--gb28181.enabled', 'true', '--gb28181.port', '0', '--gb28181.host', '127.0.0.1', '--gb28181.announceAddress', '127.0.0.1',
      '--gb28181.media.portMin', '0', '--gb28181.media.portMax', '0', '--gb28181.queryTimeoutSeconds', '3',
      '--video.startStaggerMs', '0', '--video.hls.listSize', '4', '--video.onDemandIdleSeconds', '30', '--detection.enabled', 'false',
    ],
  });
  for (const id of ['node-1', 'node-2']) {
    const n = await cluster.start(id);
    sipPortOf.set(id, (await n.json<{ platform: { sipPort: number } }>('/api/gb28181/status')).platform.sipPort);
  }
  for (const id of CAMERAS) {
    await node('node-1').json('/api/channels', { method: 'POST', body: JSON.stringify({ id, name: id, kind: 'rtsp', mode: 'on-demand', source: { url: sim.url(id) } }) });
  }
});

after(async () => {
  for (const rx of receivers) rx.close();
  await cluster?.close();
  await sim?.stop();
  await upper?.close();
  rmSync(dir, { recursive: true, force: true });
});

const node = (id: string): ClusterNodeProcess => {
  const n = cluster.nodes.get(id);
  if (!n) throw new Error(`${id} is not running`);
  return n;
};
const other = (id: string) => (id === 'node-1' ? 'node-2' : 'node-1');
const sipOf = (id: string): SipRemote => ({ transport: 'udp', address: '127.0.0.1', port: sipPortOf.get(id)! });

/** The node that sent a request to the upper platform, by the port in its Via. */
function senderOf(req: SipRequest): string {
  const port = Number(/:(\d+)/.exec(req.headers.getAll('Via')[0] ?? '')?.[1]);
  const found = [...sipPortOf].find(([, p]) => p === port);
  assert.ok(found, `a request from port ${port}, which is no node's`);
  return found[0];
}

interface Links { heldBy?: string | null; items: Array<{ id: string; state: string; reason?: string }> }

/** The upper links as each live node sees them, once they agree on a holder. */
async function agreedHolder(timeoutMs: number): Promise<{ holder: string; views: Map<string, Links> }> {
  return waitFor(async () => {
    const views = new Map<string, Links>();
    for (const n of cluster.nodes.values()) views.set(n.nodeId, await n.json<Links>('/api/gb28181/upper'));
    const holders = new Set([...views.values()].map((v) => v.heldBy));
    const [holder] = holders;
    return holders.size === 1 && typeof holder === 'string' && cluster.nodes.has(holder) ? { holder, views } : undefined;
  }, timeoutMs, 'every node naming the same live holder of the upper links');
}

let holder: string;

test('one node holds the upper links and registers; the other stands by and names it', async (t) => {
  await upper.until('registered', () => upper.registered, 30_000);
  const agreed = await agreedHolder(30_000);
  holder = agreed.holder;
  const standby = other(holder);
  await waitFor(async () => ((await node(holder).json<Links>('/api/gb28181/upper')).items[0]?.state === 'registered') || undefined, 15_000, 'the holder registered');
  const idle = (await node(standby).json<Links>('/api/gb28181/upper')).items[0]!;
  assert.equal(idle.state, 'standby');
  assert.equal(idle.reason, `node '${holder}' holds the upper links`);
  // Over several ticks of both nodes (keepalives every second): every request the upper platform got came from the holder.
  const seen = upper.bodies('Notify:Keepalive').length;
  await waitFor(() => (upper.bodies('Notify:Keepalive').length >= seen + 5 ? true : undefined), 20_000, 'five more keepalives');
  const senders = new Set([...upper.registers, ...upper.received.map((r) => r.req)].map(senderOf));
  assert.deepEqual([...senders], [holder], 'no request from the standby node');
  t.diagnostic(`holder ${holder}; ${upper.registers.length} REGISTERs and ${upper.bodies('Notify:Keepalive').length} keepalives, all from it`);
});

test('an INVITE from above for a channel leased on the node that does not hold the links: its video as PS/RTP, from the owner\'s ingest', async (t) => {
  const standby = other(holder);
  // A channel whose lease is on the standby node, as the holder sees it.
  const remote = await waitFor(async () => {
    const { items } = await node(holder).json<{ items: Array<{ channelId: string; node?: string }> }>('/api/channels/status');
    return items.find((s) => CAMERAS.includes(s.channelId) && s.node === standby)?.channelId;
  }, 30_000, `a camera leased on ${standby}`);
  const { gbCode } = await node(holder).json<{ gbCode: string }>(`/api/channels/${remote}`);
  assert.match(gbCode, /^\d{20}$/);
  const rx = await startUpperMedia('udp', Number(SSRC));
  receivers.push(rx);
  const sdp = `v=0\r\no=${UPPER_ID} 0 0 IN IP4 127.0.0.1\r\ns=Play\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=video ${rx.port} RTP/AVP 96\r\na=recvonly\r\na=rtpmap:96 PS/90000\r\ny=${SSRC}\r\n`;
  const call = await upper.invite(sipOf(holder), gbCode, sdp, INVITE_TIMEOUT_MS);
  assert.equal(call.res.status, 200, `${call.res.status} ${call.res.reason}`);
  upper.ack(sipOf(holder), call.req, call.res);
  // The on-demand channel was started on its owner by the INVITE, and runs there only.
  const onOwner = await node(standby).json<{ state: string; running: boolean; node?: string }>(`/api/channels/${remote}/status`);
  assert.equal(onOwner.node, undefined, 'the owner runs it itself');
  const onHolder = await node(holder).json<{ node?: string }>(`/api/channels/${remote}/status`);
  assert.equal(onHolder.node, standby);
  const keyframes = () => demuxPackets(rx.packets).filter((f) => f.keyframe).length;
  await waitFor(() => (keyframes() >= 3 ? true : undefined), 60_000, 'three keyframes at the upper platform');
  assert.equal((await upper.bye(sipOf(holder), call.req, call.res)).status, 200);
  rx.close();

  const frames = demuxPackets(rx.packets);
  assert.ok(rx.packets.every((p) => p.ssrc === Number(SSRC) && p.payloadType === 96));
  const es = join(dir, 'up.h264');
  writeFileSync(es, Buffer.concat(frames.map((f) => f.data)));
  const [stream] = await ffprobe(es, ['-f', 'h264']);
  assert.deepEqual([stream?.codec_name, stream?.width, stream?.height], ['h264', 640, 360]);
  assert.ok((await countFrames(es)) >= frames.length - 1, 'ffmpeg decodes every frame');
  t.diagnostic(`${remote} (lease on ${standby}) sent up by ${holder}: ${frames.length} frames, ${keyframes()} keyframes, ${rx.packets.length} RTP packets`);
});

test('the node running the channel dies during the call: the session ends with a BYE to the upper platform', async (t) => {
  const standby = other(holder);
  const { items } = await node(holder).json<{ items: Array<{ channelId: string; node?: string }> }>('/api/channels/status');
  const remote = items.find((s) => CAMERAS.includes(s.channelId) && s.node === standby)!.channelId;
  const { gbCode } = await node(holder).json<{ gbCode: string }>(`/api/channels/${remote}`);
  const rx = await startUpperMedia('udp', Number(SSRC));
  receivers.push(rx);
  const sdp = `v=0\r\no=${UPPER_ID} 0 0 IN IP4 127.0.0.1\r\ns=Play\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=video ${rx.port} RTP/AVP 96\r\ny=${SSRC}\r\n`;
  const call = await upper.invite(sipOf(holder), gbCode, sdp, INVITE_TIMEOUT_MS);
  assert.equal(call.res.status, 200, `${call.res.status} ${call.res.reason}`);
  upper.ack(sipOf(holder), call.req, call.res);
  await waitFor(() => (demuxPackets(rx.packets).some((f) => f.keyframe) ? true : undefined), 60_000, 'video at the upper platform');
  const callId = call.req.headers.get('Call-ID');
  await cluster.kill(standby);
  const bye = await waitFor(() => upper.received.find((r) => r.method === 'BYE' && r.req.headers.get('Call-ID') === callId), 30_000, 'a BYE for the call');
  assert.equal(senderOf(bye.req), holder);
  rx.close();
  t.diagnostic(`BYE from ${holder} after ${standby}, which ran ${remote}, was killed`);
  // Back for the takeover below.
  const n = await cluster.start(standby);
  sipPortOf.set(standby, (await n.json<{ platform: { sipPort: number } }>('/api/gb28181/status')).platform.sipPort);
  await agreedHolder(30_000);
});

test('kill -9 of the holder: the other node registers within the lease time', async (t) => {
  const survivor = other(holder);
  const before = upper.registers.length;
  const killedAt = Date.now();
  await cluster.kill(holder);
  await waitFor(() => upper.registers.slice(before).find((r) => senderOf(r) === survivor), 60_000, `a REGISTER from ${survivor}`);
  const tookMs = Date.now() - killedAt;
  t.diagnostic(`${survivor} registered ${tookMs} ms after the kill (lease ${TTL_S} s, tick ${TICK_S} s)`);
  // The dead node's term runs out by the database's clock, and the survivor takes it at its next tick
  // (the bound leaves room for a busy machine; the figure is printed above).
  assert.ok(tookMs < (TTL_S + 10) * 1000, `took ${tookMs} ms`);
  const links = await waitFor(async () => {
    const v = await node(survivor).json<Links>('/api/gb28181/upper');
    return v.items[0]?.state === 'registered' ? v : undefined;
  }, 15_000, `${survivor} registered`);
  assert.equal(links.heldBy, survivor);
  assert.ok(upper.registered);
});

test('the killed node returns and stands by; a clean stop of the holder unregisters and hands the links over at once', async (t) => {
  const returning = holder;
  const current = other(returning);
  const n = await cluster.start(returning);
  sipPortOf.set(returning, (await n.json<{ platform: { sipPort: number } }>('/api/gb28181/status')).platform.sipPort);
  const agreed = await agreedHolder(30_000);
  assert.equal(agreed.holder, current, 'the links stay where they are');
  assert.equal(agreed.views.get(returning)!.items[0]!.state, 'standby');
  const cluster1 = await n.json<{ singletons: Record<string, string | null> }>('/api/cluster');
  assert.deepEqual(cluster1.singletons, { 'gb28181-upper': current });

  // SIGTERM: the holder unregisters (Expires 0), gives the lease back, and the other takes it at its next tick.
  const before = upper.registers.length;
  const stopping = node(current);
  cluster.nodes.delete(current);
  const stoppedAt = Date.now();
  stopping.gw.proc.kill('SIGTERM');
  await stopping.gw.exit;
  const since = () => upper.registers.slice(before);
  // Sent before the node exited; read here as soon as this (busy) process gets to it.
  await waitFor(() => since().find((r) => senderOf(r) === current && r.headers.get('Expires') === '0'), 10_000, `${current} unregistering as it stopped`);
  await waitFor(() => since().find((r) => senderOf(r) === returning), 30_000, `a REGISTER from ${returning}`);
  t.diagnostic(`${returning} registered ${Date.now() - stoppedAt} ms after ${current} was told to stop`);
  const order = since().map((r) => `${senderOf(r)}:${r.headers.get('Expires')}`);
  assert.ok(order.indexOf(`${current}:0`) < order.findIndex((o) => o.startsWith(returning)), `unregister before the new registration: ${order.join(' ')}`);
  await waitFor(async () => ((await n.json<Links>('/api/gb28181/upper')).items[0]?.state === 'registered') || undefined, 15_000, `${returning} registered`);
  assert.ok(upper.registered);
});
