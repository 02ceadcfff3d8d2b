// The cluster simulation: 10,000 channels over N simulated node processes
// (real leases in a real PostgreSQL, ingest simulated) on this machine.
// Prints: settle time from a cold start, after a node joins and after one is
// killed (-9); lease statements per second and per channel in steady state;
// CPU of the nodes and of PostgreSQL; and whether any channel ever ran twice.
//   node --import tsx bench/cluster.ts [--channels 10000] [--nodes 4] [--ttl 10000] [--tick 2000] [--steady 20]
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { cpuSeconds, postgresCpuSeconds } from './proc.ts';
import { ClusterSim, realNow } from '../test/helpers/cluster-sim.ts';
import { startPostgres } from '../test/helpers/postgres.ts';

const { values } = parseArgs({
  options: { channels: { type: 'string', default: '10000' }, nodes: { type: 'string', default: '4' }, ttl: { type: 'string', default: '10000' }, tick: { type: 'string', default: '2000' }, steady: { type: 'string', default: '20' } },
});
const channels = Number(values.channels);
const nodes = Number(values.nodes);
const ttlMs = Number(values.ttl);
const tickMs = Number(values.tick);
const steadySeconds = Number(values.steady);

const pgServer = await startPostgres();
const sim = new ClusterSim(await pgServer.createDatabase('cluster_bench'), { channels, ttlMs, tickMs, startMs: 50 });
try {
  const ids = Array.from({ length: nodes - 1 }, (_, i) => `node-${i + 1}`);
  const t0 = realNow();
  for (const id of ids) sim.spawnNode(id);
  await Promise.all(ids.map((id) => sim.waitReady(id, 60_000)));
  const coldStartSettleMs = await sim.waitSettled(120_000);
  const coldFromSpawnMs = realNow() - t0;

  // Steady state: statements per second and CPU.
  await new Promise((r) => setTimeout(r, 2 * tickMs));
  const total = (k: string) => [...sim.nodes.values()].reduce((s, n) => s + Number(n.lastStats?.[k] ?? 0), 0);
  const opsBefore = total('ops');
  const rowsBefore = total('leaseRows');
  const cpuBefore = new Map([...sim.nodes.values()].map((n) => [n.id, cpuSeconds(n.proc.pid!) ?? 0]));
  const pgBefore = postgresCpuSeconds(pgServer.pid()!);
  const w0 = realNow();
  await new Promise((r) => setTimeout(r, steadySeconds * 1000));
  const elapsed = (realNow() - w0) / 1000;
  const opsAfter = total('ops');
  const leaseRowsPerSecond = (total('leaseRows') - rowsBefore) / elapsed;
  const nodeCpu = [...sim.nodes.values()].map((n) => (((cpuSeconds(n.proc.pid!) ?? 0) - cpuBefore.get(n.id)!) / elapsed) * 100);
  const pgCpu = ((postgresCpuSeconds(pgServer.pid()!) - pgBefore) / elapsed) * 100;
  const tickMsSeen = [...sim.nodes.values()].map((n) => Number(n.lastStats?.lastTickMs ?? 0));
  const rss = [...sim.nodes.values()].map((n) => Number(n.lastStats?.rssMiB ?? 0));
  const opsPerSecond = (opsAfter - opsBefore) / elapsed;

  // A node joins: the others hand back, it takes its share.
  const joinAt = realNow();
  sim.spawnNode(`node-${nodes}`);
  const joinSettleMs = await sim.waitSettled(120_000);
  const joinFromSpawnMs = realNow() - joinAt;
  const afterJoin = Object.fromEntries(sim.counts());

  // A node dies: its channels wait for their leases to expire, then move.
  const killedAt = sim.kill('node-1');
  await sim.waitSettled(ttlMs + 120_000);
  const deathSettleMs = realNow() - killedAt;
  const afterDeath = Object.fromEntries(sim.counts());
  const moved = sim.events.filter((e) => e.ev === 'start' && e.t > killedAt).length;

  const overlaps = sim.doubleOwnership();
  console.log(JSON.stringify({
    bench: 'cluster',
    command: `node --import tsx bench/cluster.ts --channels ${channels} --nodes ${nodes} --ttl ${ttlMs} --tick ${tickMs} --steady ${steadySeconds}`,
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, postgres: execFileSync('postgres', ['--version'], { encoding: 'utf8', env: { ...process.env, PATH: `${process.env.PATH}:/usr/lib/postgresql/15/bin` } }).trim() },
    settings: { channels, nodes, leaseTtlMs: ttlMs, tickMs, simulatedStartMs: 50 },
    coldStart: { nodes: nodes - 1, settleMsFromReady: Math.round(coldStartSettleMs), settleMsFromSpawn: Math.round(coldFromSpawnMs) },
    steady: {
      seconds: Math.round(elapsed), leaseStatementsPerSecond: Math.round(opsPerSecond), leaseRowOpsPerSecond: Math.round(leaseRowsPerSecond), statementsPerChannelPerMinute: Number(((opsPerSecond * 60) / channels).toFixed(3)),
      tickMsPerNode: tickMsSeen.map((x) => Math.round(x)), nodeCpuPercentOfOneCore: nodeCpu.map((x) => Number(x.toFixed(1))), postgresCpuPercentOfOneCore: Number(pgCpu.toFixed(1)), nodeRssMiB: rss,
    },
    join: { settleMs: Math.round(joinSettleMs), fromSpawnMs: Math.round(joinFromSpawnMs), channelsPerNode: afterJoin },
    death: { settleMsAfterKill: Math.round(deathSettleMs), channelsMoved: moved, channelsPerNode: afterDeath },
    doubleOwnership: overlaps.length,
  }, null, 1));
} finally {
  await sim.closeAll();
  await pgServer.close();
}
