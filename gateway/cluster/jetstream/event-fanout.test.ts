// EventFanout against a real nats-server: every node gets every incident event
// once and in order (also across a nats-server restart, and what its tail was
// not told of), Last-Event-ID replay,
// dedupe of a retried publish, live events, and garbage in the stream.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { connect, headers, JSONCodec, type NatsConnection } from 'nats';
import pino from 'pino';
import { startNats, type Nats } from '../../../test/helpers/nats.ts';
import type { StoredEvent } from '../../incidents/store/types.ts';
import { EventFanout, subjectFor, type FannedEvent, type LiveMessage } from './event-fanout.ts';
import { ensureStreams, EVENTS_STREAM, TAIL_SEQ_HEADER, TAIL_STREAM_HEADER } from './streams.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const codec = JSONCodec();

async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

const event = (seq: number, type = 'incident.created'): StoredEvent => ({ seq, at: 1_700_000_000_000 + seq, type, incidentId: `inc-${seq % 7}`, payload: { n: seq } });

let nats: Nats;
let conns: NatsConnection[];
let logLines: string[];
beforeEach(async () => {
  nats = await startNats();
  conns = [];
  logLines = [];
});
afterEach(async () => {
  await Promise.all(conns.map((nc) => (nc.isClosed() ? undefined : nc.close())));
  await nats.close();
});

async function node(nodeId: string, reconnectTimeWait = 250) {
  const nc = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait });
  conns.push(nc);
  const jsm = await nc.jetstreamManager();
  await ensureStreams(jsm, { retentionHours: 1 });
  const log = pino({ level: 'debug' }, { write: (s: string) => void logLines.push(s) });
  return { nc, jsm, fanout: new EventFanout(nc, jsm, { nodeId, log }) };
}

/** Publishes, retrying while the server is away (as the incident outbox does). */
async function publishRetrying(fanout: EventFanout, e: StoredEvent): Promise<number> {
  for (const deadline = Date.now() + 30_000; ;) {
    try {
      return await fanout.publish(e);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(100);
    }
  }
}

test('three nodes each get every event once, in order, with the same streamSeq', async () => {
  const nodes = await Promise.all(['n1', 'n2', 'n3'].map(node));
  const got: FannedEvent[][] = [[], [], []];
  const stops = nodes.map(({ fanout }, i) => fanout.subscribe(1, (e) => void got[i]!.push(e)).stop);
  const publisher = await node('n4');
  const seqOf = new Map<number, number>();
  for (let b = 0; b < 10; b++) {
    const batch = Array.from({ length: 30 }, (_, i) => event(b * 30 + i + 1, i % 2 ? 'incident.changed' : 'incident.created'));
    const seqs = await Promise.all(batch.map((e) => publisher.fanout.publish(e)));
    batch.forEach((e, i) => seqOf.set(e.seq, seqs[i]!));
  }
  await until('all delivered', () => got.every((g) => g.length >= 300));
  await sleep(300);
  await Promise.all(stops.map((stop) => stop()));
  for (const g of got) {
    assert.equal(g.length, 300);
    assert.deepEqual(g.map((e) => e.streamSeq), Array.from({ length: 300 }, (_, i) => i + 1));
    for (const e of g) assert.equal(seqOf.get(e.seq), e.streamSeq);
  }
  assert.deepEqual(got[1], got[0]);
  assert.deepEqual(got[2], got[0]);
  assert.deepEqual(got[0]![4], { ...event(5), streamSeq: seqOf.get(5) });
});

test('a subscriber keeps going across a nats-server restart, without gap or duplicate', async () => {
  const sub = await node('n1');
  const pub = await node('n2');
  const got: number[] = [];
  const { stop } = sub.fanout.subscribe(1, (e) => void got.push(e.streamSeq));
  for (let i = 1; i <= 100; i++) await pub.fanout.publish(event(i));
  await until('first 100', () => got.length === 100);
  const publishing = (async () => {
    for (let i = 101; i <= 200; i++) await publishRetrying(pub.fanout, event(i));
  })();
  await sleep(20);
  await nats.stop();
  await sleep(1000);
  await nats.start();
  await publishing;
  await until('all 200', () => got.length >= 200, 30_000);
  await sleep(500);
  await stop();
  assert.deepEqual(got, Array.from({ length: 200 }, (_, i) => i + 1));
});

test("subscribe('new') gets only later events, also those published before it is back after a restart", async () => {
  const sub = await node('n1', 2500); // reconnects well after the publisher
  const pub = await node('n2');
  for (let i = 1; i <= 5; i++) await pub.fanout.publish(event(i));
  const got: number[] = [];
  const { stop } = sub.fanout.subscribe('new', (e) => void got.push(e.streamSeq));
  await sleep(300);
  await nats.stop();
  await sleep(500);
  await nats.start();
  for (let i = 6; i <= 8; i++) await publishRetrying(pub.fanout, event(i));
  await until('3 new events', () => got.length >= 3, 30_000);
  await sleep(300);
  await stop();
  assert.deepEqual(got, [6, 7, 8]);
});

test('events stored but not announced to a tail (publisher gone after the ack, announcements crossing) reach it in order, read back from the stream', async () => {
  const { nc, fanout } = await node('n1');
  const got: number[] = [];
  const sub = fanout.subscribe(1, (e) => void got.push(e.seq));
  const js = nc.jetstream();
  const store = (e: StoredEvent) => js.publish('gw.events.incident.created', codec.encode(e), { msgID: `evt-${e.seq}` });
  const announce = (streamSeq: number, e: StoredEvent) => {
    const h = headers();
    h.set(TAIL_STREAM_HEADER, EVENTS_STREAM);
    h.set(TAIL_SEQ_HEADER, String(streamSeq));
    nc.publish('gw.tail.incident.created', codec.encode(e), { headers: h });
  };
  await store(event(1));
  announce((await store(event(2))).seq, event(2)); // 1 never announced: the tail reads it when 2 comes
  await until('1 and 2', () => got.length === 2);
  const [s3, s4] = [(await store(event(3))).seq, (await store(event(4))).seq];
  announce(s4, event(4)); // crossed: 4 told before 3
  announce(s3, event(3));
  await until('3 and 4', () => got.length === 4);
  await store(event(5)); // the last one, never announced: an idle tail asks the stream
  await until('5', () => got.length === 5, 10_000);
  await sleep(300);
  await sub.stop();
  assert.deepEqual(got, [1, 2, 3, 4, 5]);
});

test('since() and oldestSeq() replay from a Last-Event-ID, over holes, in batches', async () => {
  const { fanout, jsm } = await node('n1');
  assert.deepEqual(await fanout.since(0, 10), []);
  for (let i = 1; i <= 20; i++) await fanout.publish(event(i));
  assert.equal(await fanout.oldestSeq(), 1);
  assert.deepEqual((await fanout.since(0, 100)).map((e) => e.streamSeq), Array.from({ length: 20 }, (_, i) => i + 1));
  assert.deepEqual((await fanout.since(5, 3)).map((e) => e.seq), [6, 7, 8]);
  assert.deepEqual(await fanout.since(20, 10), []);
  assert.deepEqual(await fanout.since(7, 0), []);
  assert.deepEqual((await fanout.since(15, 100)).map((e) => e.streamSeq), [16, 17, 18, 19, 20]);
  assert.deepEqual((await fanout.since(19, 100))[0], { ...event(20), streamSeq: 20 });

  await jsm.streams.deleteMessage(EVENTS_STREAM, 17);
  const t0 = Date.now();
  assert.deepEqual((await fanout.since(15, 100)).map((e) => e.streamSeq), [16, 18, 19, 20]);
  assert.deepEqual((await fanout.since(15, 2)).map((e) => e.streamSeq), [16, 18]);
  assert.ok(Date.now() - t0 < 2000, `a hole in the stream took ${Date.now() - t0} ms`);

  await jsm.streams.purge(EVENTS_STREAM, { seq: 11 }); // keeps 11…
  assert.equal(await fanout.oldestSeq(), 11);
  assert.deepEqual((await fanout.since(3, 4)).map((e) => e.streamSeq), [11, 12, 13, 14]);
  await jsm.streams.purge(EVENTS_STREAM);
  assert.equal(await fanout.oldestSeq(), 21);
  assert.deepEqual(await fanout.since(3, 4), []);

  for (let i = 21; i <= 2620; i += 100) await Promise.all(Array.from({ length: 100 }, (_, k) => fanout.publish(event(i + k))));
  const many = await fanout.since(10, 2500); // more than one fetch batch
  assert.equal(many.length, 2500);
  assert.ok(many.every((e, i) => e.streamSeq === 21 + i));
  assert.equal((await fanout.since(2600, 1000)).length, 20);
});

test('the same event published twice (a retry) is stored once', async () => {
  const { fanout, jsm } = await node('n1');
  const first = await fanout.publish(event(42));
  const again = await fanout.publish({ ...event(42), payload: { retried: true } });
  assert.equal(again, first);
  assert.equal((await jsm.streams.info(EVENTS_STREAM)).state.messages, 1);
  assert.deepEqual((await fanout.since(0, 10)).map((e) => e.payload), [{ n: 42 }]);
});

test('live events reach the other nodes; skipOwn leaves out this node’s own', async () => {
  const [a, b, c] = await Promise.all(['a', 'b', 'c'].map(node));
  const seen: Record<string, LiveMessage[]> = { a: [], b: [], c: [] };
  const unsubs = [
    a!.fanout.subscribeLive((e) => void seen.a!.push(e), { skipOwn: true }),
    b!.fanout.subscribeLive((e) => void seen.b!.push(e), { skipOwn: true }),
    c!.fanout.subscribeLive((e) => void seen.c!.push(e)),
  ];
  await Promise.all([a, b, c].map((n) => n!.nc.flush()));
  a!.fanout.publishLive('detection', { channelId: 'cam-1', label: 'person' });
  b!.fanout.publishLive('channel.status', { channelId: 'cam-2', status: 'online' });
  a!.nc.publish('gw.live.detection', new TextEncoder().encode('{not json')); // dropped, not fatal
  a!.fanout.publishLive('detection', { channelId: 'cam-1', label: 'car' });
  await until('c has all three', () => seen.c!.length === 3);
  await sleep(200);
  unsubs.forEach((u) => u());
  assert.deepEqual(seen.a!.map((e) => [e.origin, e.type]), [['b', 'channel.status']]);
  assert.deepEqual(seen.b!.map((e) => [e.origin, e.payload.label]), [['a', 'person'], ['a', 'car']]);
  assert.deepEqual(seen.c!.map((e) => e.origin).sort(), ['a', 'a', 'b']); // no order between two publishers
  assert.ok(logLines.some((l) => l.includes('live event dropped')));
});

test('an undecodable message in the stream is skipped by subscribers and by since(), not fatal', async () => {
  const { nc, fanout } = await node('n1');
  const js = nc.jetstream();
  await fanout.publish(event(1));
  await js.publish('gw.events.incident_created', new TextEncoder().encode('{garbage'));
  await js.publish('gw.events.incident_created', new TextEncoder().encode('42'));
  await js.publish('gw.events.incident_created', new TextEncoder().encode('{"hello":"world"}'));
  await fanout.publish(event(2));
  const got: FannedEvent[] = [];
  let thrown = 0;
  const { stop } = fanout.subscribe(1, (e) => {
    if (e.seq === 2 && !thrown++) throw new Error('an SSE client went away');
    got.push(e);
  });
  await fanout.publish(event(3));
  await until('events 1 and 3', () => got.length >= 2);
  await sleep(200);
  await stop();
  assert.deepEqual(got.map((e) => [e.seq, e.streamSeq]), [[1, 1], [3, 6]]);
  assert.equal(logLines.filter((l) => l.includes('undecodable event')).length, 3);
  assert.ok(logLines.some((l) => l.includes('event handler threw')));
  assert.deepEqual((await fanout.since(0, 10)).map((e) => [e.seq, e.streamSeq]), [[1, 1], [2, 5], [3, 6]]);
});

test('subjectFor keeps event types as subject tokens and neutralises wildcards', () => {
  assert.equal(subjectFor('gw.events', 'incident.created'), 'gw.events.incident.created');
  assert.equal(subjectFor('gw.events', 'a b*>'), 'gw.events.a_b__');
  assert.equal(subjectFor('gw.events', '..x..y.'), 'gw.events.x.y');
  assert.equal(subjectFor('gw.events', ''), 'gw.events._');
});
