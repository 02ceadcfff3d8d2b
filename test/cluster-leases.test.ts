// Channel sharding on a real PostgreSQL with simulated node processes:
// fair share, join, kill -9, a partitioned node, a node with a skewed clock,
// the database lost and back — and never a channel on two nodes at once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { ClusterSim, realNow } from './helpers/cluster-sim.ts';
import { startPostgres, type Postgres } from './helpers/postgres.ts';
import { startTcpProxy } from './helpers/tcp-proxy.ts';

const TTL = 4000;
const TICK = 500;
const CHANNELS = 300;
const SKEW = new URL('./fixtures/skew-clock.mjs', import.meta.url).pathname;

let postgres: Postgres;
let n = 0;
before(async () => (postgres = await startPostgres()));
after(async () => postgres?.close());

async function cluster(t: { after(fn: () => Promise<void>): void }, opts: Partial<{ channels: number }> = {}) {
  const url = await postgres.createDatabase(`leases_${++n}`);
  const sim = new ClusterSim(url, { channels: opts.channels ?? CHANNELS, ttlMs: TTL, tickMs: TICK });
  t.after(() => sim.closeAll());
  return { sim, url };
}

test('three nodes share the channels evenly; a joining node takes its share; kill -9 moves a node\'s channels within the lease time', async (t) => {
  const { sim } = await cluster(t);
  for (const id of ['a', 'b', 'c']) sim.spawnNode(id);
  await Promise.all(['a', 'b', 'c'].map((id) => sim.waitReady(id)));
  await sim.waitSettled(20_000);
  assert.deepEqual([...sim.counts().values()].sort(), [100, 100, 100]);

  sim.spawnNode('d');
  await sim.waitReady('d');
  const joinSettle = await sim.waitSettled(15_000);
  assert.deepEqual([...sim.counts().values()].sort(), [75, 75, 75, 75]);
  t.diagnostic(`settle after join: ${Math.round(joinSettle)} ms`);

  const killedAt = sim.kill('b');
  await sim.waitSettled(TTL + 5 * TICK + 5000);
  const failover = realNow() - killedAt;
  t.diagnostic(`failover after kill -9: ${Math.round(failover)} ms (lease ${TTL} ms, tick ${TICK} ms)`);
  assert.deepEqual([...sim.counts().values()].sort(), [100, 100, 100]);
  // Not before the dead node's leases expired: nobody stole a live lease.
  const firstTakeover = Math.min(...sim.events.filter((e) => e.ev === 'start' && e.t > killedAt).map((e) => e.t));
  assert.ok(firstTakeover - killedAt > TTL - 2 * TICK, `taken over ${Math.round(firstTakeover - killedAt)} ms after the kill`);
  assert.deepEqual(sim.doubleOwnership(), []);
});

test('a clean stop hands the channels over at once', async (t) => {
  const { sim } = await cluster(t);
  for (const id of ['a', 'b']) sim.spawnNode(id);
  await Promise.all(['a', 'b'].map((id) => sim.waitReady(id)));
  await sim.waitSettled(20_000);
  const t0 = realNow();
  await sim.stop('a');
  await sim.waitSettled(TTL);
  assert.ok(realNow() - t0 < TTL, 'handed over before the lease would have expired');
  assert.deepEqual([...sim.counts().values()], [CHANNELS]);
  assert.deepEqual(sim.doubleOwnership(), []);
});

test('capacity caps a node; channels beyond the cluster\'s capacity stay unowned until a node joins', async (t) => {
  const { sim } = await cluster(t, { channels: 100 });
  sim.spawnNode('small', { capacity: 10 });
  sim.spawnNode('big', { capacity: 60 });
  await Promise.all(['small', 'big'].map((id) => sim.waitReady(id)));
  await new Promise((r) => setTimeout(r, 4 * TICK));
  assert.deepEqual(Object.fromEntries(sim.counts()), { small: 10, big: 60 });
  sim.spawnNode('more', { capacity: 60 });
  await sim.waitSettled(15_000, 35);
  assert.deepEqual(Object.fromEntries(sim.counts()), { small: 10, big: 45, more: 45 });
  assert.deepEqual(sim.doubleOwnership(), []);
});

test('a node cut off from the database stops its channels before the others take them; after the partition heals it never double-owns', async (t) => {
  const { sim, url } = await cluster(t);
  const proxy = await startTcpProxy(postgres.port);
  t.after(() => proxy.close());
  sim.spawnNode('a', { pgUrl: url.replace(`:${postgres.port}/`, `:${proxy.port}/`) });
  for (const id of ['b', 'c']) sim.spawnNode(id);
  await Promise.all(['a', 'b', 'c'].map((id) => sim.waitReady(id)));
  await sim.waitSettled(20_000);
  const cutAt = realNow();
  proxy.cut();
  // The others own everything once a's leases expire; a stopped its own first.
  await waitFor(() => sim.counts().get('a') === 0 && (sim.counts().get('b') ?? 0) + (sim.counts().get('c') ?? 0) === CHANNELS, TTL + 10_000);
  const aStops = sim.events.filter((e) => e.node === 'a' && e.ev === 'stop' && e.t > cutAt);
  const othersStart = sim.events.filter((e) => e.node !== 'a' && e.ev === 'start' && e.t > cutAt);
  assert.equal(aStops.length, 100);
  assert.ok(Math.max(...aStops.map((e) => e.t)) < Math.min(...othersStart.map((e) => e.t)), 'a stopped everything before anyone started its channels');
  assert.match(String(sim.events.find((e) => e.node === 'a' && e.ev === 'lost')?.reason), /not renewed within/);
  proxy.heal();
  await sim.waitSettled(20_000);
  assert.deepEqual([...sim.counts().values()].sort(), [100, 100, 100]);
  assert.deepEqual(sim.doubleOwnership(), []);
});

test('a node whose clock is an hour ahead neither steals nor keeps leases longer', async (t) => {
  const { sim, url } = await cluster(t);
  sim.spawnNode('a');
  sim.spawnNode('skewed', { nodeArgs: ['--import', SKEW] });
  await Promise.all(['a', 'skewed'].map((id) => sim.waitReady(id)));
  await sim.waitSettled(20_000);
  assert.deepEqual([...sim.counts().values()], [150, 150]);
  const killedAt = sim.kill('skewed');
  await sim.waitSettled(TTL + 10_000);
  assert.ok(realNow() - killedAt > TTL - 2 * TICK, 'its leases lasted the lease time of the database clock, not an hour');
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const { rows } = await db.query<{ ahead: string }>('SELECT max(expires_at) - gw_now_ms() AS ahead FROM channel_leases');
  await db.end();
  assert.ok(Number(rows[0]!.ahead) <= TTL, `no lease runs past the database's now + ttl (${rows[0]!.ahead} ms)`);
  assert.deepEqual(sim.doubleOwnership(), []);
});

test('the database lost for longer than a lease: every node stops, and all come back when it returns', async (t) => {
  const { sim } = await cluster(t);
  for (const id of ['a', 'b']) sim.spawnNode(id);
  await Promise.all(['a', 'b'].map((id) => sim.waitReady(id)));
  await sim.waitSettled(20_000);
  await postgres.stop();
  try {
    await waitFor(() => [...sim.counts().values()].every((c) => c === 0), TTL + 5000);
  } finally {
    await postgres.start();
  }
  await sim.waitSettled(30_000);
  assert.deepEqual([...sim.counts().values()], [150, 150]);
  assert.deepEqual(sim.doubleOwnership(), []);
});

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
