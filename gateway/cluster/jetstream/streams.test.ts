// ensureStreams against a real nats-server: nodes racing at start, and a
// changed retention applied to the existing stream.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connect, nanos, RetentionPolicy, type NatsConnection } from 'nats';
import { startNats, type Nats } from '../../../test/helpers/nats.ts';
import { CANDIDATES_STREAM, ensureStreams, EVENTS_STREAM } from './streams.ts';

let nats: Nats;
before(async () => {
  nats = await startNats();
});
after(() => nats.close());

const hours = (h: number) => nanos(h * 3_600_000);

test('three nodes ensuring at once create each stream once, with its retention', async () => {
  const conns: NatsConnection[] = await Promise.all([1, 2, 3].map(() => connect({ servers: nats.url })));
  try {
    const jsms = await Promise.all(conns.map((nc) => nc.jetstreamManager()));
    const results = await Promise.all(jsms.map((jsm) => ensureStreams(jsm, { retentionHours: 24 })));
    for (const r of results) assert.deepEqual(Object.keys(r).sort(), [CANDIDATES_STREAM, EVENTS_STREAM].sort());
    const names = (await jsms[0]!.streams.names().next()).sort();
    assert.deepEqual(names, [CANDIDATES_STREAM, EVENTS_STREAM].sort());
    const events = await jsms[0]!.streams.info(EVENTS_STREAM);
    assert.equal(events.config.retention, RetentionPolicy.Limits);
    assert.equal(events.config.max_age, hours(24));
    assert.equal(events.config.duplicate_window, nanos(120_000));
    assert.deepEqual(events.config.subjects, ['gw.events.>']);
    const candidates = await jsms[0]!.streams.info(CANDIDATES_STREAM);
    assert.equal(candidates.config.retention, RetentionPolicy.Workqueue);
    assert.equal(candidates.config.duplicate_window, nanos(120_000));
    assert.deepEqual(candidates.config.subjects, ['gw.candidates.>']);

    assert.deepEqual(await ensureStreams(jsms[1]!, { retentionHours: 24 }), { [EVENTS_STREAM]: 'unchanged', [CANDIDATES_STREAM]: 'unchanged' });
  } finally {
    await Promise.all(conns.map((nc) => nc.close()));
  }
});

test('racing nodes never fail to start: 20 rounds of 8 at once on missing streams', async () => {
  const conns: NatsConnection[] = await Promise.all(Array.from({ length: 8 }, () => connect({ servers: nats.url })));
  try {
    const jsms = await Promise.all(conns.map((nc) => nc.jetstreamManager()));
    for (let round = 0; round < 20; round++) {
      for (const name of await jsms[0]!.streams.names().next()) await jsms[0]!.streams.delete(name);
      const results = await Promise.all(jsms.map((jsm) => ensureStreams(jsm, { retentionHours: 24 })));
      assert.ok(results.some((r) => r[EVENTS_STREAM] === 'created'));
      assert.deepEqual((await jsms[0]!.streams.names().next()).sort(), [CANDIDATES_STREAM, EVENTS_STREAM].sort());
    }
  } finally {
    await Promise.all(conns.map((nc) => nc.close()));
  }
});

test('a node with another retention updates the stream and keeps its messages', async () => {
  const nc = await connect({ servers: nats.url });
  try {
    const jsm = await nc.jetstreamManager();
    await ensureStreams(jsm, { retentionHours: 24 });
    await nc.jetstream().publish('gw.events.incident_created', new TextEncoder().encode('{}'));
    const before = (await jsm.streams.info(EVENTS_STREAM)).state.messages;
    const r = await ensureStreams(jsm, { retentionHours: 72 });
    assert.equal(r[EVENTS_STREAM], 'updated');
    assert.equal(r[CANDIDATES_STREAM], 'unchanged');
    const info = await jsm.streams.info(EVENTS_STREAM);
    assert.equal(info.config.max_age, hours(72));
    assert.equal(info.config.retention, RetentionPolicy.Limits);
    assert.equal(info.state.messages, before);
  } finally {
    await nc.close();
  }
});

test('a retention shorter than the duplicate window is accepted (the window shrinks to it)', async () => {
  const nc = await connect({ servers: nats.url });
  try {
    const jsm = await nc.jetstreamManager();
    await ensureStreams(jsm, { retentionHours: 0.01 }); // 36 s
    const info = await jsm.streams.info(EVENTS_STREAM);
    assert.equal(info.config.max_age, nanos(36_000));
    assert.equal(info.config.duplicate_window, nanos(36_000));
  } finally {
    await nc.close();
  }
});
