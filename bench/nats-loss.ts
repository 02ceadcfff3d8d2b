// SSE resume time after a NATS server loss, on this machine: real gateway
// processes on one PostgreSQL and a 3-server nats-server cluster (streams with
// 3 replicas, as in test/cluster-nats-loss.test.ts), a burst of incidents
// (reports and machine candidates, 10 a second over the nodes), a wall (SSE
// client) on every node. Each NATS server is killed (SIGKILL) in turn, for
// `--rounds` rounds, and restarted once every wall has events written after
// the kill. Per kill and node: how long until that node's wall received an
// incident written after the kill, next to how long until NATS stored events
// again (a new stream leader when the killed server led it); at the end, the
// walls' events against the stream: gaps and duplicates. Prints JSON.
//   node --import tsx bench/nats-loss.ts [--nodes 2] [--rounds 2]
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { EVENTS_STREAM } from '../gateway/cluster/jetstream/streams.ts';
import { startBurst, startNatsLossCluster, Wall } from '../test/helpers/nats-loss.ts';
import { retrying } from '../test/helpers/nats.ts';
import { percentile } from './proc.ts';

const { values } = parseArgs({ options: { nodes: { type: 'string', default: '2' }, rounds: { type: 'string', default: '2' } } });
const nodeCount = Number(values.nodes);
const rounds = Number(values.rounds);
const natsVersion = execFileSync('nats-server', ['--version'], { encoding: 'utf8' }).trim().replace(/^nats-server: /, '');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const cluster = await startNatsLossCluster(nodeCount);
const walls = cluster.nodes.map((n) => new Wall(n));
const burst = startBurst(cluster.nodes);
try {
  await Promise.all(walls.map((w) => w.open()));
  const jsm = await cluster.probe.jetstreamManager({ timeout: 2000, checkAPI: false });
  await until('the walls receive the burst', () => walls.every((w) => w.events.length >= 10), 30_000);
  const kills: Array<{ server: string; streamLeader: boolean; natsStoredAgainMs: number; resumeMs: Record<string, number> }> = [];
  for (let round = 0; round < rounds; round++) {
    for (const victim of cluster.nats.servers) {
      const leader = (await retrying(() => jsm.streams.info(EVENTS_STREAM))).cluster?.leader;
      const seqBefore = Math.max(0, ...cluster.storedAt.map(([seq]) => seq));
      const killedAt = Date.now();
      await victim.kill();
      await until('10 writes after the kill', () => burst.writes.filter((w) => w.startedAt > killedAt && w.doneAt).length >= 10, 60_000);
      const later = burst.writes.filter((w) => w.startedAt > killedAt && w.doneAt).slice(0, 10);
      await until('those writes on every wall', () => walls.every((w) => later.every((x) => w.arrivalOf(x.title))), 60_000);
      kills.push({
        server: victim.name,
        streamLeader: leader === victim.name,
        natsStoredAgainMs: (cluster.storedAt.find(([seq, at]) => seq > seqBefore && at > killedAt)?.[1] ?? NaN) - killedAt,
        resumeMs: Object.fromEntries(walls.map((w, i) => [cluster.nodes[i]!.name, Math.min(...later.map((x) => w.arrivalOf(x.title)!)) - killedAt])),
      });
      await victim.start();
      await cluster.nats.replicasCurrent([EVENTS_STREAM]);
    }
  }
  await burst.stop();
  const { state } = await retrying(() => jsm.streams.info(EVENTS_STREAM));
  await until('every wall has the whole stream', () => walls.every((w) => w.events.filter((e) => e.id !== undefined).length >= state.last_seq), 60_000);
  await sleep(500);
  const ids = walls.map((w) => w.events.filter((e) => e.id !== undefined).map((e) => e.id!));
  const resume = kills.flatMap((k) => Object.values(k.resumeMs));
  const byLeader = (led: boolean) => kills.filter((k) => k.streamLeader === led).flatMap((k) => Object.values(k.resumeMs));
  const stats = (xs: number[]) => (xs.length ? { n: xs.length, p50: percentile(xs, 50), p95: percentile(xs, 95), max: Math.max(...xs) } : null);
  process.stdout.write(`${JSON.stringify({
    bench: 'nats-loss',
    command: `node --import tsx bench/nats-loss.ts --nodes ${nodeCount} --rounds ${rounds}`,
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model },
    setup: `${nodeCount} gateway nodes, 1 PostgreSQL, 3 nats-server ${natsVersion} routed as one JetStream cluster (GW_EVENTS and GW_CANDIDATES with 3 replicas); reports and candidates every 100 ms over the nodes; each server SIGKILLed in turn, restarted once every wall had events written after the kill`,
    kills,
    resumeMs: {
      all: stats(resume),
      streamLeaderKilled: stats(byLeader(true)),
      otherServerKilled: stats(byLeader(false)),
    },
    natsStoredAgainMs: stats(kills.map((k) => k.natsStoredAgainMs).filter(Number.isFinite)),
    walls: {
      streamEvents: state.last_seq,
      received: ids.map((x) => x.length),
      missing: ids.map((x) => state.last_seq - new Set(x).size),
      outOfOrder: ids.map((x) => x.filter((id, i) => i > 0 && id <= x[i - 1]!).length),
      duplicates: ids.map((x) => x.length - new Set(x).size),
      reconnects: walls.map((w) => w.reconnects),
    },
  }, null, 2)}\n`);
} finally {
  walls.forEach((w) => w.close());
  await burst.stop();
  await cluster.close();
}
