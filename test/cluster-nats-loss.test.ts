// Two gateway nodes on one PostgreSQL and a 3-server NATS cluster (streams
// with 3 replicas): each NATS server killed (SIGKILL) in turn during a burst
// of incidents, reports and machine candidates, and restarted before the next.
// Every node's event stream resumes within seconds of NATS storing events
// again, /readyz says so while it does not, and what every node's SSE client
// received is exactly what PostgreSQL stored: no gap, no duplicate.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { EVENTS_STREAM } from '../gateway/cluster/jetstream/streams.ts';
import { startBurst, startNatsLossCluster, Wall, type NatsLossCluster } from './helpers/nats-loss.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A request to the NATS cluster, retried while it elects leaders. */
async function retrying<T>(fn: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; ;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(200);
    }
  }
}
async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

let cluster: NatsLossCluster;
before(async () => {
  cluster = await startNatsLossCluster(2);
});
after(() => cluster?.close());

test('each NATS server killed in turn during a burst: every node resumes within seconds, /readyz tells, SSE holds exactly the stored events', async () => {
  const { nodes, nats, storedAt, probe, dbUrl } = cluster;
  const walls = nodes.map((n) => new Wall(n));
  let readiness: NodeJS.Timeout | undefined;
  let burst: ReturnType<typeof startBurst> | undefined;
  try {
    await Promise.all(walls.map((w) => w.open()));

    const jsm = await probe.jetstreamManager({ timeout: 2000, checkAPI: false });
    burst = startBurst(nodes);
    const { writes } = burst;

    // /readyz of every node, polled through the whole test.
    const notReady: Array<{ node: string; at: number; events?: string }> = [];
    readiness = setInterval(() => {
      for (const node of nodes) {
        void fetch(`${node.url}/readyz`).then(async (res) => {
          const body = (await res.json()) as { checks: Record<string, string> };
          if (res.status !== 200) notReady.push({ node: node.name, at: Date.now(), events: body.checks.events });
        }, () => undefined);
      }
    }, 250);

    await until('the walls receive the burst', () => walls.every((w) => w.events.length >= 10), 30_000);
    const report: string[] = [];
    for (const victim of nats.servers) {
      const leader = (await retrying(() => jsm.streams.info(EVENTS_STREAM))).cluster?.leader;
      const seqBefore = Math.max(0, ...storedAt.map(([seq]) => seq));
      const killedAt = Date.now();
      await victim.kill();
      await until('10 writes after the kill', () => writes.filter((w) => w.startedAt > killedAt && w.doneAt).length >= 10, 60_000);
      const later = writes.filter((w) => w.startedAt > killedAt && w.doneAt).slice(0, 10);
      await until('those writes on every wall', () => walls.every((w) => later.every((x) => w.arrivalOf(x.title))), 60_000);
      const storedAgain = (storedAt.find(([seq, at]) => seq > seqBefore && at > killedAt)?.[1] ?? Infinity) - killedAt;
      for (const [i, wall] of walls.entries()) {
        const resumed = Math.min(...later.map((x) => wall.arrivalOf(x.title)!)) - killedAt;
        const unready = notReady.filter((r) => r.node === nodes[i]!.name && r.at > killedAt);
        report.push(`kill ${victim.name} (stream leader ${leader}): NATS stored again after ${storedAgain} ms; ${nodes[i]!.name} events again after ${resumed} ms; /readyz 503 ${unready.length} times (${[...new Set(unready.map((r) => r.events?.replace(/[\d.]+ s|sequence \d+/g, '…')))].join(' | ')})`);
        assert.ok(resumed <= Math.max(10_000, storedAgain + 3000), `${nodes[i]!.name}: events again ${resumed} ms after killing ${victim.name}; NATS stored again after ${storedAgain} ms`);
        // The stream has no leader for a while when its leader is killed: long enough to see, the nodes are not ready meanwhile.
        if (leader === victim.name && storedAgain >= 5000) assert.ok(unready.some((r) => r.events && r.events !== 'ok'), `${nodes[i]!.name}: /readyz told the event stream was not read`);
      }
      await victim.start();
      await nats.replicasCurrent([EVENTS_STREAM]);
      await until('every node ready again', async () => (await Promise.all(nodes.map((n) => fetch(`${n.url}/readyz`).then((r) => r.status)))).every((s) => s === 200), 30_000);
    }
    await burst.stop();
    clearInterval(readiness);
    process.stderr.write(`${report.join('\n')}\n`);

    // Every stored event published (the outbox drained), and every wall has all of the stream.
    const db = new pg.Client({ connectionString: dbUrl });
    await db.connect();
    try {
      const raised = async () => (await db.query("SELECT count(*)::int AS n FROM incidents WHERE title LIKE 'burst-%'")).rows[0].n as number;
      await until('every write raised (the door queue drained)', async () => (await raised()) === writes.length, 60_000);
      await until('the outbox drained', async () => (await db.query('SELECT count(*)::int AS n FROM incident_events WHERE NOT published')).rows[0].n === 0, 60_000);
      const stored = (await db.query('SELECT seq::int AS seq, type, incident_id FROM incident_events ORDER BY seq')).rows as Array<{ seq: number; type: string; incident_id: string }>;
      const { state } = await retrying(() => jsm.streams.info(EVENTS_STREAM));
      await until('every wall has the whole stream', () => walls.every((w) => w.events.filter((e) => e.id !== undefined).length >= state.last_seq), 30_000);
      await sleep(500);
      // The stream: every stored event once (its seq in PostgreSQL), nothing else.
      const inStream: Array<{ streamSeq: number; seq: number; type: string; payload: unknown }> = [];
      for (let s = state.first_seq; s <= state.last_seq; s++) {
        const m = await retrying(() => jsm.streams.getMessage(EVENTS_STREAM, { seq: s }));
        const e = m.json<{ seq: number; type: string; payload: unknown }>();
        inStream.push({ streamSeq: m.seq, seq: e.seq, type: e.type, payload: e.payload });
      }
      assert.equal(state.first_seq, 1);
      assert.deepEqual(inStream.map((e) => e.seq).sort((a, b) => a - b), stored.map((e) => e.seq), 'the stream holds each stored event once');
      assert.equal(stored.filter((e) => e.type === 'incident.created').length, writes.length, 'one incident per write');
      for (const [i, wall] of walls.entries()) {
        const got = wall.events.filter((e) => e.id !== undefined);
        assert.deepEqual(got.map((e) => e.id), inStream.map((e) => e.streamSeq), `${nodes[i]!.name}: every event once, in stream order (${wall.reconnects} reconnects)`);
        assert.deepEqual(got.map((e) => [e.event, e.data]), inStream.map((e) => [e.type, e.payload]), `${nodes[i]!.name}: the stored content`);
      }
    } finally {
      await db.end();
    }
  } catch (err) {
    for (const n of nodes) process.stderr.write(`--- ${n.name} ---\n${n.gw.stdout().split('\n').filter((l) => /"level":(40|50)|stream tail|relay|door/.test(l)).slice(-40).join('\n')}\n${n.gw.stderr().slice(-2000)}\n`);
    throw err;
  } finally {
    clearInterval(readiness);
    await burst?.stop();
    walls.forEach((w) => w.close());
  }
});
