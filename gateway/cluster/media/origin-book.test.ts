// Where media enters the cluster, on a real PostgreSQL and nats-server: a
// claim reaches the other node at once and the table names the live holder
// with its URL; the later claim wins and the loser's release changes nothing;
// a node that stops beating holds nothing (in the table and in every book, the
// listeners told its holder was lost); a node that restarts starts empty.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import type pg from 'pg';
import pino from 'pino';
import { startNats, type Nats } from '../../../test/helpers/nats.ts';
import { postgresPerFile } from '../../../test/helpers/postgres.ts';
import { LeaseStore, leasePool } from '../leases/lease-store.ts';
import { OriginBook, type OriginChange } from './origin-book.ts';
import { OriginStore } from './origin-store.ts';

const TTL_MS = 1500;
const pgServer = postgresPerFile('origins');
let nats: Nats;
const conns: NatsConnection[] = [];
before(async () => {
  nats = await startNats();
});
after(async () => {
  await Promise.all(conns.map((c) => c.close()));
  await nats.close();
});

async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function startBook(pool: pg.Pool, nodeId: string, live: () => readonly string[]) {
  const store = new OriginStore(pool, nodeId, TTL_MS);
  await store.migrate(); // every node migrates: the later ones find nothing to do
  const nc = await connect({ servers: nats.url });
  conns.push(nc);
  const book = new OriginBook(store, nc, nodeId, live, pino({ level: 'silent' }), 60_000);
  await book.start();
  return { store, book };
}

test('claims, moves, releases, a node that stops beating and one that restarts', async () => {
  const pool = leasePool(await pgServer.freshDatabase(), { max: 4 });
  let live: readonly string[] = ['node-a', 'node-b'];
  const beats = { 'node-a': new LeaseStore(pool, 'node-a', TTL_MS), 'node-b': new LeaseStore(pool, 'node-b', TTL_MS) };
  await beats['node-a'].ensureSchema();
  const book = (nodeId: 'node-a' | 'node-b') => startBook(pool, nodeId, () => live);
  // The lease loop's heartbeat, for the nodes alive in this story.
  const beat = () => Promise.all(live.map((n) => beats[n as 'node-a' | 'node-b'].heartbeat(10, n === 'node-a' ? 'http://10.0.0.5:8080' : 'http://10.0.0.6:8080')));
  const beating = setInterval(() => void beat(), 200);
  try {
    await beat();
    const a = await book('node-a');
    const b = await book('node-b');
    const seenByB: OriginChange[] = [];
    b.book.on('change', (c) => seenByB.push(c));

    a.book.claim('gb:34020000001320000001', 60_000);
    await until('node-b hears the claim', () => b.book.holder('gb:34020000001320000001') === 'node-a');
    await until('the table names node-a', async () => (await b.store.holder('gb:34020000001320000001'))?.nodeId === 'node-a');
    assert.deepEqual(await b.store.holder('gb:34020000001320000001'), { nodeId: 'node-a', url: 'http://10.0.0.5:8080' });

    // The device registered with node-b now: node-b's claim wins, node-a's late release changes nothing.
    b.book.claim('gb:34020000001320000001', 60_000);
    await until('node-a hears the move', () => a.book.holder('gb:34020000001320000001') === 'node-b');
    a.book.release('gb:34020000001320000001');
    await until('the table names node-b', async () => (await a.store.holder('gb:34020000001320000001'))?.nodeId === 'node-b');
    assert.equal(b.book.holder('gb:34020000001320000001'), 'node-b');

    // A push released by its holder is gone everywhere.
    a.book.claim('rtmp:drone-1', null);
    await until('node-b hears the push', () => b.book.holder('rtmp:drone-1') === 'node-a');
    a.book.release('rtmp:drone-1');
    await until('node-b hears the release', () => b.book.holder('rtmp:drone-1') === undefined);
    assert.equal(seenByB.find((c) => c.key === 'rtmp:drone-1' && c.holder === undefined)?.holderLost, false, 'given up, not lost');

    // node-a stops beating (killed): its rows stop counting after the lease time, and node-b's book drops them at once.
    a.book.claim('rtmp:drone-2', null);
    await until('node-b hears the second push', () => b.book.holder('rtmp:drone-2') === 'node-a');
    await until('the table names node-a for the push', async () => (await b.store.holder('rtmp:drone-2'))?.nodeId === 'node-a');
    live = ['node-b'];
    await until('node-b drops the dead node\'s push', () => b.book.holder('rtmp:drone-2') === undefined);
    assert.equal(seenByB.find((c) => c.key === 'rtmp:drone-2' && c.holder === undefined)?.holderLost, true);
    await until('the row stops counting after the lease time', async () => (await b.store.holder('rtmp:drone-2')) === undefined, TTL_MS + 10_000);
    assert.equal((await b.store.all()).has('rtmp:drone-2'), false);

    // node-a comes back (same id, beating again): it holds nothing of its previous run.
    live = ['node-a', 'node-b'];
    await beat();
    const a2 = await book('node-a');
    assert.equal(await a2.store.holder('rtmp:drone-2'), undefined, 'released at its start, not revived by its heartbeat');
    assert.equal(a2.book.holder('gb:34020000001320000001'), 'node-b', 'it learns the others\' holdings from the table');
    await a.book.stop().catch(() => undefined);
    await Promise.all([a2.book.stop(), b.book.stop()]);
  } finally {
    clearInterval(beating);
    await pool.end();
  }
});

test('a claim made while PostgreSQL is away is written once it is back', async () => {
  const pool = leasePool(await pgServer.freshDatabase(), { max: 2 });
  const beats = new LeaseStore(pool, 'node-c', TTL_MS);
  await beats.ensureSchema();
  const beating = setInterval(() => void beats.heartbeat(10, 'http://10.0.0.7:8080').catch(() => undefined), 200);
  try {
    await beats.heartbeat(10, 'http://10.0.0.7:8080');
    const c = await startBook(pool, 'node-c', () => ['node-c']);
    await pgServer.server().stop('fast');
    c.book.claim('gb:34020000001320000009', 600_000);
    assert.equal(c.book.holder('gb:34020000001320000009'), 'node-c', 'held at once, whatever the table');
    await new Promise((r) => setTimeout(r, 1000));
    await pgServer.server().start();
    await until('the claim is in the table', async () => (await c.store.holder('gb:34020000001320000009').catch(() => undefined))?.nodeId === 'node-c', 30_000);
    await c.book.stop();
  } finally {
    clearInterval(beating);
    await pool.end();
  }
});

test('a table read begun before a node stopped beating does not bring its holdings back', async () => {
  const pool = leasePool(await pgServer.freshDatabase(), { max: 4 });
  let live: readonly string[] = ['node-d', 'node-e'];
  const beats = { 'node-d': new LeaseStore(pool, 'node-d', TTL_MS), 'node-e': new LeaseStore(pool, 'node-e', TTL_MS) };
  await beats['node-d'].ensureSchema();
  const beat = () => Promise.all(live.map((n) => beats[n as 'node-d' | 'node-e'].heartbeat(10, `http://${n}:8080`)));
  const beating = setInterval(() => void beat(), 200);
  /** A slow database: each read of the table answers what it held 400 ms before. */
  class SlowStore extends OriginStore {
    override async all(): Promise<Map<string, string>> {
      const rows = await super.all();
      await new Promise((r) => setTimeout(r, 400));
      return rows;
    }
  }
  try {
    await beat();
    const d = await startBook(pool, 'node-d', () => live);
    const store = new SlowStore(pool, 'node-e', TTL_MS);
    const nc = await connect({ servers: nats.url });
    conns.push(nc);
    const e = new OriginBook(store, nc, 'node-e', () => live, pino({ level: 'silent' }), 150); // reads always in flight
    await e.start();
    d.book.claim('gb:34020000001320000011', 600_000);
    await until('node-e hears the claim', () => e.holder('gb:34020000001320000011') === 'node-d');
    const changes: OriginChange[] = [];
    e.on('change', (c) => void changes.push(c));
    live = ['node-e'];
    await until('node-e drops the dead node\'s device', () => changes.length > 0);
    await new Promise((r) => setTimeout(r, TTL_MS + 1500)); // stale reads came back meanwhile
    assert.equal(changes[0]!.holderLost, true);
    assert.deepEqual(changes.filter((c) => c.holder).map((c) => c.holder), [], 'the dead node is not made the holder again');
    assert.equal(e.holder('gb:34020000001320000011'), undefined);
    await e.stop();
    await d.book.stop().catch(() => undefined);
  } finally {
    clearInterval(beating);
    await pool.end();
  }
});
