// Evidence every node can serve: two real gateway processes on one real
// PostgreSQL and nats-server, the camera simulator's red square, the real
// ffmpeg frame tap and the project's own ONNX detector. The node running the
// camera raises an incident with a snapshot; the other node serves that
// snapshot (same bytes, same access rules); then the raising node is killed
// with -9 and its data dir deleted, and the survivor still serves it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ensureModels } from '../detectors/tools/generate-models.ts';
import { startGatewayCluster, type ClusterNodeProcess, type GatewayCluster } from './helpers/gateway-cluster.ts';
import { CLIP_DIR, waitFor } from './helpers/video.ts';
import { startCameraSimulator, type CameraSimulator } from './sim/camera-sim.ts';

const RIGHT_HALF = [[0.5, 0], [1, 0], [1, 1], [0.5, 1]]; // fractions of the picture

let sim: CameraSimulator;
let cluster: GatewayCluster;
const dir = mkdtempSync(join(tmpdir(), 'gw-cluster-evidence-'));

before(async () => {
  sim = await startCameraSimulator({ clipDir: CLIP_DIR, streams: [{ path: 'red', clip: 'red-square-360p' }] });
  await sim.waitReady('red', 90_000);
  const models = await ensureModels(); // once per machine, shared by both nodes
  const config = join(dir, 'detection.json'); // JSON is YAML
  writeFileSync(config, JSON.stringify({
    detection: {
      enabled: true, concurrency: 1,
      models: { test: { path: models['test-detector-yolov8-320.onnx'], intraOpThreads: 1 } },
      profiles: { zone: { model: 'test', fps: 4, rules: [{ name: '东侧区域', classes: ['person'], minScore: 0.5, cooldownSeconds: 600, incidentType: 'intrusion', severity: 'major', zone: { name: 'right', polygon: RIGHT_HALF } }] } },
    },
  }));
  cluster = await startGatewayCluster({ ttlSeconds: 4, tickSeconds: 0.5, args: ['--config', config, '--video.startStaggerMs', '0', '--video.hls.listSize', '4'] });
  await cluster.start('node-a');
  await cluster.start('node-b');
});
after(async () => {
  await cluster?.close();
  await sim?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const node = (id: string): ClusterNodeProcess => {
  const n = cluster.nodes.get(id);
  if (!n) throw new Error(`${id} is not running`);
  return n;
};
const dataDirOf = (n: ClusterNodeProcess) => n.gw.proc.spawnargs.join(' ').match(/--dataDir (\S+)/)![1]!;

interface Incident { id: string; evidence: { snapshots?: string[] } }

test('a snapshot raised on node A is served by node B, and still after node A is killed and its disk is gone', async (t) => {
  await node('node-a').json('/api/channels', { method: 'POST', body: JSON.stringify({ id: 'cam-evidence', name: '河堤', kind: 'rtsp', source: { url: sim.url('red') }, detectionProfile: 'zone' }) });
  const incident = await waitFor(async () => {
    const { items } = await node('node-b').json<{ items: Incident[] }>('/api/incidents?sourceId=cam-evidence');
    return items.find((i) => i.evidence.snapshots?.length);
  }, 90_000, 'an intrusion incident with a snapshot');
  const url = incident.evidence.snapshots![0]!;
  assert.match(url, /^\/api\/snapshots\/\d{8}\/[0-9a-f-]{36}\.jpg$/);

  // The node whose detector raised it is the one running the camera.
  const { items } = await node('node-a').json<{ items: Array<{ channelId: string; node?: string | null }> }>('/api/channels/status');
  const raisedBy = items.find((s) => s.channelId === 'cam-evidence')?.node ?? 'node-a';
  const other = raisedBy === 'node-a' ? 'node-b' : 'node-a';
  t.diagnostic(`snapshot ${url} raised on ${raisedBy}, fetched from ${other}`);

  const fromOwner = await node(raisedBy).api(url);
  assert.equal(fromOwner.status, 200);
  const jpeg = Buffer.from(await fromOwner.arrayBuffer());
  assert.deepEqual([...jpeg.subarray(0, 3)], [0xff, 0xd8, 0xff], 'a JPEG');

  const fromOther = await node(other).api(url);
  assert.equal(fromOther.status, 200, `${other} serves it`);
  assert.equal(fromOther.headers.get('content-type'), 'image/jpeg');
  assert.ok(Buffer.from(await fromOther.arrayBuffer()).equals(jpeg), 'the same bytes on both nodes');

  // Access rules unchanged: no credentials 401; a URL token (as <img> tags carry) minted on the raising node works on the other.
  assert.equal((await fetch(`${node(other).url}${url}`)).status, 401);
  const { token } = await node(raisedBy).json<{ token: string }>('/api/url-tokens', { method: 'POST', body: '{}' });

  const victimDir = dataDirOf(node(raisedBy));
  await cluster.kill(raisedBy);
  rmSync(victimDir, { recursive: true, force: true }); // its volume is gone too
  const survivor = node(other);
  const afterKill = await fetch(`${survivor.url}${url}?access_token=${encodeURIComponent(token)}`);
  assert.equal(afterKill.status, 200, `${other} serves it after ${raisedBy} is gone`);
  assert.ok(Buffer.from(await afterKill.arrayBuffer()).equals(jpeg), 'the same bytes');
  const missing = await survivor.api(url.replace(/[0-9a-f]{12}\.jpg$/, '000000000000.jpg'));
  assert.equal(missing.status, 404, 'a snapshot that never was is still 404');
});
