// Several real gateway processes (gateway/main.ts) on one real PostgreSQL and
// one real nats-server, as a scale-out deployment runs them: each node has its
// own data dir and ports, all share the registry, incidents and leases.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNats, type Nats } from './nats.ts';
import { startPostgres, type Postgres } from './postgres.ts';
import { spawnGateway, type GatewayProcess } from './process.ts';

export const CLUSTER_KEY = 'cluster-test-admin-key-0123456789abcdef';

export interface ClusterNodeProcess {
  nodeId: string;
  gw: GatewayProcess;
  url: string;
  /** An authenticated API call on this node. */
  api: (path: string, init?: RequestInit) => Promise<Response>;
  json: <T>(path: string, init?: RequestInit) => Promise<T>;
}

export interface GatewayCluster {
  postgres: Postgres;
  nats: Nats;
  dbUrl: string;
  nodes: Map<string, ClusterNodeProcess>;
  start(nodeId: string): Promise<ClusterNodeProcess>;
  kill(nodeId: string): Promise<void>;
  close(): Promise<void>;
}

export interface ClusterOptions {
  ttlSeconds: number;
  tickSeconds: number;
  /** Extra --key value flags for every node (keep log.level at info or lower: the start is read from the log). */
  args?: string[];
  /** The URL the nodes get for the database, from the direct one (e.g. through a PgBouncer the test starts). */
  nodeDatabaseUrl?: (direct: string, postgres: Postgres) => Promise<string>;
}

export async function startGatewayCluster(opts: ClusterOptions): Promise<GatewayCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'gw-cluster-'));
  const postgres = await startPostgres();
  const nats = await startNats();
  const directUrl = await postgres.createDatabase('gateway');
  const dbUrl = opts.nodeDatabaseUrl ? await opts.nodeDatabaseUrl(directUrl, postgres) : directUrl;
  const nodes = new Map<string, ClusterNodeProcess>();

  const start = async (nodeId: string): Promise<ClusterNodeProcess> => {
    const args = [
      '--dataDir', join(dir, nodeId), '--http.host', '127.0.0.1', '--http.port', '0', '--log.level', 'info',
      '--store.database', 'postgres', '--store.postgres.url', dbUrl, '--store.events', 'nats', '--store.nats.servers', `[${nats.url}]`,
      '--cluster.enabled', 'true', '--cluster.nodeId', nodeId, '--cluster.leaseTtlSeconds', String(opts.ttlSeconds), '--cluster.tickSeconds', String(opts.tickSeconds),
      '--video.rtmp.port', '0', '--video.rtmp.flvHttpPort', '0', '--sensors.broker.port', '0', '--sensors.broker.websocket.enabled', 'false',
      '--gb28181.enabled', 'false', ...(opts.args ?? []),
    ];
    const gw = spawnGateway(args, { GATEWAY_AUTH__ADMIN_KEY: CLUSTER_KEY });
    const url = await gw.listening().catch((err: unknown) => {
      gw.proc.kill('SIGKILL');
      throw err;
    });
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${url}${path}`, { ...init, headers: { authorization: `Bearer ${CLUSTER_KEY}`, 'content-type': 'application/json', ...(init.headers as Record<string, string>) } });
    const node: ClusterNodeProcess = {
      nodeId, gw, url, api,
      json: async <T>(path: string, init?: RequestInit) => {
        const res = await api(path, init);
        if (!res.ok) throw new Error(`${nodeId} ${init?.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`);
        return (await res.json()) as T;
      },
    };
    nodes.set(nodeId, node);
    return node;
  };

  const kill = async (nodeId: string) => {
    const node = nodes.get(nodeId);
    if (!node) return;
    nodes.delete(nodeId);
    node.gw.proc.kill('SIGKILL');
    await node.gw.exit;
  };

  return {
    postgres, nats, dbUrl, nodes, start, kill,
    close: async () => {
      await Promise.all([...nodes.values()].map(async (n) => {
        n.gw.proc.kill('SIGTERM');
        const timer = setTimeout(() => n.gw.proc.kill('SIGKILL'), 15_000);
        await n.gw.exit;
        clearTimeout(timer);
      }));
      nodes.clear();
      await nats.close();
      await postgres.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
