// The scale-out side of a gateway process, started when the configuration
// asks for it: the NATS connection, the incident bus on JetStream
// (store.events: nats) and this node's part in the cluster (cluster.enabled).
// See README.md in this folder.
import type { FastifyInstance } from 'fastify';
import type { NatsConnection } from 'nats';
import type { Logger } from 'pino';
import type { RegistryService } from '../../device-registry/index.ts';
import type { GatewayConfig } from '../config/schema.ts';
import { clusterRoutes } from './http.ts';
import { IncidentBus } from './incident-bus.ts';
import { connectNats } from './jetstream/connect.ts';
import { ClusterNode } from './node.ts';
import { NatsSensorShare } from './sensor-share.ts';
import type { SensorShare } from '../sensors/share.ts';
import { advertisedUrl, nodeIdOf, poolOptions } from './stores.ts';

export { exclusively, openRegistryStore, poolOptions } from './stores.ts';
export { mediaOwnerRouting, ownerFlv, type MediaOwnerRouting } from './media/index.ts';
export type { ClusterNode } from './node.ts';
export type { IncidentBus } from './incident-bus.ts';

export interface ScaleOut {
  nodeId: string;
  bus?: IncidentBus;
  node?: ClusterNode;
  /** Cluster: one node judges each sensor; every node sees every accepted reading. */
  sensorShare?: SensorShare;
  checks: Record<string, () => Promise<void>>;
  routes(app: FastifyInstance): void;
  /** The node's HTTP listens on `port`: advertise it and start taking channels. */
  listening(port: number): Promise<void>;
  /** Hands the channels back (their ingest stops first); call before the video room stops. */
  leave(): Promise<void>;
  /** Stops consuming and publishing; call before the incident room stops. */
  stop(): Promise<void>;
}

export async function startScaleOut(config: GatewayConfig, deps: { registry: RegistryService; log: Logger }): Promise<ScaleOut | undefined> {
  if (config.store.events !== 'nats' && !config.cluster.enabled) return undefined;
  const nodeId = nodeIdOf(config);
  const log = deps.log.child({ nodeId });
  let nats: NatsConnection | undefined;
  let bus: IncidentBus | undefined;
  let node: ClusterNode | undefined;
  try {
    nats = await connectNats(config.store.nats.servers, { name: `gateway ${nodeId}`, log, retry: { timeoutMs: config.store.nats.connectTimeoutSeconds * 1000 } });
    bus = await IncidentBus.start(nats, {
      nodeId, log, replicas: config.store.nats.replicas, retentionHours: config.incidents.eventRetentionHours, startTimeoutMs: config.store.nats.connectTimeoutSeconds * 1000,
    });
    if (config.cluster.enabled) {
      node = await ClusterNode.start(config.cluster, {
        nodeId, postgresUrl: config.store.postgres.url!, leasePool: poolOptions(config, 'leases', deps.log), connectTimeoutMs: config.store.postgres.connectTimeoutSeconds * 1000, nats, registry: deps.registry, log,
      });
    }
  } catch (err) {
    await bus?.stop();
    await nats?.close();
    throw err;
  }
  const nc = nats;
  const incidentBus = bus;
  const sensorShare = node && new NatsSensorShare(nc, nodeId, node.liveNodeIds, log.child({ module: 'sensor-share' }));
  return {
    nodeId, bus, node, sensorShare,
    // events: this node's SSE clients get the stream (a NATS server lost under its reader is not "ok" until it reads again).
    checks: { nats: () => nc.flush(), ...(incidentBus ? { events: () => incidentBus.checkEvents() } : {}) },
    routes: (app) => {
      if (node) clusterRoutes(app, node, bus);
    },
    listening: async (port) => node?.listening(advertisedUrl(config, port)),
    leave: async () => node?.stop(),
    stop: async () => {
      await bus?.stop();
      await nc.drain().catch((err: unknown) => log.warn({ err }, 'NATS drain failed'));
    },
  };
}
