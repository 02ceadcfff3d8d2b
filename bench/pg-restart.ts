// PostgreSQL restarted under write load, on this machine: real gateway
// processes on one PostgreSQL and one nats-server (as in
// test/cluster-pg-loss.test.ts), writers posting incidents and registry
// entries to every node while the server is stopped (immediate, then fast),
// left down a moment and started again. Prints JSON: how long after the server
// accepts connections again every node serves writes again (and /readyz 200),
// what clients got meanwhile, and PostgreSQL connections per node and per pool
// (pg_stat_activity by application_name "<nodeId> <pool>") at idle and under load.
//   node --import tsx bench/pg-restart.ts [--nodes 3] [--writers 4] [--downSeconds 3] [--loadSeconds 5]
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../gateway/config/load.ts';
import { startGatewayCluster, type ClusterNodeProcess } from '../test/helpers/gateway-cluster.ts';
import { round } from './proc.ts';

const { values } = parseArgs({
  options: { nodes: { type: 'string', default: '3' }, writers: { type: 'string', default: '4' }, downSeconds: { type: 'string', default: '3' }, loadSeconds: { type: 'string', default: '5' } },
});
const nodeCount = Number(values.nodes);
const writersPerNode = Number(values.writers);
const downMs = Number(values.downSeconds) * 1000;
const loadMs = Number(values.loadSeconds) * 1000;
const IDLE_WAIT_MS = 12_000; // past pg's idle timeout (10 s): what a quiet node keeps open
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const cluster = await startGatewayCluster({ ttlSeconds: 15, tickSeconds: 3, args: ['--video.enabled', 'false', '--sensors.enabled', 'false', '--detection.enabled', 'false'] });
const query = async <R extends pg.QueryResultRow>(text: string): Promise<R[]> => {
  const c = new pg.Client({ connectionString: cluster.dbUrl, application_name: 'bench' });
  await c.connect();
  try {
    return (await c.query<R>(text)).rows;
  } finally {
    await c.end();
  }
};
try {
  // PostgreSQL's default; the test server turns it off for speed, and a crash would then lose acknowledged writes.
  await query('ALTER DATABASE gateway SET synchronous_commit = on');
  const nodes = await Promise.all(Array.from({ length: nodeCount }, (_, i) => cluster.start(`node-${i + 1}`)));

  /** Connections of the gateway now, node → pool → count. */
  const connections = async (): Promise<Record<string, Record<string, number>>> => {
    const rows = await query<{ app: string; n: number }>(`SELECT application_name AS app, count(*)::int AS n FROM pg_stat_activity WHERE datname = 'gateway' AND application_name <> 'bench' GROUP BY 1`);
    const out: Record<string, Record<string, number>> = {};
    for (const { app, n } of rows) {
      const [node, pool = '?'] = app.split(' ');
      (out[node!] ??= {})[pool] = n;
    }
    return out;
  };
  const totals = (by: Record<string, Record<string, number>>) => Object.fromEntries(Object.entries(by).map(([node, pools]) => [node, Object.values(pools).reduce((a, b) => a + b, 0)]));

  await sleep(IDLE_WAIT_MS);
  const idle = await connections();

  // Writers: every node, incidents and departments in turn, each result kept with its time.
  interface Outcome { node: string; at: number; status: number | 'no answer' }
  const outcomes: Outcome[] = [];
  let running = true;
  const write = async (n: ClusterNodeProcess, key: string, incident: boolean) => {
    const at = performance.now();
    try {
      const res = await n.api(incident ? '/api/incidents' : '/api/departments', {
        method: 'POST', signal: AbortSignal.timeout(30_000),
        body: JSON.stringify(incident ? { type: 'manhole_open', severity: 'minor', title: key, dedupeKey: key } : { id: key, name: key }),
      });
      await res.arrayBuffer();
      outcomes.push({ node: n.nodeId, at, status: res.status });
    } catch {
      outcomes.push({ node: n.nodeId, at, status: 'no answer' });
    }
  };
  const workers = nodes.flatMap((n) => Array.from({ length: writersPerNode }, async (_, w) => {
    for (let i = 0; running; i++) {
      await write(n, `b-${n.nodeId}-${w}-${i}`, i % 2 === 0);
      if (outcomes.at(-1)!.status !== 201) await sleep(20);
    }
  }));

  // Under load: the most connections each node held at once, sampled.
  const peak: Record<string, Record<string, number>> = {};
  const loadStart = performance.now();
  while (performance.now() - loadStart < loadMs) {
    for (const [node, pools] of Object.entries(await connections())) for (const [pool, n] of Object.entries(pools)) (peak[node] ??= {})[pool] = Math.max(peak[node]?.[pool] ?? 0, n);
    await sleep(200);
  }
  const loadWrites = outcomes.filter((o) => o.at >= loadStart && o.status === 201).length;
  const writesPerSecond = loadWrites / ((performance.now() - loadStart) / 1000);

  const restarts = [];
  for (const mode of ['immediate', 'fast'] as const) {
    const from = outcomes.length;
    await cluster.postgres.stop(mode);
    const downAt = performance.now();
    await sleep(downMs);
    await cluster.postgres.start(); // resolves once the server accepts a real connection
    const upAt = performance.now();
    // Per node: the first write acknowledged after the server was back, and /readyz 200.
    const back = await Promise.all(nodes.map(async (n) => {
      let readyMs: number | undefined;
      for (;;) {
        const written = outcomes.find((o, i) => i >= from && o.node === n.nodeId && o.at >= upAt && o.status === 201);
        if (readyMs === undefined && (await fetch(`${n.url}/readyz`).then((r) => r.status, () => 0)) === 200) readyMs = performance.now() - upAt;
        if (written && readyMs !== undefined) return { node: n.nodeId, firstWriteMs: round(written.at - upAt, 0), readyzMs: round(readyMs, 0) };
        if (performance.now() - upAt > 120_000) return { node: n.nodeId, firstWriteMs: null, readyzMs: readyMs ?? null };
        await sleep(20);
      }
    }));
    await sleep(1000);
    const during = outcomes.slice(from);
    const count = (p: (o: Outcome) => boolean) => during.filter(p).length;
    restarts.push({
      mode,
      downMs: round(upAt - downAt, 0),
      everyNodeWritesAgainMs: Math.max(...back.map((b) => b.firstWriteMs ?? Infinity)),
      perNode: back,
      clientsGot: { '201': count((o) => o.status === 201), '503': count((o) => o.status === 503), other: count((o) => o.status !== 201 && o.status !== 503) },
      nodesRunning: nodes.filter((n) => n.gw.proc.exitCode === null && n.gw.proc.signalCode === null).length,
    });
  }
  running = false;
  await Promise.all(workers);

  const maxConnections = (await query<{ max: number }>("SELECT current_setting('max_connections')::int AS max"))[0]?.max;
  const pools = loadConfig({ argv: [], env: {}, cwd: os.tmpdir() }).store.postgres.pools; // the defaults, which the nodes run with
  process.stdout.write(`${JSON.stringify({
    bench: 'pg-restart',
    command: `node --import tsx bench/pg-restart.ts --nodes ${nodeCount} --writers ${writersPerNode} --downSeconds ${downMs / 1000} --loadSeconds ${loadMs / 1000}`,
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model },
    settings: { nodes: nodeCount, writersPerNode, writes: 'POST /api/incidents and /api/departments in turn', synchronousCommit: 'on', pools, poolSumPerNode: Object.values(pools).reduce((a, b) => a + b, 0), maxConnections },
    restarts,
    connectionsPerNode: {
      idle: { totals: totals(idle), byPool: idle },
      underLoadPeak: { note: "each pool's peak over the load window, summed per node", totals: totals(peak), byPool: peak, writesPerSecond: round(writesPerSecond, 0) },
    },
    acknowledgedWrites: outcomes.filter((o) => o.status === 201).length,
  }, null, 1)}\n`);
} finally {
  await cluster.close();
}
