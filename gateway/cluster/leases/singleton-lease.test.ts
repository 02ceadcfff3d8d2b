// The cluster singleton on a real PostgreSQL: one holder among nodes starting
// together; a node cut off from the database stops the job before another
// node can take it (local deadline before the database's expiry); a node
// leaving stops the job, then gives it back, and another takes it at once.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, test } from 'node:test';
import pino from 'pino';
import pg from 'pg';
import { startPostgres, type Postgres } from '../../../test/helpers/postgres.ts';
import { startTcpProxy, type TcpProxy } from '../../../test/helpers/tcp-proxy.ts';
import { waitFor } from '../../../test/helpers/video.ts';
import { LeaseStore } from './lease-store.ts';
import { SingletonLease } from './singleton-lease.ts';
import { SingletonStore } from './singleton-store.ts';

const TTL_MS = 2000;
const TICK_MS = 200;
const log = pino({ level: 'silent' });

let postgres: Postgres;
let url: string;
const pools: pg.Pool[] = [];
const proxies: TcpProxy[] = [];
before(async () => {
  postgres = await startPostgres();
  url = await postgres.createDatabase('singletons');
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  pools.push(pool);
  await new LeaseStore(pool, 'setup', TTL_MS).ensureSchema(); // gw_now_ms()
});
after(async () => {
  for (const p of proxies) await p.close();
  await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
  await postgres?.close();
});

interface Node { lease: SingletonLease; events: Array<{ what: 'held' | 'lost'; at: number; reason?: string; leaving?: boolean }> }

/** A node's singleton on its own pool (through `proxy` when given, to cut it off). */
async function node(nodeId: string, name: string, proxy?: TcpProxy, ttlMs = TTL_MS): Promise<Node> {
  const connectionString = proxy ? url.replace(`:${postgres.port}/`, `:${proxy.port}/`) : url;
  const pool = new pg.Pool({ connectionString, max: 2, connectionTimeoutMillis: 500 });
  pool.on('error', () => undefined); // connections dropped by the cut: the lease's own queries report it
  pools.push(pool);
  const store = new SingletonStore(pool, nodeId, ttlMs);
  await store.migrate();
  const lease = new SingletonLease(name, store, { nodeId, ttlMs, tickMs: TICK_MS }, log);
  const events: Node['events'] = [];
  lease.follow({
    held: () => void events.push({ what: 'held', at: performance.now() }),
    lost: async (reason, leaving) => void events.push({ what: 'lost', at: performance.now(), reason, leaving }),
  });
  return { lease, events };
}

test('nodes starting together: exactly one holds the job, and the others name it', async () => {
  const nodes = await Promise.all(['a', 'b', 'c'].map((id) => node(id, 'together')));
  await Promise.all(nodes.map((n) => n.lease.start()));
  await waitFor(() => (nodes.every((n) => n.lease.heldBy() !== null) ? true : undefined), 5000, 'every node knowing the holder');
  const holders = nodes.filter((n) => n.lease.holds);
  assert.equal(holders.length, 1);
  const holder = holders[0]!.lease.nodeId;
  for (const n of nodes) assert.equal(n.lease.heldBy(), holder);
  // Several ticks later still the same one.
  await new Promise((r) => setTimeout(r, TICK_MS * 5));
  assert.deepEqual(nodes.filter((n) => n.lease.holds).map((n) => n.lease.nodeId), [holder]);
  await Promise.all(nodes.map((n) => n.lease.stop()));
});

test('a holder cut off from the database stops the job before another node takes it', async () => {
  const proxy = await startTcpProxy(postgres.port);
  proxies.push(proxy);
  const a = await node('a', 'cut', proxy);
  await a.lease.start();
  assert.ok(a.lease.holds);
  const b = await node('b', 'cut');
  await b.lease.start();
  assert.equal(b.lease.heldBy(), 'a');
  proxy.cut();
  const lost = await waitFor(() => a.events.find((e) => e.what === 'lost'), TTL_MS * 5, 'a gives up');
  const taken = await waitFor(() => b.events.find((e) => e.what === 'held'), TTL_MS * 5, 'b takes over');
  assert.ok(lost.at < taken.at, `a stopped (${lost.at.toFixed(0)}) before b started (${taken.at.toFixed(0)})`);
  assert.match(lost.reason!, /not renewed within 2000 ms/);
  assert.equal(lost.leaving, false);
  assert.equal(b.lease.heldBy(), 'b');
  // Back on the network, a stands by.
  proxy.heal();
  await waitFor(() => (a.lease.heldBy() === 'b' ? true : undefined), TTL_MS * 5, 'a names b');
  assert.equal(a.lease.holds, false);
  await Promise.all([a.lease.stop(), b.lease.stop()]);
});

test('a holder leaving stops the job, then gives it back: another node takes it at its next tick', async () => {
  const LONG_TTL_MS = 60_000;
  const a = await node('a', 'leave', undefined, LONG_TTL_MS);
  await a.lease.start();
  const b = await node('b', 'leave', undefined, LONG_TTL_MS);
  await b.lease.start();
  assert.ok(a.lease.holds);
  const leftAt = performance.now();
  await a.lease.stop();
  assert.deepEqual(a.events.map((e) => [e.what, e.leaving]), [['held', undefined], ['lost', true]]);
  // Released: taken long before a's 60 s term would have run out.
  const taken = await waitFor(() => b.events.find((e) => e.what === 'held'), LONG_TTL_MS / 2, 'b takes over');
  assert.ok(taken.at - leftAt < LONG_TTL_MS, `taken ${Math.round(taken.at - leftAt)} ms after a left`);
  await b.lease.stop();
});
