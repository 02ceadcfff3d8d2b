// Where the gateway keeps its state, and whether it runs as one node of many.
// The embedded defaults need nothing installed; the scale-out choices are
// existing engines (PostgreSQL, NATS JetStream), switched here, not in code.
import { Type, type Static } from '@sinclair/typebox';

const Url = (example: string) => Type.Union([Type.String({ minLength: 1 }), Type.Null()], { description: example });

export const StoreConfig = Type.Object(
  {
    /** sqlite: files in dataDir. postgres: registry, incidents, flow log and audit in PostgreSQL. */
    database: Type.Union([Type.Literal('sqlite'), Type.Literal('postgres')]),
    postgres: Type.Object(
      {
        url: Url('postgres://gateway:secret@db:5432/gateway'),
        /**
         * Connections per pool; a node opens at most their sum (one more while it starts).
         * Every node's sum together must stay under the server's max_connections.
         */
        pools: Type.Object(
          {
            /** Devices, grid cells, departments, API keys (every authenticated request), audit. */
            registry: Type.Integer({ minimum: 1, maximum: 200 }),
            /** Incidents, flow log, event outbox, webhooks, statistics. */
            incidents: Type.Integer({ minimum: 1, maximum: 200 }),
            /** Channel leases (the lease loop) and media-owner lookups; cluster nodes only. */
            leases: Type.Integer({ minimum: 1, maximum: 50 }),
            /** Evidence snapshots (evidence.store postgres). */
            evidence: Type.Integer({ minimum: 1, maximum: 50 }),
          },
          { additionalProperties: false },
        ),
        /** At start, keep retrying an unreachable server this long before giving up. */
        connectTimeoutSeconds: Type.Number({ minimum: 0, maximum: 3600 }),
      },
      { additionalProperties: false },
    ),
    /** local: an in-process bus. nats: incident candidates and events through NATS JetStream, fanned out to every node. */
    events: Type.Union([Type.Literal('local'), Type.Literal('nats')]),
    nats: Type.Object(
      {
        servers: Type.Array(Type.String({ minLength: 1 }), { description: 'nats://nats:4222' }),
        /** JetStream replicas: 1 for one nats-server, 3 in a NATS cluster. */
        replicas: Type.Integer({ minimum: 1, maximum: 5 }),
        connectTimeoutSeconds: Type.Number({ minimum: 0, maximum: 3600 }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type StoreConfig = Static<typeof StoreConfig>;

export const ClusterConfig = Type.Object(
  {
    /** One node of several: pulled camera channels are shared out by leases in PostgreSQL. */
    enabled: Type.Boolean(),
    /** Unique per node; null: the host name. */
    nodeId: Type.Union([Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$' }), Type.Null()]),
    /** Where the other nodes reach this one's HTTP (media of the channels it runs); null: http://<host name>:<http.port>. */
    advertiseUrl: Url('http://10.0.0.5:8080'),
    /** Most channels this node runs at once. */
    capacity: Type.Integer({ minimum: 0, maximum: 100000 }),
    /** A dead node's channels move after this long; a live node renews every tickSeconds. */
    leaseTtlSeconds: Type.Number({ minimum: 2, maximum: 600 }),
    tickSeconds: Type.Number({ minimum: 0.2, maximum: 120 }),
    /** Media of a channel another node runs: proxy (one origin for the browser) or redirect (307 to the owner). */
    media: Type.Union([Type.Literal('proxy'), Type.Literal('redirect')]),
  },
  { additionalProperties: false },
);
export type ClusterConfig = Static<typeof ClusterConfig>;

/** Choices that only make sense together; each problem names its path. */
export function clusterProblems(store: StoreConfig, cluster: ClusterConfig): string[] {
  const problems: string[] = [];
  if (store.database === 'postgres' && !store.postgres.url) problems.push('store.postgres.url: required when store.database is postgres');
  if (store.events === 'nats' && store.nats.servers.length === 0) problems.push('store.nats.servers: required when store.events is nats');
  if (store.events === 'nats' && store.database !== 'postgres') problems.push('store.events: nats needs store.database: postgres (its event table is the outbox the stream is fed from)');
  if (cluster.enabled && store.database !== 'postgres') problems.push('cluster.enabled: needs store.database: postgres (the nodes share one registry and the leases)');
  if (cluster.enabled && store.events !== 'nats') problems.push('cluster.enabled: needs store.events: nats (every node must see every incident event)');
  if (cluster.tickSeconds * 2 >= cluster.leaseTtlSeconds) problems.push('cluster.tickSeconds: must be under half of cluster.leaseTtlSeconds, so a lease is renewed at least twice before it expires');
  return problems;
}
