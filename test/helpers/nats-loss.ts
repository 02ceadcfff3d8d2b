// Gateway nodes on one PostgreSQL and a 3-server NATS cluster (streams with 3
// replicas), with what test/cluster-nats-loss.test.ts and bench/nats-loss.ts
// watch them through: a wall (SSE client) per node that resumes with
// Last-Event-ID, a burst of incidents, and when the stream stored events.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { EVENTS_TAIL_SUBJECT, TAIL_SEQ_HEADER } from '../../gateway/cluster/jetstream/streams.ts';
import { CLUSTER_KEY } from './gateway-cluster.ts';
import { startNatsCluster, type NatsCluster } from './nats.ts';
import { startPostgres, type Postgres } from './postgres.ts';
import { spawnGateway, type GatewayProcess } from './process.ts';
import { openSse, type SseClient, type SseEvent } from './sse.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface LossNode {
  name: string;
  gw: GatewayProcess;
  url: string;
  api: (path: string, init?: RequestInit) => Promise<Response>;
}

export interface NatsLossCluster {
  postgres: Postgres;
  nats: NatsCluster;
  dbUrl: string;
  nodes: LossNode[];
  /** When each stream sequence was announced as stored (this client may miss a few while it reconnects). */
  storedAt: Array<[number, number]>;
  probe: NatsConnection;
  close(): Promise<void>;
}

export async function startNatsLossCluster(nodeCount: number): Promise<NatsLossCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'gw-nats-loss-'));
  const postgres = await startPostgres();
  const nats = await startNatsCluster(3);
  const dbUrl = await postgres.createDatabase('nats_loss');
  const probe = await connect({ servers: nats.urls, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  const storedAt: Array<[number, number]> = [];
  probe.subscribe(`${EVENTS_TAIL_SUBJECT}.>`, { callback: (_err, m) => void storedAt.push([Number(m.headers?.get(TAIL_SEQ_HEADER)), Date.now()]) });
  const nodes: LossNode[] = [];
  const procs: GatewayProcess[] = [];
  const close = async () => {
    await Promise.all(procs.map(async (gw) => {
      gw.proc.kill('SIGTERM');
      const timer = setTimeout(() => gw.proc.kill('SIGKILL'), 15_000);
      await gw.exit;
      clearTimeout(timer);
    }));
    await probe.close();
    await nats.close();
    await postgres.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 1; i <= nodeCount; i++) {
      const name = `gw-${i}`;
      const gw = spawnGateway([
        '--dataDir', join(dir, name), '--http.host', '127.0.0.1', '--http.port', '0', '--log.level', 'info',
        '--video.enabled', 'false', '--sensors.enabled', 'false', '--gb28181.enabled', 'false',
        '--store.database', 'postgres', '--store.postgres.url', dbUrl, '--store.events', 'nats',
        '--store.nats.servers', `[${nats.urls.join(',')}]`, '--store.nats.replicas', '3',
        '--cluster.enabled', 'true', '--cluster.nodeId', name, '--cluster.leaseTtlSeconds', '6', '--cluster.tickSeconds', '1',
      ], { GATEWAY_AUTH__ADMIN_KEY: CLUSTER_KEY });
      procs.push(gw);
      const url = await gw.listening();
      nodes.push({
        name, gw, url,
        api: (path, init = {}) => fetch(`${url}${path}`, { ...init, headers: { authorization: `Bearer ${CLUSTER_KEY}`, 'content-type': 'application/json', ...(init.headers as Record<string, string>) } }),
      });
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { postgres, nats, dbUrl, nodes, storedAt, probe, close };
}

/** A wall on one node: an SSE client that reconnects with Last-Event-ID whenever the stream drops, keeping one list of what it received. */
export class Wall {
  readonly events: Array<SseEvent & { at: number }> = [];
  reconnects = 0;
  private client: SseClient | undefined;
  private seen = 0;
  private timer: NodeJS.Timeout | undefined;
  constructor(private readonly node: LossNode) {}

  async open(): Promise<void> {
    const last = this.events.filter((e) => e.id !== undefined).at(-1)?.id;
    this.client = await openSse(`${this.node.url}/api/events`, { authorization: `Bearer ${CLUSTER_KEY}`, ...(last !== undefined ? { 'last-event-id': String(last) } : {}) });
    this.seen = 0;
    this.timer ??= setInterval(() => void this.poll(), 20);
  }

  private async poll(): Promise<void> {
    const c = this.client;
    if (!c) return;
    for (; this.seen < c.events.length; this.seen++) this.events.push({ ...c.events[this.seen]!, at: Date.now() });
    if (c.ended) {
      this.client = undefined;
      this.reconnects++;
      await this.open().catch(() => (this.client = c)); // the node refused: try again on the next poll
    }
  }

  /** When this wall received the incident titled `title`. */
  arrivalOf(title: string): number | undefined {
    return this.events.find((e) => e.event === 'incident.created' && e.data.title === title)?.at;
  }

  close(): void {
    clearInterval(this.timer);
    this.client?.close();
  }
}

export interface Write {
  title: string;
  startedAt: number;
  doneAt?: number;
}

/**
 * People's reports and machine candidates (every third write), one every
 * `everyMs`, alternating nodes, each retried with its key until stored (a
 * candidate gets 503 while NATS cannot take it: the producer retries).
 * `stop` waits for the write in flight.
 */
export function startBurst(nodes: LossNode[], everyMs = 100): { writes: Write[]; stop(): Promise<void> } {
  const writes: Write[] = [];
  let writing = true;
  const writer = (async () => {
    for (let n = 0; writing; n++) {
      const node = nodes[n % nodes.length]!;
      const title = `burst-${n}`;
      const write: Write = { title, startedAt: Date.now() };
      writes.push(write);
      const [path, body, headers] = n % 3 === 2
        ? ['/api/incidents/candidates', { type: 'gas_leak', severity: 'major', source: { kind: 'sensor', id: `gas-${n}` }, occurredAt: Date.now(), title }, { 'idempotency-key': `cand-${n}` }]
        : ['/api/incidents', { type: 'manhole_open', severity: 'minor', title, dedupeKey: title }, {}];
      for (;;) {
        const res = await node.api(path, { method: 'POST', body: JSON.stringify(body), headers }).catch(() => undefined);
        await res?.arrayBuffer();
        if (res?.ok) break;
        if (!writing) return; // stopped while its node cannot take it: not done
        await sleep(200);
      }
      write.doneAt = Date.now();
      await sleep(everyMs);
    }
  })();
  return {
    writes,
    stop: async () => {
      writing = false;
      await writer;
    },
  };
}
