// One gateway node of a cluster: its channel leases (which cameras it runs),
// the registry changes it shares with the other nodes, and where another
// node's channels are. Started with the gateway; the leases begin once the
// node's HTTP listens, so the URL it advertises for its media answers.
import type { NatsConnection } from 'nats';
import type { Logger } from 'pino';
import type { PgPoolOptions, RegistryService } from '../../device-registry/index.ts';
import type { ClusterConfig } from './config.ts';
import { ChannelLeases } from './leases/channel-leases.ts';
import { LeaseStore, leasePool } from './leases/lease-store.ts';
import { SingletonLease } from './leases/singleton-lease.ts';
import { SingletonStore } from './leases/singleton-store.ts';
import { RegistryFanout } from './registry-fanout.ts';
import { leaseLocator, sharedMediaTokenSecret, type MediaLocator } from './media/index.ts';
import { OriginBook } from './media/origin-book.ts';
import { OriginStore } from './media/origin-store.ts';
import { deviceHomes, originLookup, pushPlaces } from './media/origins.ts';
import type { DeviceHomes } from '../gb28181/index.ts';
import type { EventsPlacement, PlacementListener } from '../onvif/events/placement.ts';
import { untilReachable } from './start-retry.ts';
import { redactUrl } from '../log.ts';
import type { VideoManager } from '../video/video-manager.ts';

export class ClusterNode {
  private leases: ChannelLeases | undefined;
  private manager: VideoManager | undefined;
  /** Where GB28181 devices registered and RTMP encoders push (media/origins.ts). */
  private readonly origins: OriginBook;
  private pushes: ReturnType<typeof pushPlaces> | undefined;
  /** Jobs one node of the cluster does (singleton-lease.ts), by name; they tick once the node listens. */
  private readonly singletons = new Map<string, SingletonLease>();
  private listeningAt: string | undefined;
  /** Rooms that follow this node's leases besides video (camera events): told of each lease let go, awaited. */
  private readonly leaseFollowers = new Set<{ listener: PlacementListener; wanted: () => Iterable<string> }>();

  private constructor(
    readonly nodeId: string,
    private readonly config: ClusterConfig,
    private readonly leaseStore: LeaseStore,
    private readonly fanout: RegistryFanout,
    /** One media-token secret for every node, so a token minted on one is good on all. */
    readonly mediaTokenSecret: Buffer,
    private readonly log: Logger,
    private readonly singletonStore: SingletonStore,
    originStore: OriginStore,
    nats: NatsConnection,
    registry: RegistryService,
  ) {
    this.origins = new OriginBook(originStore, nats, nodeId, this.liveNodeIds, log.child({ component: 'media-origins' }));
    this.deviceHomes = deviceHomes(this.origins);
    this.media = leaseLocator({
      nodeId,
      owns: (id) => this.leases?.owns(id),
      owner: (id) => leaseStore.owner(id),
      sharded: (id) => this.manager?.shardable.has(id) ?? false,
      origin: originLookup(registry, originStore),
    });
  }

  static async start(config: ClusterConfig, deps: {
    nodeId: string; postgresUrl: string; leasePool: PgPoolOptions; connectTimeoutMs: number; nats: NatsConnection; registry: RegistryService; log: Logger;
  }): Promise<ClusterNode> {
    const log = deps.log.child({ module: 'cluster', nodeId: deps.nodeId });
    const pool = leasePool(deps.postgresUrl, deps.leasePool);
    const leaseStore = new LeaseStore(pool, deps.nodeId, config.leaseTtlSeconds * 1000);
    await untilReachable(() => leaseStore.ensureSchema(), { what: 'PostgreSQL', where: `${redactUrl(deps.postgresUrl)} (leases)`, field: 'store.postgres.url', timeoutMs: deps.connectTimeoutMs, log });
    const secret = await sharedMediaTokenSecret(pool);
    const originStore = new OriginStore(pool, deps.nodeId, config.leaseTtlSeconds * 1000);
    await originStore.migrate();
    const singletonStore = new SingletonStore(pool, deps.nodeId, config.leaseTtlSeconds * 1000);
    await singletonStore.migrate();
    const node = new ClusterNode(deps.nodeId, config, leaseStore, new RegistryFanout(deps.nats, deps.registry, deps.nodeId, log), secret, log, singletonStore, originStore, deps.nats, deps.registry);
    await node.origins.start();
    return node;
  }

  /** For the GB28181 room: where each device is registered across the nodes. */
  readonly deviceHomes: DeviceHomes;

  /** For startVideo: the manager runs the channels these leases hold. */
  readonly shard = (manager: VideoManager): ChannelLeases => {
    this.manager = manager;
    this.pushes = pushPlaces(this.origins, (id) => void manager.release(id));
    manager.placePushes(this.pushes);
    return this.ensureLeases();
  };

  /** The lease loop; without video it still beats, so the nodes know each other (sensor ownership). */
  private ensureLeases(): ChannelLeases {
    return (this.leases ??= new ChannelLeases(this.leaseStore, {
      nodeId: this.nodeId, url: null, capacity: this.config.capacity, ttlMs: this.config.leaseTtlSeconds * 1000, tickMs: this.config.tickSeconds * 1000,
    }, () => this.manager?.shardable ?? this.wantedWithoutVideo(), (id) => this.release(id), this.log));
  }

  /** Before a lease is given back: the channel's ingest and its camera events stop. */
  private async release(channelId: string): Promise<void> {
    await Promise.all([this.manager?.release(channelId), ...[...this.leaseFollowers].map((f) => f.listener.released(channelId))]);
  }

  /** A node that runs no video still leases the channels whose camera events want a node. */
  private wantedWithoutVideo(): string[] {
    return [...new Set([...this.leaseFollowers].flatMap((f) => [...f.wanted()]))];
  }

  /** Camera events follow the channel's lease (gateway/onvif/events/placement.ts). */
  eventsPlacement(): EventsPlacement {
    return {
      nodeId: this.nodeId,
      here: (id) => this.leases?.owns(id) !== undefined,
      owners: () => this.owners(),
      follow: (listener, wanted) => {
        const leases = this.ensureLeases();
        const follower = { listener, wanted };
        const acquired = (lease: { channelId: string }) => listener.acquired(lease.channelId);
        const lost = (lease: { channelId: string }) => void listener.released(lease.channelId);
        leases.on('acquired', acquired);
        leases.on('lost', lost);
        this.leaseFollowers.add(follower);
        return () => {
          leases.off('acquired', acquired);
          leases.off('lost', lost);
          this.leaseFollowers.delete(follower);
        };
      },
    };
  }

  /** Starts taking channels once the node's HTTP answers at `url`. */
  async listening(url: string): Promise<void> {
    this.log.info({ url, capacity: this.config.capacity }, 'cluster node joining');
    this.listeningAt = url;
    await this.ensureLeases().start(url);
    await Promise.all([...this.singletons.values()].map((s) => s.start()));
  }

  /** A job exactly one node does (e.g. the GB28181 upper links): its lease, which starts once the node listens. */
  singleton(name: string): SingletonLease {
    let lease = this.singletons.get(name);
    if (!lease) {
      lease = new SingletonLease(name, this.singletonStore, { nodeId: this.nodeId, ttlMs: this.config.leaseTtlSeconds * 1000, tickMs: this.config.tickSeconds * 1000 }, this.log);
      this.singletons.set(name, lease);
      if (this.listeningAt) void lease.start();
    }
    return lease;
  }

  /** Where a channel's media is (cluster/media): here, on another node, or nowhere right now. */
  readonly media: MediaLocator;

  /** The live nodes at the last lease tick. */
  readonly liveNodeIds = (): readonly string[] => this.leases?.liveNodeIds ?? [];

  /** The nodes that beat within the lease time, with their URLs (recorded footage of another node is fetched there). */
  readonly liveNodes = () => this.leaseStore.liveNodes();

  /** Channel → the node holding its lease now. */
  readonly owners = (): Promise<Map<string, string>> => this.leaseStore.owners();

  async describe() {
    return {
      nodeId: this.nodeId,
      leases: this.leases?.stats() ?? null,
      owned: (this.leases?.ownedIds() ?? []).sort(),
      registryChanges: { relayed: this.fanout.relayed, received: this.fanout.received },
      /** Jobs one node does, with the node holding each (null: none right now). */
      singletons: Object.fromEntries([...this.singletons.values()].map((s) => [s.name, s.heldBy()])),
      nodes: await this.leaseStore.nodesWithLeases(),
    };
  }

  /** Hands the leases back (the channels' ingest stops first), so the others take over at once. */
  async stop(): Promise<void> {
    // The singleton jobs first: stopped here, then given back, so another node takes them at its next tick.
    await Promise.all([...this.singletons.values()].map((s) => s.stop()));
    await this.leases?.stop();
    this.pushes?.stop();
    await this.origins.stop();
    this.fanout.stop();
    await this.leaseStore.close();
  }
}
