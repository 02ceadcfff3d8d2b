// The lease locator: own leases and unsharded channels are local without a
// query; a remote owner is reused for cacheMs and dropped by forget(); "no
// owner" is never cached; the table naming this node counts as local.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { leaseLocator } from './locate.ts';

test('local, remote (cached, forgotten), none, and this node in the table', async () => {
  const owned = new Set(['mine']);
  const table = new Map<string, { nodeId: string; url: string | null }>([['theirs', { nodeId: 'node-b', url: 'http://10.0.0.6:8080' }], ['late', { nodeId: 'node-a', url: null }]]);
  let queries = 0;
  const { locate, forget } = leaseLocator({
    nodeId: 'node-a',
    owns: (id) => (owned.has(id) ? 7 : undefined),
    owner: async (id) => (queries++, table.get(id)),
    sharded: (id) => id !== 'pushed',
    cacheMs: 60_000,
  });
  assert.deepEqual(await locate('mine'), { local: true });
  assert.deepEqual(await locate('pushed'), { local: true });
  assert.equal(queries, 0, 'no query for a channel held here or not placed by leases');

  assert.deepEqual(await locate('theirs'), { local: false, nodeId: 'node-b', url: 'http://10.0.0.6:8080' });
  table.set('theirs', { nodeId: 'node-c', url: 'http://10.0.0.7:8080' });
  assert.equal(((await locate('theirs')) as { nodeId: string }).nodeId, 'node-b', 'cached');
  assert.equal(queries, 1);
  forget('theirs');
  assert.equal(((await locate('theirs')) as { nodeId: string }).nodeId, 'node-c');

  assert.deepEqual(await locate('nobody'), { local: false, none: true });
  await locate('nobody');
  assert.equal(queries, 4, '"no owner" is asked again every time');

  assert.deepEqual(await locate('late'), { local: true }, 'the table already names this node: its lease loop adopts it');
});

test('channels that run where their media arrives (GB28181, RTMP): found by origin, cached like a lease; none or this node is local', async () => {
  const origins = new Map<string, { nodeId: string; url: string | null }>([['gb-cam', { nodeId: 'node-b', url: 'http://10.0.0.6:8080' }], ['pushed-here', { nodeId: 'node-a', url: null }]]);
  let leaseQueries = 0;
  let originQueries = 0;
  const { locate, forget } = leaseLocator({
    nodeId: 'node-a',
    owns: () => undefined,
    owner: async () => (leaseQueries++, undefined),
    sharded: (id) => id === 'rtsp-cam',
    origin: async (id) => (originQueries++, origins.get(id)),
    cacheMs: 60_000,
  });
  assert.deepEqual(await locate('gb-cam'), { local: false, nodeId: 'node-b', url: 'http://10.0.0.6:8080' });
  origins.set('gb-cam', { nodeId: 'node-c', url: 'http://10.0.0.7:8080' });
  assert.equal(((await locate('gb-cam')) as { nodeId: string }).nodeId, 'node-b', 'cached');
  forget('gb-cam'); // its node did not answer: the device registered again elsewhere
  assert.equal(((await locate('gb-cam')) as { nodeId: string }).nodeId, 'node-c');
  assert.deepEqual(await locate('pushed-here'), { local: true });
  assert.deepEqual(await locate('no-push-anywhere'), { local: true }, 'the local routes say why (no push, device offline)');
  assert.deepEqual(await locate('rtsp-cam'), { local: false, none: true }, 'a leased channel still asks the leases');
  assert.equal(leaseQueries, 1);
  assert.equal(originQueries, 4);
});
