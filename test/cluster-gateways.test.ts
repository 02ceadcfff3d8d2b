// Three real gateway processes on one real PostgreSQL and one real nats-server:
// kill -9 a node and its cameras come back on the others within the lease
// time plus a restart, never on two nodes at once; incidents raised on any
// node reach every node's SSE stream once; a node killed during a burst of
// raises loses nothing that was acknowledged and duplicates nothing.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { launchBrowser, openWall, pageErrors, screenshot } from './helpers/browser.ts';
import { CLUSTER_KEY, startGatewayCluster, type ClusterNodeProcess, type GatewayCluster } from './helpers/gateway-cluster.ts';
import { openSse, type SseClient } from './helpers/sse.ts';
import { CLIP_DIR, waitFor } from './helpers/video.ts';
import { startCameraSimulator, type CameraSimulator } from './sim/camera-sim.ts';

const TTL_S = 4;
const TICK_S = 0.5;
const CHANNELS = 6;

let cluster: GatewayCluster;
let sim: CameraSimulator;
before(async () => {
  sim = await startCameraSimulator({ clipDir: CLIP_DIR, streams: [{ path: 'a', clip: 'h264-360p' }] });
  await sim.waitReady('a', 60_000);
  cluster = await startGatewayCluster({ ttlSeconds: TTL_S, tickSeconds: TICK_S, args: ['--video.startStaggerMs', '0', '--video.hls.listSize', '4', '--detection.enabled', 'false'] });
  await Promise.all(['node-1', 'node-2', 'node-3'].map((id) => cluster.start(id)));
});
after(async () => {
  await cluster?.close();
  await sim?.stop();
});

const CLUSTER_KEY_HEADER = { authorization: `Bearer ${CLUSTER_KEY}` };

const node = (id: string): ClusterNodeProcess => {
  const n = cluster.nodes.get(id);
  if (!n) throw new Error(`${id} is not running`);
  return n;
};
const live = () => [...cluster.nodes.values()];

interface ClusterView { nodeId: string; owned: string[]; nodes: Array<{ nodeId: string; held: number }> }
interface VideoStatus { channelId: string; state: string; running: boolean; node?: string | null }

/** Channels whose ingest runs on each live node, as each node says. */
async function runningByNode(): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  await Promise.all(live().map(async (n) => {
    const { items } = await n.json<{ items: VideoStatus[] }>('/api/channels/status');
    out.set(n.nodeId, items.filter((s) => s.running && s.node === undefined).map((s) => s.channelId));
  }));
  return out;
}

const onlineEverywhere = async (): Promise<Set<string>> => {
  const online = new Set<string>();
  await Promise.all(live().map(async (n) => {
    const { items } = await n.json<{ items: VideoStatus[] }>('/api/channels/status');
    for (const s of items) if (s.running && s.state === 'online' && s.node === undefined) online.add(s.channelId);
  }));
  return online;
};

test('kill -9 a node: its cameras are online on the others within the lease time plus a restart; no camera ever runs on two nodes', async (t) => {
  for (let i = 1; i <= CHANNELS; i++) {
    await node('node-1').json('/api/channels', { method: 'POST', body: JSON.stringify({ id: `cam-${i}`, name: `路口 ${i}`, kind: 'rtsp', mode: 'always-on', source: { url: sim.url('a') } }) });
  }
  // Created on node-1; the others learn of them over NATS and all three share them out.
  await waitFor(async () => ((await onlineEverywhere()).size === CHANNELS ? true : undefined), 60_000, 'all cameras online somewhere');
  const before = await runningByNode();
  t.diagnostic(`before: ${JSON.stringify(Object.fromEntries(before))}`);
  for (const [id, channels] of before) assert.equal(channels.length, CHANNELS / 3, `${id} runs its fair share`);

  const overlaps: string[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const seen = new Map<string, string>();
      for (const [nodeId, channels] of await runningByNode().catch(() => new Map<string, string[]>())) {
        for (const c of channels) {
          if (seen.has(c)) overlaps.push(`${c} on ${seen.get(c)} and ${nodeId}`);
          seen.set(c, nodeId);
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();

  const victim = 'node-2';
  const orphanedOf = before.get(victim)!;
  const victimDir = node(victim).gw.proc.spawnargs.join(' ').match(/--dataDir (\S+)/)![1]!;
  const t0 = Date.now();
  await cluster.kill(victim);
  await waitFor(async () => ((await onlineEverywhere()).size === CHANNELS ? true : undefined), 60_000, 'all cameras online on the two survivors');
  const failoverMs = Date.now() - t0;
  sampling = false;
  await sampler;
  t.diagnostic(`failover after kill -9: ${failoverMs} ms for ${orphanedOf.length} cameras (lease ttl ${TTL_S * 1000} ms, tick ${TICK_S * 1000} ms)`);

  const afterKill = await runningByNode();
  assert.deepEqual([...afterKill.values()].flat().sort(), Array.from({ length: CHANNELS }, (_, i) => `cam-${i + 1}`).sort());
  for (const channels of afterKill.values()) assert.equal(channels.length, CHANNELS / 2);
  assert.deepEqual(overlaps, [], 'no camera had an ingest on two live nodes at once');
  // Not before the dead node's leases expired (nobody may take a live lease), and within lease time + restart.
  assert.ok(failoverMs >= TTL_S * 1000 - 1000, `failover ${failoverMs} ms cannot beat the lease time`);
  assert.ok(failoverMs < TTL_S * 1000 + 20_000, `failover ${failoverMs} ms within lease time + restart`);
  // The dead node's ffmpegs died with it (their frame pipe broke): nothing still pulls for it.
  await waitFor(() => (ffmpegsUsing(victimDir) === 0 ? true : undefined), 10_000, 'no ffmpeg left over from the killed node');

  // The cluster view agrees: two live nodes, three cameras each.
  const view = await node('node-1').json<ClusterView>('/api/cluster');
  assert.deepEqual(view.nodes.map((n) => [n.nodeId, n.held]), [['node-1', 3], ['node-3', 3]]);
  // Media of a camera node-3 runs, fetched from node-1 (proxied to its owner).
  const remote = (await runningByNode()).get('node-3')![0]!;
  const play = await node('node-1').json<{ hls: string }>(`/api/channels/${remote}/play`);
  const playlist = await node('node-1').api(play.hls);
  assert.equal(playlist.status, 200);
  assert.equal(playlist.headers.get('x-gw-served-by'), 'node-3');
  const segment = /^(seg-\d+\.ts)$/m.exec(await playlist.text())?.[1];
  assert.ok(segment, 'the playlist lists a segment');
  const ts = Buffer.from(await (await node('node-1').api(play.hls.replace('index.m3u8', segment))).arrayBuffer());
  assert.ok(ts.length > 188 && ts[0] === 0x47 && ts[188] === 0x47, 'an MPEG-TS segment of node-3, through node-1');

  // The killed node comes back: it takes its share again, still never doubled.
  await cluster.start(victim);
  await waitFor(async () => {
    const running = await runningByNode();
    return [...running.values()].every((c) => c.length === CHANNELS / 3) && (await onlineEverywhere()).size === CHANNELS ? true : undefined;
  }, 60_000, 'three nodes with two cameras each again');
});

test('one wall over all nodes: a wall on node-1 plays cameras that run on the other nodes (headless Chromium)', async (t) => {
  const owners = await node('node-1').json<{ items: VideoStatus[] }>('/api/channels/status');
  const cameras = ['cam-1', 'cam-2', 'cam-3', 'cam-4'];
  const remote = owners.items.filter((s) => cameras.includes(s.channelId) && s.node && s.node !== 'node-1');
  assert.ok(remote.length >= 2, `at least two of the four run elsewhere: ${JSON.stringify(owners.items)}`);
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = await openWall(browser, node('node-1').url, CLUSTER_KEY, '#/wall');
  await page.click('[data-layout="4"]');
  for (const id of cameras) await page.click(`[data-camera=${id}]`);
  for (let i = 0; i < 4; i++) await page.waitForSelector(`[data-testid=tile-${i}][data-state=playing]`, { timeout: 45_000 });
  const times = () => page.$$eval('.tile video', (vs) => vs.map((v) => (v as HTMLVideoElement).currentTime));
  const first = await times();
  await page.waitForTimeout(3000);
  const later = await times();
  for (let i = 0; i < 4; i++) assert.ok(later[i]! > first[i]! + 1, `tile ${i} (${cameras[i]}) advanced from ${first[i]} to ${later[i]}`);
  t.diagnostic(`tiles on node-1's wall served by: ${cameras.map((c) => `${c}@${owners.items.find((s) => s.channelId === c)?.node ?? 'node-1'}`).join(', ')}; screenshot ${await screenshot(page, 'cluster-wall-4-tiles')}`);
  assert.deepEqual(pageErrors(page), []);
});

const ffmpegsUsing = (dir: string): number => {
  try {
    return execFileSync('pgrep', ['-f', dir]).toString().trim().split('\n').filter(Boolean).length;
  } catch {
    return 0; // pgrep exits 1 when nothing matches
  }
};

const candidate = (key: string) => ({
  type: 'water_level_high', severity: 'major', source: { kind: 'sensor', id: `wl-${key}` }, occurredAt: Date.now(), title: `水位 ${key}`, dedupeKey: key,
});

test('incidents raised on any node reach every node\'s SSE stream exactly once, with the same ids; a client resumes on another node', async () => {
  const streams = new Map<string, SseClient>();
  for (const n of live()) streams.set(n.nodeId, await openSse(`${n.url}/api/events?types=incident.created`, CLUSTER_KEY_HEADER));
  const keys: string[] = [];
  const nodes = live();
  for (let i = 0; i < 30; i++) {
    const n = nodes[i % nodes.length]!;
    const key = `sse-${i}`;
    keys.push(key);
    if (i % 2) {
      const res = await n.api('/api/incidents/candidates', { method: 'POST', body: JSON.stringify(candidate(key)), headers: { 'idempotency-key': key } });
      assert.equal(res.status, 202, await res.text());
    } else {
      const res = await n.api('/api/incidents', { method: 'POST', body: JSON.stringify({ type: 'manhole_open', severity: 'minor', title: `井盖 ${key}`, dedupeKey: key }) });
      assert.equal(res.status, 201, await res.text());
    }
  }
  for (const [nodeId, s] of streams) await waitFor(() => (s.events.length >= 30 ? true : undefined), 20_000, `30 events on ${nodeId}`);
  await new Promise((r) => setTimeout(r, 1000)); // anything extra would have arrived by now
  const reference = [...streams.values()][0]!.events;
  for (const [nodeId, s] of streams) {
    assert.equal(s.events.length, 30, `${nodeId}: each incident once`);
    assert.deepEqual(s.events.map((e) => (e.data as { dedupeKey: string }).dedupeKey).sort(), [...keys].sort(), `${nodeId}: every incident`);
    assert.deepEqual(s.events.map((e) => e.id), reference.map((e) => e.id), `${nodeId}: same ids, same order`);
  }
  for (const s of streams.values()) s.close();

  // Resume on another node from the 10th event: exactly the 20 after it.
  const other = live()[1]!;
  const resumed = await openSse(`${other.url}/api/events?types=incident.created`, { ...CLUSTER_KEY_HEADER, 'last-event-id': String(reference[9]!.id!) });
  await waitFor(() => (resumed.events.length >= 20 ? true : undefined), 10_000, 'replayed events');
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(resumed.events.map((e) => e.id), reference.slice(10).map((e) => e.id));
  resumed.close();
});

test('kill -9 a node during a burst of raises: every acknowledged raise is one incident, counted once; retries duplicate nothing', async (t) => {
  const acked = new Set<string>();
  const unacked = new Set<string>();
  let stop = false;
  const send = async (n: ClusterNodeProcess, key: string): Promise<boolean> => {
    try {
      const res = await n.api('/api/incidents/candidates', { method: 'POST', body: JSON.stringify(candidate(key)), headers: { 'idempotency-key': key } });
      return res.status === 202;
    } catch {
      return false; // the node went away mid-request
    }
  };
  const worker = async (w: number) => {
    for (let i = 0; !stop; i++) {
      const nodes = live();
      const key = `burst-${w}-${i}`;
      if (await send(nodes[(w + i) % nodes.length]!, key)) acked.add(key);
      else unacked.add(key);
    }
  };
  const workers = Array.from({ length: 6 }, (_, w) => worker(w));
  await waitFor(() => (acked.size >= 150 ? true : undefined), 30_000, '150 raises acknowledged');
  await cluster.kill('node-3');
  await waitFor(() => (acked.size >= 400 ? true : undefined), 30_000, '400 raises acknowledged');
  stop = true;
  await Promise.all(workers);
  // The producer retries what was not acknowledged, with the same key, on a live node.
  for (const key of unacked) if (await send(live()[0]!, key)) acked.add(key);
  t.diagnostic(`acknowledged ${acked.size}, retried ${unacked.size} that were cut off by the kill`);

  const n1 = node('node-1');
  const byKey = new Map<string, { count: number }>();
  await waitFor(async () => {
    byKey.clear();
    for (let offset = 0; ; offset += 500) {
      const page = await n1.json<{ items: Array<{ dedupeKey: string; count: number }>; total: number }>(`/api/incidents?sourceKind=sensor&type=water_level_high&limit=500&offset=${offset}`);
      for (const i of page.items) if (i.dedupeKey.startsWith('burst-')) byKey.set(i.dedupeKey, i);
      if (offset + 500 >= page.total) break;
    }
    return [...acked].every((k) => byKey.has(k)) ? true : undefined;
  }, 60_000, 'every acknowledged raise is an incident');
  const raisedTwice = [...byKey].filter(([, i]) => i.count !== 1).map(([k]) => k);
  assert.deepEqual(raisedTwice, [], 'no candidate counted twice');
  const unknown = [...byKey.keys()].filter((k) => !acked.has(k) && !unacked.has(k));
  assert.deepEqual(unknown, [], 'nothing appeared that was never sent');
});
