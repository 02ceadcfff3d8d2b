// One node's side of channel sharding. Every tick it beats, renews what it
// holds, works out its fair share from the live nodes, gives back what is over
// its share and takes free channels up to it. It stops a channel's ingest
// before giving its lease back, and stops everything it holds when it cannot
// renew in time (measured on its own monotonic clock from before the renewal
// was sent, so it gives up before the database lets another node take over).
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { affinity, fairShares } from './fair-share.ts';
import type { Lease, LeaseStore } from './lease-store.ts';

export interface LeaseSettings {
  nodeId: string;
  /** Where other nodes reach this one (media proxy); null when not reachable. */
  url: string | null;
  /** Most channels this node runs. */
  capacity: number;
  ttlMs: number;
  tickMs: number;
}

interface LeaseEvents {
  /** The node now owns the channel: start it. */
  acquired: [Lease];
  /** The node no longer owns the channel: stop it now. */
  lost: [Lease, string];
}

export interface LeaseStats {
  held: number;
  quota: number;
  liveNodes: number;
  ticks: number;
  failedTicks: number;
  ops: number;
  leaseRows: number;
  lastTickMs: number;
}

const WATCHDOG_MS = 100;

export class ChannelLeases extends EventEmitter<LeaseEvents> {
  private readonly held = new Map<string, number>();
  private deadline = 0;
  private timer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private running = false;
  private ticking: Promise<void> | undefined;
  private quota = 0;
  /** The live nodes at the last tick (sensor ownership is worked out from them). */
  liveNodeIds: readonly string[] = [];
  private ticks = 0;
  private failedTicks = 0;
  private lastTickMs = 0;
  private lastError: string | undefined;

  constructor(
    private readonly store: LeaseStore,
    private settings: LeaseSettings,
    /** The channels that should run somewhere in the cluster. */
    private readonly wanted: () => Iterable<string>,
    /** Stops a channel's ingest; awaited before its lease is given back. */
    private readonly stopChannel: (channelId: string) => Promise<void>,
    private readonly log: Logger,
  ) {
    super();
  }

  get nodeId(): string {
    return this.settings.nodeId;
  }

  /** The lease version (fencing token) when this node owns the channel. */
  owns(channelId: string): number | undefined {
    return this.held.get(channelId);
  }

  ownedIds(): string[] {
    return [...this.held.keys()];
  }

  stats(): LeaseStats {
    return { held: this.held.size, quota: this.quota, liveNodes: this.liveNodeIds.length, ticks: this.ticks, failedTicks: this.failedTicks, ops: this.store.ops, leaseRows: this.store.leaseRows, lastTickMs: this.lastTickMs };
  }

  /** `url`: where the node listens, once it does (advertised to the others for media). */
  async start(url?: string): Promise<void> {
    if (url) this.settings = { ...this.settings, url };
    await this.store.ensureSchema();
    this.running = true;
    this.watchdog = setInterval(() => this.checkDeadline(), WATCHDOG_MS);
    await this.tickNow();
    this.schedule();
  }

  /** Stops every channel, gives the leases back and leaves, so the others take over at their next tick. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    clearInterval(this.watchdog);
    await this.ticking;
    const leases = [...this.held].map(([channelId, version]) => ({ channelId, version }));
    this.held.clear();
    await Promise.all(leases.map((l) => this.stopChannel(l.channelId)));
    try {
      await this.store.release(leases);
      await this.store.leave();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not give leases back; they expire on their own');
    }
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      void this.tickNow().finally(() => this.schedule());
    }, this.settings.tickMs);
  }

  tickNow(): Promise<void> {
    return (this.ticking ??= this.tick().finally(() => (this.ticking = undefined)));
  }

  private lose(channelId: string, version: number, reason: string): void {
    if (this.held.get(channelId) !== version) return;
    this.held.delete(channelId);
    this.emit('lost', { channelId, version }, reason);
  }

  private checkDeadline(): void {
    if (!this.held.size || performance.now() < this.deadline) return;
    this.log.error({ held: this.held.size, lastError: this.lastError }, 'leases not renewed in time: stopping every channel this node runs');
    for (const [id, version] of [...this.held]) this.lose(id, version, `lease not renewed within ${this.settings.ttlMs} ms (${this.lastError ?? 'database slow'})`);
  }

  private async tick(): Promise<void> {
    const t0 = performance.now();
    try {
      await this.store.heartbeat(this.settings.capacity, this.settings.url);
      const renewed = await this.store.renew();
      // The database extended each lease to (its now + ttl), and its now is after t0.
      // Give up a margin earlier than that, to leave time to stop the ingest.
      this.deadline = t0 + this.settings.ttlMs - this.margin();
      this.adopt(renewed);
      const wanted = new Set(this.wanted());
      const nodes = await this.store.liveNodes();
      const ids = nodes.map((n) => n.nodeId).sort();
      // A new array only when the set changed, so what is worked out from it can be kept until then.
      if (ids.join('\n') !== this.liveNodeIds.join('\n')) this.liveNodeIds = ids;
      this.quota = fairShares(wanted.size, nodes).get(this.settings.nodeId) ?? 0;
      await this.giveBack(wanted);
      await this.takeUp(wanted);
      this.ticks++;
      if (this.lastError) this.log.info('lease database reachable again');
      this.lastError = undefined;
    } catch (err) {
      this.failedTicks++;
      const message = (err as Error).message;
      if (message !== this.lastError) this.log.warn({ err: message, held: this.held.size }, 'lease tick failed; channels keep running until the lease deadline');
      this.lastError = message;
    } finally {
      this.lastTickMs = performance.now() - t0;
    }
  }

  private margin(): number {
    return Math.min(this.settings.ttlMs / 2, Math.max(this.settings.tickMs, this.settings.ttlMs / 4));
  }

  /** Makes the local set what the database says this node holds. */
  private adopt(renewed: Lease[]): void {
    const now = new Map(renewed.map((l) => [l.channelId, l.version]));
    for (const [id, version] of [...this.held]) if (now.get(id) !== version) this.lose(id, version, 'lease expired or taken over');
    for (const lease of renewed) {
      if (this.held.has(lease.channelId)) continue;
      // Still ours in the database after a local give-up (the deadline fired just before a slow renewal came back).
      this.held.set(lease.channelId, lease.version);
      this.emit('acquired', lease);
    }
  }

  /** Channels no longer wanted, and those over this node's share (the ones it scores lowest). */
  private async giveBack(wanted: Set<string>): Promise<void> {
    const unwanted = [...this.held.keys()].filter((id) => !wanted.has(id));
    const kept = [...this.held.keys()].filter((id) => wanted.has(id));
    const excess = Math.max(0, kept.length - this.quota);
    const over = kept.sort((a, b) => affinity(this.settings.nodeId, a) - affinity(this.settings.nodeId, b)).slice(0, excess);
    const leases = [...unwanted, ...over].map((channelId) => ({ channelId, version: this.held.get(channelId)! }));
    if (!leases.length) return;
    for (const l of leases) this.held.delete(l.channelId);
    await Promise.all(leases.map((l) => this.stopChannel(l.channelId)));
    await this.store.release(leases);
    this.log.info({ released: leases.length, quota: this.quota }, 'channels handed back');
  }

  /** Free channels up to this node's share, the ones it scores highest first. */
  private async takeUp(wanted: Set<string>): Promise<void> {
    const deficit = this.quota - this.held.size;
    if (deficit <= 0) return;
    const taken = await this.store.taken();
    const free = [...wanted].filter((id) => !taken.has(id) && !this.held.has(id));
    if (!free.length) return;
    const me = this.settings.nodeId;
    const pick = free.sort((a, b) => affinity(me, b) - affinity(me, a)).slice(0, deficit);
    const got = await this.store.acquire(pick);
    for (const lease of got) {
      this.held.set(lease.channelId, lease.version);
      this.emit('acquired', lease);
    }
    if (got.length) this.log.info({ acquired: got.length, held: this.held.size, quota: this.quota }, 'channels taken');
  }
}
