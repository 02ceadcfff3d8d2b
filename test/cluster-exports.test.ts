// Export jobs in a cluster (issue 18): two real gateway processes on one real
// PostgreSQL and one real nats-server. An export run on node-a is answered by
// node-b from the shared table (still only to its creator), its download
// through node-b is passed to node-a (the same bytes, named by channel and
// range); with node-a killed the download through node-b is a prompt 503
// naming node-a.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startGatewayCluster, type ClusterNodeProcess, type GatewayCluster } from './helpers/gateway-cluster.ts';
import { CLIP_DIR, waitFor } from './helpers/video.ts';
import { startCameraSimulator, type CameraSimulator } from './sim/camera-sim.ts';

const CHANNEL = 'cam-cx';
type Job = { id: string; state: string; node: string; bytes: number; download?: string; reason?: string };
type Seg = { start: string; end: string; node: string };

let cluster: GatewayCluster;
let sim: CameraSimulator;
const keys: Record<'one' | 'two', string> = { one: '', two: '' };

const node = (id: string): ClusterNodeProcess => cluster.nodes.get(id) ?? assert.fail(`${id} is not running`);
const as = (id: string, key: string, path: string, init: RequestInit = {}) =>
  fetch(`${node(id).url}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, ...(init.body ? { 'content-type': 'application/json' } : {}) } });

before(async () => {
  sim = await startCameraSimulator({ clipDir: CLIP_DIR, streams: [{ path: 'cx', clip: 'h264-360p' }] });
  await sim.waitReady('cx', 60_000);
  cluster = await startGatewayCluster({ ttlSeconds: 4, tickSeconds: 0.5, args: ['--video.startStaggerMs', '0', '--detection.enabled', 'false', '--recording.segmentSeconds', '2'] });
  const a = await cluster.start('node-a');
  await a.json('/api/channels', { method: 'POST', body: JSON.stringify({ id: CHANNEL, name: '西门 cx', kind: 'rtsp', mode: 'always-on', source: { url: sim.url('cx') }, recording: { mode: 'continuous' } }) });
  for (const name of ['one', 'two'] as const) keys[name] = (await a.json<{ secret: string }>('/api/keys', { method: 'POST', body: JSON.stringify({ name: `cx ${name}`, role: 'dispatcher' }) })).secret;
  await waitFor(async () => ((await a.json<{ segments: Seg[] }>(`/api/channels/${CHANNEL}/recordings`)).segments.length >= 4 ? true : undefined), 90_000, 'node-a records');
  await cluster.start('node-b');
});
after(async () => {
  await cluster?.close();
  await sim?.stop();
});

test('an export node-a ran: node-b answers it from the shared table (to its creator only) and passes its download to node-a; node-a down is a prompt 503 naming it', async () => {
  const segs = (await node('node-a').json<{ segments: Seg[] }>(`/api/channels/${CHANNEL}/recordings`)).segments.filter((s) => s.node === 'node-a');
  const asked = await as('node-a', keys.one, `/api/channels/${CHANNEL}/exports`, { method: 'POST', body: JSON.stringify({ from: segs[0]!.start, to: segs.at(-1)!.end }) });
  assert.equal(asked.status, 202, await asked.clone().text());
  const { id } = (await asked.json()) as Job;
  const done = await waitFor(async () => {
    const res = await as('node-b', keys.one, `/api/exports/${id}`);
    assert.equal(res.status, 200, await res.clone().text());
    const job = (await res.json()) as Job;
    assert.notEqual(job.state, 'failed', job.reason);
    return job.state === 'done' ? job : undefined;
  }, 60_000, 'the export done, seen from node-b');
  assert.equal(done.node, 'node-a');
  assert.equal((await as('node-b', keys.two, `/api/exports/${id}`)).status, 404, 'another dispatcher: 404 on any node');
  assert.equal((await as('node-b', keys.two, `/api/exports/${id}/download`)).status, 404);
  assert.deepEqual(((await (await as('node-b', keys.one, '/api/exports')).json()) as { items: Job[] }).items.map((j) => j.id), [id]);

  const direct = await as('node-a', keys.one, done.download!);
  assert.equal(direct.status, 200);
  const fromA = Buffer.from(await direct.arrayBuffer());
  const passed = await as('node-b', keys.one, done.download!);
  assert.equal(passed.status, 200, await passed.clone().text());
  assert.equal(passed.headers.get('x-gw-served-by'), 'node-a');
  assert.equal(passed.headers.get('content-disposition'), direct.headers.get('content-disposition'));
  assert.ok(Buffer.from(await passed.arrayBuffer()).equals(fromA), 'the same bytes as node-a serves');
  assert.equal(fromA.length, done.bytes);
  const token = ((await (await as('node-b', keys.one, '/api/url-tokens', { method: 'POST' })).json()) as { token: string }).token;
  assert.equal((await fetch(`${node('node-b').url}${done.download}?access_token=${token}`)).status, 200, 'a URL token of node-b is valid on node-a');

  await cluster.kill('node-a');
  const t0 = Date.now();
  const down = await as('node-b', keys.one, done.download!);
  const ms = Date.now() - t0;
  assert.equal(down.status, 503, await down.clone().text());
  assert.match(((await down.json()) as { message: string }).message, /node 'node-a'/);
  assert.ok(ms < 10_000, `answered in ${ms} ms`);
  assert.equal((await as('node-b', keys.one, `/api/exports/${id}`)).status, 200, 'the job is still answered from the shared table');
});
