// CandidateQueue against a real nats-server: one door consumer shared by
// several nodes (separate connections), retries, a node dying mid-handler,
// and a nats-server restart under load.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import pino from 'pino';
import { startNats, type Nats } from '../../../test/helpers/nats.ts';
import { CandidateQueue, type CandidateQueueOptions } from './candidate-queue.ts';
import { CANDIDATES_STREAM, ensureStreams } from './streams.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const silent = pino({ level: 'silent' });

async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

let nats: Nats;
let conns: NatsConnection[];
beforeEach(async () => {
  nats = await startNats();
  conns = [];
});
afterEach(async () => {
  await Promise.all(conns.map((nc) => (nc.isClosed() ? undefined : nc.close())));
  await nats.close();
});

/** A node: its own connection and queue; the streams ensured as at start. */
async function node(opts: Partial<CandidateQueueOptions> = {}) {
  const nc = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  conns.push(nc);
  const jsm = await nc.jetstreamManager();
  await ensureStreams(jsm, { retentionHours: 1 });
  return { nc, jsm, queue: new CandidateQueue(nc, jsm, { log: silent, ...opts }) };
}

test('200 candidates over 3 nodes: each handled exactly once, spread over the nodes', async () => {
  const nodes = await Promise.all([node(), node(), node()]);
  const seen = new Map<string, number>();
  const perNode = [0, 0, 0];
  const stops = await Promise.all(nodes.map(({ queue }, i) => queue.consume(async (id) => {
    seen.set(id, (seen.get(id) ?? 0) + 1);
    perNode[i]!++;
    await sleep(2);
  })));
  const producer = await node();
  const ids = Array.from({ length: 200 }, (_, i) => `cand-${i}`);
  await Promise.all(ids.map((id) => producer.queue.enqueue(id, { n: id })));
  assert.equal(producer.queue.queued, 200);
  await until('all handled', async () => seen.size === 200 && (await producer.queue.pending()) === 0);
  await sleep(300); // nothing more arrives
  await Promise.all(stops.map((stop) => stop()));
  assert.deepEqual([...seen.values()].filter((n) => n !== 1), []);
  assert.equal(nodes.reduce((s, n) => s + n.queue.handled, 0), 200);
  assert.ok(perNode.filter((n) => n > 0).length > 1, `spread ${perNode.join('/')}`);
  assert.equal((await producer.jsm.streams.info(CANDIDATES_STREAM)).state.messages, 0, 'acked candidates leave the work queue');
});

test('the same id enqueued twice within the window is stored and handled once', async () => {
  const { queue, jsm } = await node();
  await queue.enqueue('dup-1', { v: 1 });
  await queue.enqueue('dup-1', { v: 2 });
  await queue.enqueue('dup-2', { v: 3 });
  assert.equal((await jsm.streams.info(CANDIDATES_STREAM)).state.messages, 2);
  assert.equal(queue.queued, 2);
  assert.equal(queue.duplicates, 1);
  const got: Array<[string, object]> = [];
  const stop = await queue.consume(async (id, c) => void got.push([id, c]));
  await until('handled', () => got.length === 2);
  await sleep(200);
  await stop();
  assert.deepEqual(got, [['dup-1', { v: 1 }], ['dup-2', { v: 3 }]]);
});

test('a handler failing twice is retried with a growing delay and handled on the 3rd delivery', async () => {
  const { queue } = await node({ nakBaseMs: 100 });
  const at: number[] = [];
  const stop = await queue.consume(async () => {
    at.push(Date.now());
    if (at.length <= 2) throw new Error('database down');
  });
  await queue.enqueue('flaky', {});
  await until('handled', () => queue.handled === 1);
  await sleep(400);
  await stop();
  assert.equal(at.length, 3);
  assert.equal(queue.failed, 2);
  assert.equal(queue.redelivered, 2);
  assert.ok(at[1]! - at[0]! >= 90, `1st retry after ${at[1]! - at[0]!} ms`);
  assert.ok(at[2]! - at[1]! >= 190, `2nd retry after ${at[2]! - at[1]!} ms (doubled)`);
});

test('an undecodable candidate is terminated, not retried, and does not stop the queue', async () => {
  const { nc, queue } = await node({ ackWaitMs: 500 });
  await nc.jetstream().publish('gw.candidates.raise', new TextEncoder().encode('{garbage'));
  await nc.jetstream().publish('gw.candidates.raise', new TextEncoder().encode('{"candidate":{}}'));
  await queue.enqueue('good', {});
  const got: string[] = [];
  const stop = await queue.consume(async (id) => void got.push(id));
  await until('good handled', () => got.length === 1);
  await sleep(1200); // past ack_wait: nothing comes back
  await stop();
  assert.deepEqual(got, ['good']);
  assert.equal(queue.failed, 2);
  assert.equal(queue.redelivered, 0);
  assert.equal(await queue.pending(), 0);
});

test('a node whose connection dies mid-handler: the candidate goes to another node after ack_wait', async () => {
  const a = await node({ ackWaitMs: 1500 });
  let aGotAt = 0;
  let releaseA!: () => void;
  const aBlocked = new Promise<void>((r) => (releaseA = r));
  const stopA = await a.queue.consume(async () => {
    aGotAt = Date.now();
    await a.nc.close(); // the node is gone; it never acks
    await aBlocked;
  });
  await a.queue.enqueue('orphan', {});
  await until('A has it', () => aGotAt > 0);
  const b = await node({ ackWaitMs: 1500 });
  let bGotAt = 0;
  const stopB = await b.queue.consume(async () => void (bGotAt = Date.now()));
  await until('B has it', () => bGotAt > 0, 10_000);
  assert.ok(bGotAt - aGotAt >= 1400, `redelivered after ${bGotAt - aGotAt} ms`);
  assert.equal(b.queue.redelivered, 1);
  await until('B acked', async () => b.queue.handled === 1 && (await b.queue.pending()) === 0);
  releaseA(); // the handler finishes on a dead connection: the ack cannot go out
  await stopA();
  await stopB();
  assert.equal(a.queue.handled, 0);
});

test('a slow handler on a live node keeps its candidate (working) and is not redelivered', async () => {
  const nodes = await Promise.all([node({ ackWaitMs: 900 }), node({ ackWaitMs: 900 })]);
  const calls: string[] = [];
  const stops = await Promise.all(nodes.map(({ queue }) => queue.consume(async (id) => {
    calls.push(id);
    await sleep(2500);
  }, { concurrency: 1 })));
  await nodes[0]!.queue.enqueue('slow-1', {});
  await nodes[0]!.queue.enqueue('slow-2', {});
  await nodes[0]!.queue.enqueue('slow-3', {}); // waits for a free handler slot longer than ack_wait
  await until('all handled', () => nodes.reduce((s, n) => s + n.queue.handled, 0) === 3, 20_000);
  await sleep(1200);
  await Promise.all(stops.map((stop) => stop()));
  assert.deepEqual(calls.sort(), ['slow-1', 'slow-2', 'slow-3']);
  assert.equal(nodes.reduce((s, n) => s + n.queue.redelivered, 0), 0);
});

test('a nats-server restart while enqueueing and consuming loses nothing acked', async () => {
  const consumers = await Promise.all([node({ ackWaitMs: 2000 }), node({ ackWaitMs: 2000 }), node({ ackWaitMs: 2000 })]);
  const producer = await node();
  const seen = new Map<string, number>();
  const stops = await Promise.all(consumers.map(({ queue }) => queue.consume(async (id) => {
    seen.set(id, (seen.get(id) ?? 0) + 1);
    await sleep(1);
  })));
  const acked = new Set<string>();
  let enqueueErrors = 0;
  const enqueueAll = async (ids: string[]) => {
    for (const id of ids) {
      for (const deadline = Date.now() + 30_000; ;) {
        try {
          await producer.queue.enqueue(id, { id });
          acked.add(id);
          break;
        } catch (err) {
          if (Date.now() > deadline) throw err;
          enqueueErrors++; // not acked: the producer retries the same id
          await sleep(100);
        }
      }
    }
  };
  const ids = Array.from({ length: 600 }, (_, i) => `r-${i}`);
  const lanes = Array.from({ length: 6 }, (_, l) => ids.filter((_, i) => i % 6 === l));
  const producing = Promise.all(lanes.map((lane) => enqueueAll(lane)));
  await until('some handled', () => seen.size >= 100);
  await nats.stop();
  await sleep(1000);
  await nats.start();
  await producing;
  await until('every acked id handled', () => [...acked].every((id) => seen.has(id)), 60_000);
  await until('queue drained', async () => (await producer.queue.pending()) === 0, 30_000);
  await sleep(500);
  await Promise.all(stops.map((stop) => stop()));
  assert.equal(acked.size, 600);
  for (const id of seen.keys()) assert.ok(acked.has(id), `${id} handled but never acked`);
  const duplicates = [...seen.values()].reduce((s, n) => s + n - 1, 0);
  const redelivered = consumers.reduce((s, c) => s + c.queue.redelivered, 0);
  // A duplicate is a redelivery (an ack lost in the outage), or at worst a retried enqueue whose first
  // copy was stored and already consumed: the server rebuilds its dedupe window from the messages still kept.
  assert.ok(duplicates <= redelivered + enqueueErrors, `${duplicates} duplicates, ${redelivered} redeliveries, ${enqueueErrors} enqueue retries`);
  process.stderr.write(`restart: ${enqueueErrors} enqueue retries, ${duplicates} duplicates, ${redelivered} redeliveries\n`);
});
