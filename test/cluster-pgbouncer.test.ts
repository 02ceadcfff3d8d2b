// docker/compose.yaml's PgBouncer (transaction pooling: docker/pgbouncer/,
// started by its own start.sh) between two real gateway nodes and a real
// PostgreSQL. Transaction pooling lends a server connection per transaction,
// so nothing may stay on a session: the nodes' start-up locks are
// transaction-scoped (a session-level advisory lock would stay on a server
// connection PgBouncer hands to the next node, which would then wait for it
// forever). Both nodes start at the same time through it, a node killed with
// -9 starts again, and every write made through it lands once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { startGatewayCluster, type ClusterNodeProcess, type GatewayCluster } from './helpers/gateway-cluster.ts';
import { startPgBouncer, type PgBouncer } from './helpers/pgbouncer.ts';
import { waitFor } from './helpers/video.ts';

let cluster: GatewayCluster;
let bouncer: PgBouncer | undefined;

before(async () => {
  cluster = await startGatewayCluster({
    ttlSeconds: 4, tickSeconds: 0.5, args: ['--detection.enabled', 'false'],
    nodeDatabaseUrl: async (_direct, postgres) => {
      bouncer = await startPgBouncer({ port: postgres.port, user: 'gw' }, 'gateway');
      return bouncer.url;
    },
  });
});
after(async () => {
  await cluster?.close();
  await bouncer?.close();
});

const node = (id: string): ClusterNodeProcess => {
  const n = cluster.nodes.get(id);
  if (!n) throw new Error(`${id} is not running`);
  return n;
};

test('the compose file\'s PgBouncer runs transaction pooling', () => {
  assert.match(bouncer!.ini, /^pool_mode = transaction$/m);
  assert.match(cluster.dbUrl, new RegExp(`:${bouncer!.port}/`), 'the nodes connect to PgBouncer, not to PostgreSQL');
});

test('two nodes start at once through PgBouncer; writes on either are seen on both, once; a node killed with -9 starts again', async () => {
  // Both wait on the same start-up locks (bootstrap, schemas, the media-token secret).
  await Promise.all([cluster.start('node-1'), cluster.start('node-2')]);
  for (const id of ['node-1', 'node-2']) await waitFor(async () => (await fetch(`${node(id).url}/readyz`)).status === 200 || undefined, 30_000, `${id} ready`);

  await node('node-1').json('/api/channels', { method: 'POST', body: JSON.stringify({ id: 'cam-pgb', name: '东门', kind: 'rtsp', enabled: false, source: { url: 'rtsp://127.0.0.1:9/x' } }) });
  assert.equal((await node('node-2').json<{ id: string }>('/api/channels/cam-pgb')).id, 'cam-pgb');
  const reports = await Promise.all(Array.from({ length: 20 }, async (_, i) => {
    const res = await node(i % 2 ? 'node-2' : 'node-1').api('/api/incidents', { method: 'POST', body: JSON.stringify({ type: 'manhole_open', severity: 'minor', title: `井盖 ${i}`, dedupeKey: `pgb-${i}` }) });
    const body = await res.text();
    assert.equal(res.status, 201, body);
    return (JSON.parse(body) as { incident: { id: string } }).incident.id;
  }));
  for (const id of ['node-1', 'node-2']) {
    const { items } = await node(id).json<{ items: Array<{ id: string; dedupeKey: string }> }>('/api/incidents?type=manhole_open&limit=100');
    assert.deepEqual(items.filter((i) => i.dedupeKey.startsWith('pgb-')).map((i) => i.id).sort(), [...reports].sort(), `${id} lists each report once`);
  }

  await cluster.kill('node-1');
  await cluster.start('node-1');
  await waitFor(async () => (await fetch(`${node('node-1').url}/readyz`)).status === 200 || undefined, 30_000, 'node-1 ready again');
  const view = await node('node-1').json<{ nodes: Array<{ nodeId: string }> }>('/api/cluster');
  assert.deepEqual(view.nodes.map((n) => n.nodeId).sort(), ['node-1', 'node-2']);

  // PostgreSQL itself sees PgBouncer's server connections only, never a node directly.
  const direct = new pg.Client({ connectionString: cluster.postgres.url('gateway') });
  await direct.connect();
  try {
    const { rows } = await direct.query<{ addr: string | null; n: number }>("SELECT client_port IS NOT NULL AS addr, count(*)::int AS n FROM pg_stat_activity WHERE datname = 'gateway' AND pid <> pg_backend_pid() GROUP BY 1");
    const servers = rows.reduce((sum, r) => sum + r.n, 0);
    assert.ok(servers >= 1 && servers <= Number(/^default_pool_size = (\d+)$/m.exec(bouncer!.ini)![1]), `${servers} server connections within default_pool_size`);
  } finally {
    await direct.end();
  }
});
