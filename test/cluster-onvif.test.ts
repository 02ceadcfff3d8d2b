// ONVIF cameras in a cluster: two real gateway processes on one real
// PostgreSQL and nats-server, four simulated ONVIF cameras (test/sim/onvif).
// Each camera's events are subscribed by one node only (the one holding its
// channel's lease): the camera sees one PullPoint, an event is one incident.
// The node holding a camera is killed with -9: the other subscribes it once
// the lease expires, a repeat of the event already raised changes nothing
// (its candidate id is the same on every node) and a new event raises. PTZ
// works from either node (HTTP to the camera).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startGatewayCluster, type ClusterNodeProcess, type GatewayCluster } from './helpers/gateway-cluster.ts';
import { waitFor } from './helpers/video.ts';
import { OnvifSimHost, simEvents, type OnvifDeviceSim } from './sim/onvif/index.ts';

const USER = 'admin';
const PASSWORD = 'Sim-pass-42';
const TTL_SECONDS = 4;
const TERMINATION_SECONDS = 10;

interface EventsStatus { channelId: string; state: string; node?: string | null; reason?: string; subscriptions?: number }
interface Incident { id: string; type: string; count: number; source: { kind: string; id: string } }

/** Two nodes and `count` simulated cameras added as ONVIF channels (on demand: nobody watches, so no ingest runs; the channels are still leased). */
function camerasInACluster(count: number, args: string[] = []) {
  const ctx = {
    host: undefined as unknown as OnvifSimHost,
    cluster: undefined as unknown as GatewayCluster,
    cams: [] as OnvifDeviceSim[],
    ids: [] as string[],
  };
  const node = (id: string): ClusterNodeProcess => {
    const n = ctx.cluster.nodes.get(id);
    if (!n) throw new Error(`${id} is not running`);
    return n;
  };
  const statusOn = async (nodeId: string): Promise<EventsStatus[]> => (await node(nodeId).json<{ items: EventsStatus[] }>('/api/onvif/events/status')).items;
  /** Each camera's subscriber, when both nodes agree and that node says subscribed. */
  const subscribers = async (): Promise<Map<string, string> | undefined> => {
    const [a, b] = await Promise.all([statusOn('node-a'), statusOn('node-b')]);
    const out = new Map<string, string>();
    for (const id of ctx.ids) {
      const sa = a.find((s) => s.channelId === id);
      const sb = b.find((s) => s.channelId === id);
      if (!sa?.node || sa.node !== sb?.node) return undefined;
      const local = sa.node === 'node-a' ? sa : sb;
      if (local.state !== 'subscribed') return undefined;
      out.set(id, sa.node);
    }
    return out;
  };

  before(async () => {
    ctx.host = await OnvifSimHost.start({ discovery: false });
    for (let i = 1; i <= count; i++) {
      ctx.cams.push(await ctx.host.addDevice({ name: `cam-${i}`, username: USER, password: PASSWORD, rtsp: { main: `rtsp://127.0.0.1:9/cam${i}/main`, sub: `rtsp://127.0.0.1:9/cam${i}/sub` } }));
    }
    ctx.cluster = await startGatewayCluster({
      ttlSeconds: TTL_SECONDS, tickSeconds: 0.5,
      args: ['--onvif.events.terminationSeconds', String(TERMINATION_SECONDS), '--onvif.events.pullTimeoutSeconds', '2', '--onvif.events.backoffSeconds.min', '1', '--onvif.events.backoffSeconds.max', '4', ...args],
    });
    await ctx.cluster.start('node-a');
    await ctx.cluster.start('node-b');
    // Both nodes know each other before the cameras come, so each camera is placed once.
    await waitFor(async () => (await node('node-a').json<{ leases: { liveNodes: number } }>('/api/cluster')).leases.liveNodes === 2, 60_000, 'two live nodes');
    for (const [i, cam] of ctx.cams.entries()) {
      const added = await node('node-a').json<{ id: string }>('/api/onvif/channels', {
        method: 'POST', body: JSON.stringify({ host: cam.host, port: cam.port, username: USER, password: PASSWORD, name: `摄像机 ${i + 1}`, mode: 'on-demand' }),
      });
      ctx.ids.push(added.id);
    }
  });

  after(async () => {
    await ctx.cluster?.close();
    await ctx.host?.close();
  });

  return { ctx, node, statusOn, subscribers };
}

const livePullPoints = (cam: OnvifDeviceSim) => cam.pullPoints.live().length;

describe('ONVIF camera events and PTZ in a cluster', () => {
  const { ctx, node, statusOn, subscribers } = camerasInACluster(4);
  const { cams, ids } = ctx;
  const cluster = { kill: (id: string) => ctx.cluster.kill(id) };
  const incidentsOf = async (nodeId: string, channelId: string, type: string): Promise<Incident[]> =>
    (await node(nodeId).json<{ items: Incident[] }>(`/api/incidents?sourceKind=onvif&sourceId=${channelId}&type=${type}`)).items;

  test('each camera has one PullPoint, by the node holding its lease; both nodes list every channel with that node', async (t) => {
    const placed = await waitFor(async () => {
      const s = await subscribers();
      return s && cams.every((c) => livePullPoints(c) === 1) ? s : undefined;
    }, 90_000, 'every camera subscribed by one node');
    t.diagnostic(`subscribers: ${JSON.stringify(Object.fromEntries(placed))}`);
    // Held, not a moment's luck: still one each a few lease ticks later, and the same nodes.
    await new Promise((r) => setTimeout(r, 3000));
    assert.deepEqual(cams.map(livePullPoints), [1, 1, 1, 1]);
    assert.deepEqual(await subscribers(), placed);
    const leases = await node('node-a').json<{ nodes: Array<{ nodeId: string; held?: number }> }>('/api/cluster');
    t.diagnostic(`leases: ${JSON.stringify(leases.nodes)}`);
    // The other node says where, without subscribing.
    for (const [id, holder] of placed) {
      const other = holder === 'node-a' ? 'node-b' : 'node-a';
      const s = (await statusOn(other)).find((x) => x.channelId === id)!;
      assert.equal(s.state, 'elsewhere');
      assert.match(s.reason ?? '', new RegExp(`subscribed by node ${holder}`));
    }
  });

  test('an event raises exactly one incident; PTZ works from either node', async () => {
    for (const [i, cam] of cams.entries()) {
      assert.equal(cam.emit(simEvents.tamper(true)), 1, 'one subscription got it');
      await waitFor(async () => (await incidentsOf('node-b', ids[i]!, 'camera_tamper')).length > 0, 60_000, `the tamper incident of ${ids[i]}`);
    }
    // A second raise (a second subscriber) would land within a pull; give it time to show.
    await new Promise((r) => setTimeout(r, 4000));
    for (const id of ids) {
      const items = await incidentsOf('node-a', id, 'camera_tamper');
      assert.deepEqual(items.map((x) => x.count), [1], `${id}: one incident, raised once`);
    }

    for (const nodeId of ['node-a', 'node-b']) {
      const res = await node(nodeId).api(`/api/channels/${ids[0]}/ptz`, { method: 'POST', body: JSON.stringify({ pan: 'left', panSpeed: 255 }) });
      assert.equal(res.status, 200, `${nodeId}: ${await res.text()}`);
      assert.deepEqual(cams[0]!.ptz.lastVelocity, { x: -1, y: 0, zoom: 0 });
      assert.equal((await node(nodeId).api(`/api/channels/${ids[0]}/ptz`, { method: 'POST', body: '{}' })).status, 200);
      assert.equal(cams[0]!.ptz.moving, false);
    }
  });

  test('a disabled channel is leased by no node: its events are off with the reason on both nodes; enabled again, one node subscribes', async () => {
    const channelId = ids[3]!;
    const cam = cams[3]!;
    await node('node-b').json(`/api/channels/${channelId}`, { method: 'PATCH', body: JSON.stringify({ enabled: false }) });
    await waitFor(async () => {
      const both = await Promise.all([statusOn('node-a'), statusOn('node-b')]);
      const mine = both.map((items) => items.find((s) => s.channelId === channelId));
      return mine.every((s) => s?.state === 'off' && s.reason === 'the channel is disabled' && s.node === null) && livePullPoints(cam) === 0;
    }, 60_000, 'events off on both nodes and the camera unsubscribed');
    await node('node-a').json(`/api/channels/${channelId}`, { method: 'PATCH', body: JSON.stringify({ enabled: true }) });
    const placed = await waitFor(async () => {
      const s = await subscribers();
      return s && livePullPoints(cam) === 1 ? s : undefined;
    }, 60_000, 'the channel subscribed again by one node');
    assert.ok(placed.has(channelId));
  });

  test('the node holding a camera is killed: the other subscribes it within the lease time; a repeated event raises nothing, a new one raises', async (t) => {
    const placed = (await subscribers())!;
    const channelId = ids[0]!;
    const cam = cams[0]!;
    const victim = placed.get(channelId)!;
    const survivor = victim === 'node-a' ? 'node-b' : 'node-a';
    // One tamper event with its camera time fixed, so it can be sent again as the same message.
    const tamperAt = cam.deviceNow();
    const tamper = { ...simEvents.tamper(true), at: tamperAt };
    assert.equal(cam.emit(tamper), 1);
    await waitFor(async () => (await incidentsOf(survivor, channelId, 'camera_tamper'))[0]?.count === 2, 60_000, 'the second tamper counted on the open incident');
    const creates = cam.requests('CreatePullPointSubscription').length;

    const killedAt = Date.now();
    await cluster.kill(victim);
    const ownSubscription = async () => {
      const s = (await statusOn(survivor)).find((x) => x.channelId === channelId);
      return s?.state === 'subscribed' && s.node === survivor ? s : undefined;
    };
    await waitFor(ownSubscription, 60_000, `${survivor} subscribing ${channelId}`);
    const tookMs = Date.now() - killedAt;
    t.diagnostic(`${survivor} subscribed ${channelId} ${tookMs} ms after ${victim} was killed (lease ${TTL_SECONDS} s, tick 0.5 s)`);
    assert.equal(cam.requests('CreatePullPointSubscription').length, creates + 1, 'one new subscription');
    // Every camera is now the survivor's.
    await waitFor(async () => {
      const items = await statusOn(survivor);
      return ids.every((id) => items.find((s) => s.channelId === id)?.state === 'subscribed');
    }, 60_000, `${survivor} subscribing every camera`);

    // The same message again (as a camera repeats one to a new subscriber): the same candidate id, nothing changes.
    assert.ok(cam.emit(tamper) >= 1);
    await waitFor(async () => {
      const s = (await statusOn(survivor)).find((x) => x.channelId === channelId) as EventsStatus & { events?: number };
      return (s.events ?? 0) >= 1;
    }, 30_000, `${survivor} pulling the repeated event`);
    await new Promise((r) => setTimeout(r, 2000));
    assert.deepEqual((await incidentsOf(survivor, channelId, 'camera_tamper')).map((x) => x.count), [2], 'the repeated message raised nothing');

    // A new event raises an incident.
    cam.emit(simEvents.lineCrossing(7));
    const crossing = await waitFor(async () => (await incidentsOf(survivor, channelId, 'line_crossing'))[0], 60_000, 'the line crossing incident');
    assert.equal(crossing.count, 1);

    // The dead node's PullPoint ends at its termination time; then the camera has one again.
    await waitFor(() => livePullPoints(cam) === 1 || undefined, (TERMINATION_SECONDS + 30) * 1000, 'the orphaned PullPoint expiring');
  });

  test('a node joining takes its share: each camera it takes was unsubscribed by the node handing it over before it subscribes', async (t) => {
    const [survivor] = [...ctx.cluster.nodes.keys()];
    await ctx.cluster.start('node-c');
    const taken = await waitFor(async () => {
      const [s, c] = await Promise.all([statusOn(survivor!), statusOn('node-c')]);
      const byC: string[] = [];
      for (const id of ids) {
        const [here, there] = [s.find((x) => x.channelId === id), c.find((x) => x.channelId === id)];
        if (!here?.node || here.node !== there?.node) return undefined;
        if ((here.node === 'node-c' ? there : here).state !== 'subscribed') return undefined;
        if (here.node === 'node-c') byC.push(id);
      }
      return byC.length === 2 && cams.every((c) => livePullPoints(c) === 1) ? byC : undefined;
    }, 90_000, 'node-c subscribing its share, one PullPoint per camera');
    t.diagnostic(`node-c took ${taken.join(', ')} from ${survivor}`);
    for (const id of taken) {
      const cam = cams[ids.indexOf(id)]!;
      const steps = cam.received.filter((r) => r.operation === 'CreatePullPointSubscription' || r.operation === 'Unsubscribe').map((r) => r.operation);
      assert.deepEqual(steps.slice(-2), ['Unsubscribe', 'CreatePullPointSubscription'], `${id}: let go, then subscribed by node-c`);
    }
  });
});

describe('ONVIF camera events in a cluster whose nodes run no video', () => {
  const { ctx, node, subscribers } = camerasInACluster(2, ['--video.enabled', 'false']);

  test('the nodes lease the ONVIF channels themselves: each camera has one PullPoint, by its lease holder', async (t) => {
    const placed = await waitFor(async () => {
      const s = await subscribers();
      return s && ctx.cams.every((c) => livePullPoints(c) === 1) ? s : undefined;
    }, 90_000, 'every camera subscribed by one node');
    t.diagnostic(`subscribers: ${JSON.stringify(Object.fromEntries(placed))}`);
    const leases = await node('node-b').json<{ nodes: Array<{ nodeId: string; held: number }> }>('/api/cluster');
    assert.equal(leases.nodes.reduce((n, x) => n + x.held, 0), 2, 'both channels leased');
    for (const [id, holder] of placed) assert.equal(leases.nodes.find((n) => n.nodeId === holder)!.held >= 1, true, `${id}: its holder holds a lease`);
  });
});
