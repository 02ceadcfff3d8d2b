// Incident candidates through JetStream on this machine: N node processes
// (scripts/jetstream-bench-node.ts, each with its own NATS connection) against
// one real nats-server. Each node enqueues its share of the candidates with a
// bounded window of outstanding PubAcks; the shared `door` consumer hands each
// to one node, whose handler does a simulated cost (`--handlerMs`), publishes
// the incident event to GW_EVENTS and acks; every node reads all of GW_EVENTS.
// Prints: enqueue (acked) per second, handled per second end to end,
// enqueue→handled latency, fan-out events per second per node, duplicates,
// lost, and the nats-server's CPU and RSS.
//   node --import tsx bench/jetstream.ts [--nodes 3] [--candidates 20000] [--window 256] [--handlerMs 0] [--concurrency 64] [--timeout 300]
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { connect } from 'nats';
import { cpuSeconds, percentile, round, rssMiB } from './proc.ts';
import { DOOR_CONSUMER } from '../gateway/cluster/jetstream/candidate-queue.ts';
import { CANDIDATES_STREAM, EVENTS_STREAM } from '../gateway/cluster/jetstream/streams.ts';
import { freePort, terminate, waitForPort } from '../test/helpers/mosquitto.ts';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '3' }, candidates: { type: 'string', default: '20000' }, window: { type: 'string', default: '256' },
    handlerMs: { type: 'string', default: '0' }, concurrency: { type: 'string', default: '64' }, timeout: { type: 'string', default: '300' },
  },
});
const NODES = Number(values.nodes);
const CANDIDATES = Number(values.candidates);
const WINDOW = Number(values.window);
const HANDLER_MS = Number(values.handlerMs);
const CONCURRENCY = Number(values.concurrency);
const TIMEOUT_MS = Number(values.timeout) * 1000;
const realNow = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Line {
  node: string;
  t: number;
  ev: 'ready' | 'stats' | 'enqueued' | 'result';
  [k: string]: unknown;
}
interface Result extends Line {
  handled: number[];
  latencyMs: number[];
  lastHandledAt: number;
  redelivered: number;
  fanout: { distinct: number; duplicates: number; gaps: number; firstEventAt: number; lastEventAt: number; latencyMs: number[] };
  rssMiB: number;
}
interface Node {
  id: string;
  proc: ChildProcess;
  stderr: () => string;
  ready: boolean;
  stats?: Line;
  enqueued?: Line & { t0: number; t1: number; acked: number; errors: number };
  result?: Result;
}

// Our own nats-server, so that its /proc entry is ours to read.
const dir = mkdtempSync(join(tmpdir(), 'bench-nats-'));
const port = await freePort();
const server = spawn('nats-server', ['-js', '-sd', dir, '-a', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
let serverLog = '';
server.stderr!.on('data', (c: Buffer) => (serverLog = (serverLog + c.toString()).slice(-20_000)));
const url = `nats://127.0.0.1:${port}`;
const nodes: Node[] = [];
try {
  await waitForPort(port, 15_000).catch((err: unknown) => {
    throw new Error(`nats-server did not start: ${serverLog}`, { cause: err });
  });
  const per = Math.ceil(CANDIDATES / NODES);
  for (let i = 0; i < NODES; i++) {
    const from = i * per;
    const count = Math.max(0, Math.min(per, CANDIDATES - from));
    const id = `node-${i + 1}`;
    const proc = spawn(process.execPath, ['--import', 'tsx', 'scripts/jetstream-bench-node.ts', '--url', url, '--node', id, '--from', String(from), '--count', String(count),
      '--window', String(WINDOW), '--handler-ms', String(HANDLER_MS), '--concurrency', String(CONCURRENCY)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    proc.stderr!.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-10_000)));
    const node: Node = { id, proc, stderr: () => err, ready: false };
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      const e = JSON.parse(line) as Line;
      if (e.ev === 'ready') node.ready = true;
      else if (e.ev === 'stats') node.stats = e;
      else if (e.ev === 'enqueued') node.enqueued = e as Node['enqueued'];
      else if (e.ev === 'result') node.result = e as Result;
    });
    nodes.push(node);
  }
  const waitFor = async (what: string, ok: () => boolean, timeoutMs: number) => {
    const deadline = realNow() + timeoutMs;
    while (!ok()) {
      const dead = nodes.find((n) => n.proc.exitCode !== null && !n.result);
      if (dead) throw new Error(`${dead.id} exited: ${dead.stderr()}`);
      if (realNow() > deadline) return false;
      await sleep(20);
    }
    return true;
  };
  if (!(await waitFor('ready', () => nodes.every((n) => n.ready), 60_000))) throw new Error(`nodes not ready: ${nodes.map((n) => n.stderr()).join('\n')}`);

  const nc = await connect({ servers: url });
  const jsm = await nc.jetstreamManager();
  const cpu0 = cpuSeconds(server.pid!) ?? 0;
  const nodeCpu0 = nodes.map((n) => cpuSeconds(n.proc.pid!) ?? 0);
  let rssPeak = 0;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssMiB(server.pid!) ?? 0)), 100);
  const go = realNow();
  for (const n of nodes) n.proc.stdin!.write(`${JSON.stringify({ cmd: 'go' })}\n`);

  // Done when every node has seen every candidate's event (each is published after its handler ran), and the door has no unacked work.
  const complete = await waitFor('fanned out', () => nodes.every((n) => n.enqueued && Number(n.stats?.fanoutDistinct ?? 0) >= CANDIDATES), TIMEOUT_MS);
  const done = realNow();
  const elapsed = (done - go) / 1000;
  const natsCpu = (((cpuSeconds(server.pid!) ?? 0) - cpu0) / elapsed) * 100;
  const nodeCpu = nodes.map((n, i) => (((cpuSeconds(n.proc.pid!) ?? 0) - nodeCpu0[i]!) / elapsed) * 100);
  clearInterval(sampler);
  const natsRss = rssMiB(server.pid!) ?? 0;
  rssPeak = Math.max(rssPeak, natsRss);
  for (let i = 0; i < 100; i++) {
    const info = await jsm.consumers.info(CANDIDATES_STREAM, DOOR_CONSUMER);
    if (info.num_pending + info.num_ack_pending === 0) break;
    await sleep(50);
  }
  const door = await jsm.consumers.info(CANDIDATES_STREAM, DOOR_CONSUMER);
  const events = await jsm.streams.info(EVENTS_STREAM);
  await nc.close();

  for (const n of nodes) n.proc.stdin!.write(`${JSON.stringify({ cmd: 'report' })}\n`);
  await waitFor('results', () => nodes.every((n) => n.result), 60_000);
  const results = nodes.map((n) => n.result!);

  const counts = new Map<number, number>();
  for (const r of results) for (const x of r.handled) counts.set(x, (counts.get(x) ?? 0) + 1);
  let lost = 0;
  for (let x = 0; x < CANDIDATES; x++) if (!counts.has(x)) lost++;
  const handlerRuns = results.reduce((s, r) => s + r.handled.length, 0);
  const latencies = results.flatMap((r) => r.latencyMs);
  const fanLatencies = results.flatMap((r) => r.fanout.latencyMs);
  const enqueueEnd = Math.max(...nodes.map((n) => n.enqueued?.t1 ?? done));
  const lastHandled = Math.max(...results.map((r) => r.lastHandledAt));
  const acked = nodes.reduce((s, n) => s + (n.enqueued?.acked ?? 0), 0);
  const ms = (xs: number[]) => ({ p50: round(percentile(xs, 50), 1), p95: round(percentile(xs, 95), 1), p99: round(percentile(xs, 99), 1), max: round(Math.max(0, ...xs), 1) });

  console.log(JSON.stringify({
    bench: 'jetstream',
    command: `node --import tsx bench/jetstream.ts --nodes ${NODES} --candidates ${CANDIDATES} --window ${WINDOW} --handlerMs ${HANDLER_MS} --concurrency ${CONCURRENCY}`,
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, natsServer: execFileSync('nats-server', ['--version'], { encoding: 'utf8' }).trim(), storage: 'file (tmpdir)' },
    settings: { nodes: NODES, candidates: CANDIDATES, outstandingPubAcksPerNode: WINDOW, handlerConcurrencyPerNode: CONCURRENCY, handlerMs: HANDLER_MS, handler: `simulated: sleep ${HANDLER_MS} ms, then publish the incident event to GW_EVENTS (awaits its PubAck), then ack` },
    complete,
    seconds: round(elapsed, 2),
    enqueue: { acked, ackedPerSecond: Math.round(acked / ((enqueueEnd - go) / 1000)), errors: nodes.reduce((s, n) => s + (n.enqueued?.errors ?? 0), 0) },
    handled: {
      perSecondEndToEnd: Math.round(counts.size / ((lastHandled - go) / 1000)), distinct: counts.size, handlerRuns, duplicatesHandled: handlerRuns - counts.size,
      redelivered: results.reduce((s, r) => s + r.redelivered, 0), lost, perNode: Object.fromEntries(results.map((r, i) => [nodes[i]!.id, r.handled.length])),
    },
    enqueueToHandledMs: ms(latencies),
    fanout: {
      eventsInStream: events.state.messages,
      deliveredPerSecondPerNode: Object.fromEntries(results.map((r, i) => [nodes[i]!.id, Math.round(r.fanout.distinct / ((r.fanout.lastEventAt - go) / 1000))])),
      distinctPerNode: results.map((r) => r.fanout.distinct), duplicates: results.reduce((s, r) => s + r.fanout.duplicates, 0), gaps: results.reduce((s, r) => s + r.fanout.gaps, 0),
      handledToDeliveredMs: ms(fanLatencies),
    },
    door: { pendingAfter: door.num_pending, ackPendingAfter: door.num_ack_pending, redeliveredAfter: door.num_redelivered },
    natsServer: { cpuPercentOfOneCore: round(natsCpu, 1), rssMiB: round(natsRss, 1), rssPeakMiB: round(rssPeak, 1) },
    nodes: { count: NODES, cpuPercentOfOneCore: nodeCpu.map((x) => round(x, 1)), rssMiB: results.map((r) => r.rssMiB) },
  }, null, 1));
} finally {
  for (const n of nodes) if (n.proc.exitCode === null) n.proc.kill('SIGKILL');
  await terminate(server);
  rmSync(dir, { recursive: true, force: true });
}
