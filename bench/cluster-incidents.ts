// Incident throughput through the whole scale-out path, on this machine: real
// gateway processes on one PostgreSQL and one nats-server (as in
// test/cluster-gateways.test.ts), machine candidates posted over HTTP to every
// node (accepted = stored in JetStream), raised by the nodes' door consumers
// into PostgreSQL (idempotent by candidate id), and each incident.created
// event read back from one node's SSE stream. Prints JSON.
//   node --import tsx bench/cluster-incidents.ts [--nodes 3] [--candidates 5000] [--inFlight 64]
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { CLUSTER_KEY, startGatewayCluster } from '../test/helpers/gateway-cluster.ts';
import { openSse } from '../test/helpers/sse.ts';
import { cpuSeconds, percentile, postgresCpuSeconds, round, rssMiB } from './proc.ts';

const { values } = parseArgs({ options: { nodes: { type: 'string', default: '3' }, candidates: { type: 'string', default: '5000' }, inFlight: { type: 'string', default: '64' } } });
const nodeCount = Number(values.nodes);
const total = Number(values.candidates);
const inFlight = Number(values.inFlight);

const cluster = await startGatewayCluster({ ttlSeconds: 15, tickSeconds: 3, args: ['--video.enabled', 'false', '--sensors.enabled', 'false'] });
try {
  const nodes = await Promise.all(Array.from({ length: nodeCount }, (_, i) => cluster.start(`node-${i + 1}`)));
  const auth = { authorization: `Bearer ${CLUSTER_KEY}` };
  const sse = await openSse(`${nodes[0]!.url}/api/events?types=incident.created`, auth);
  const sentAt = new Map<string, number>();
  const seenAt = new Map<string, number>();
  let scanned = 0;
  const scan = () => {
    for (; scanned < sse.events.length; scanned++) {
      const key = sse.events[scanned]!.data.dedupeKey as string;
      if (!seenAt.has(key)) seenAt.set(key, performance.now());
    }
  };
  const scanner = setInterval(scan, 5);

  const cpu = () => ({ nodes: nodes.map((n) => cpuSeconds(n.gw.proc.pid!) ?? 0), pg: postgresCpuSeconds(cluster.postgres.pid()!), nats: cpuSeconds(cluster.nats.pid()!) ?? 0 });
  const cpu0 = cpu();
  const t0 = performance.now();
  let next = 0;
  let rejected = 0;
  const acceptedAt: number[] = [];
  const worker = async () => {
    for (let i = next++; i < total; i = next++) {
      const key = `bench-${i}`;
      const node = nodes[i % nodes.length]!;
      const started = performance.now();
      sentAt.set(key, started);
      const res = await fetch(`${node.url}/api/incidents/candidates`, {
        method: 'POST', headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify({ type: 'water_level_high', severity: 'major', source: { kind: 'sensor', id: `wl-${i}` }, occurredAt: Date.now(), dedupeKey: key }),
      });
      await res.arrayBuffer();
      if (res.status === 202) acceptedAt.push(performance.now() - started);
      else rejected++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const acceptedMs = performance.now() - t0;
  const deadline = performance.now() + 120_000;
  while (seenAt.size < total - rejected && performance.now() < deadline) {
    scan();
    await new Promise((r) => setTimeout(r, 20));
  }
  const doneMs = performance.now() - t0;
  clearInterval(scanner);
  const cpu1 = cpu();
  const seconds = doneMs / 1000;
  const latencies = [...seenAt].map(([k, at]) => at - sentAt.get(k)!);
  const cluster0 = (await (await fetch(`${nodes[0]!.url}/api/cluster`, { headers: auth })).json()) as { incidents: Record<string, number | null> };
  sse.close();
  process.stdout.write(`${JSON.stringify({
    bench: 'cluster-incidents',
    command: `node --import tsx bench/cluster-incidents.ts --nodes ${nodeCount} --candidates ${total} --inFlight ${inFlight}`,
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model },
    path: 'HTTP POST /api/incidents/candidates (round robin over the nodes) → JetStream GW_CANDIDATES → door consumers → PostgreSQL (incident + flow + event, idempotent by candidate id) → GW_EVENTS → SSE on node-1',
    settings: { nodes: nodeCount, candidates: total, httpInFlight: inFlight },
    accepted: { count: total - rejected, rejected, perSecond: round((total - rejected) / (acceptedMs / 1000), 0), httpMs: { p50: round(percentile(acceptedAt, 50), 1), p99: round(percentile(acceptedAt, 99), 1) } },
    incidents: {
      createdOnSse: seenAt.size, lost: total - rejected - seenAt.size, perSecondEndToEnd: round(seenAt.size / seconds, 0),
      postToSseMs: { p50: round(percentile(latencies, 50), 1), p95: round(percentile(latencies, 95), 1), p99: round(percentile(latencies, 99), 1) },
    },
    seconds: round(seconds, 2),
    cpuPercentOfOneCore: {
      nodes: cpu1.nodes.map((c, i) => round(((c - cpu0.nodes[i]!) / seconds) * 100, 1)),
      postgres: round(((cpu1.pg - cpu0.pg) / seconds) * 100, 1),
      natsServer: round(((cpu1.nats - cpu0.nats) / seconds) * 100, 1),
    },
    rssMiB: { nodes: nodes.map((n) => round(rssMiB(n.gw.proc.pid!) ?? 0, 0)), natsServer: round(rssMiB(cluster.nats.pid()!) ?? 0, 0) },
    node1Queue: cluster0.incidents,
  }, null, 1)}\n`);
} finally {
  await cluster.close();
}
