// The video path driven by leases: two nodes (two video managers with their
// own leases on a real PostgreSQL, one registry) split real RTSP channels
// between their ffmpegs; when one node's leases go, the other runs them all;
// a channel never has an ingest on both nodes at once.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { RegistryService, SqliteRegistryStore, SYSTEM_ACTOR } from '../device-registry/index.ts';
import { ChannelLeases } from '../gateway/cluster/leases/channel-leases.ts';
import { LeaseStore, leasePool } from '../gateway/cluster/leases/lease-store.ts';
import { findFfmpeg } from '../gateway/video/ffmpeg/locate.ts';
import { FrameHub } from '../gateway/video/frames.ts';
import { VideoManager } from '../gateway/video/video-manager.ts';
import { startPostgres, type Postgres } from './helpers/postgres.ts';
import { CLIP_DIR, waitFor } from './helpers/video.ts';
import { startCameraSimulator, type CameraSimulator } from './sim/camera-sim.ts';

const TTL = 4000;
const TICK = 500;
const SETTINGS = {
  hls: { segmentSeconds: 1, listSize: 4 }, watchdogSeconds: 4, ioTimeoutSeconds: 3, startStaggerMs: 0, onDemandIdleSeconds: 6,
  tap: { fps: 2, width: 320 }, backoff: { initialMs: 300, maxMs: 1500 },
};

let postgres: Postgres;
let sim: CameraSimulator;
let dir: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gw-shard-'));
  postgres = await startPostgres();
  sim = await startCameraSimulator({ clipDir: CLIP_DIR, streams: [{ path: 'a', clip: 'h264-360p' }] });
  await sim.waitReady('a', 60_000);
});
after(async () => {
  await sim?.stop();
  await postgres?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('two nodes split four RTSP channels by lease; a node whose leases end hands its channels to the other', async (t) => {
  const registry = new RegistryService(new SqliteRegistryStore(join(dir, 'registry.db')));
  for (let i = 1; i <= 4; i++) {
    await registry.create('channels', { id: `cam-${i}`, name: `摄像机 ${i}`, kind: 'rtsp', mode: 'always-on', source: { url: sim.url('a') } }, SYSTEM_ACTOR);
  }
  const url = await postgres.createDatabase('sharding');
  const log = pino({ level: 'warn' });
  const ffmpeg = findFfmpeg();
  const nodes = ['node-a', 'node-b'].map((nodeId) => {
    const manager = new VideoManager(registry, new FrameHub(), ffmpeg, SETTINGS, join(dir, nodeId), log);
    const leases = new ChannelLeases(new LeaseStore(leasePool(url), nodeId, TTL), { nodeId, url: null, capacity: 100, ttlMs: TTL, tickMs: TICK },
      () => manager.shardable, (id) => manager.release(id), log);
    manager.shard(leases);
    return { nodeId, manager, leases };
  });
  t.after(async () => {
    for (const n of nodes) {
      await n.leases.stop().catch(() => {});
      await n.manager.stop();
    }
  });
  for (const n of nodes) await n.manager.start();
  await Promise.all(nodes.map((n) => n.leases.start()));

  // An ingest that exists on a node (running, whatever its state) is that node's.
  const runningOn = (n: (typeof nodes)[number]) => n.manager.allStatus().filter((s) => s.running).map((s) => s.channelId);
  const overlaps: string[] = [];
  const watch = setInterval(() => {
    const [a, b] = nodes.map(runningOn);
    for (const id of a!) if (b!.includes(id)) overlaps.push(id);
  }, 50);
  t.after(() => clearInterval(watch));

  await waitFor(() => nodes.every((n) => n.manager.allStatus().filter((s) => s.running && s.state === 'online').length === 2), 40_000, 'two channels online on each node');
  const [a, b] = nodes.map(runningOn);
  assert.deepEqual([...a!, ...b!].sort(), ['cam-1', 'cam-2', 'cam-3', 'cam-4']);
  for (const n of nodes) for (const id of runningOn(n)) assert.equal(typeof n.leases.owns(id), 'number');
  // The registry's status of a channel is written by its owner only.
  assert.equal((await registry.getStored('channels', 'cam-1'))!.status.state, 'online');

  // node-a leaves (its leases given back after its ingests stopped): node-b runs all four.
  await nodes[0]!.leases.stop();
  await waitFor(() => nodes[1]!.manager.allStatus().filter((s) => s.running && s.state === 'online').length === 4, 40_000, 'all four online on node-b');
  assert.deepEqual(runningOn(nodes[0]!), []);
  assert.deepEqual(overlaps, [], 'no channel had an ingest on both nodes at once');
});
