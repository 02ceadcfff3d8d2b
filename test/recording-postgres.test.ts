// Recording with the stores in PostgreSQL (store.database: postgres, as a
// cluster runs): the index goes to PostgreSQL (table recording_segments, node
// id on each row) and the recordings API answers from it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { postgresPerFile } from './helpers/postgres.ts';
import type { TestGateway } from './helpers/gateway.ts';
import { CLIP_DIR, startVideoGateway, waitFor } from './helpers/video.ts';
import { startCameraSimulator, type CameraSimulator } from './sim/camera-sim.ts';

const postgres = postgresPerFile('recpg');
let sim: CameraSimulator;
let t: TestGateway;
let url: string;

before(async () => {
  sim = await startCameraSimulator({ clipDir: CLIP_DIR, streams: [{ path: 'cam', clip: 'h264-360p' }] });
  await sim.waitReady('cam', 60_000);
});
after(async () => {
  await sim?.stop();
});

test('segments are indexed in PostgreSQL with this node\'s id and listed by the API', async () => {
  // The database server starts in the file's own before hook; the gateway here, once it runs.
  url = await postgres.freshDatabase();
  t = await startVideoGateway(['--store.database', 'postgres', '--store.postgres.url', url, '--recording.segmentSeconds', '2', '--cluster.nodeId', 'node-a']);
  // Stopped here, not in an after hook: the file's PostgreSQL server goes in its own after hook.
  try {
    await checkSegments();
  } finally {
    await t.stop();
  }
});

async function checkSegments(): Promise<void> {
  const res = await t.call('engineer', { method: 'POST', url: '/api/channels', payload: { id: 'cam-pg', name: 'pg', kind: 'rtsp', source: { url: sim.url('cam') }, recording: { mode: 'continuous' } } });
  assert.equal(res.statusCode, 201, res.body);
  const listed = await waitFor(async () => {
    const r = (await t.call('operator', { method: 'GET', url: '/api/channels/cam-pg/recordings' })).json() as { segments: Array<{ start: string; node: string }> };
    return r.segments.length >= 2 ? r.segments : undefined;
  }, 60_000, 'two segments');
  assert.ok(listed.every((s) => s.node === 'node-a'));
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string; node_id: string }>("SELECT COUNT(*) AS n, MIN(node_id) AS node_id FROM recording_segments WHERE channel_id = 'cam-pg'");
    assert.ok(Number(rows[0]!.n) >= 2, `rows in PostgreSQL: ${rows[0]!.n}`);
    assert.equal(rows[0]!.node_id, 'node-a');
  } finally {
    await client.end();
  }
}
