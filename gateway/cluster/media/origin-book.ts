// This node's view of where media enters the cluster (origin-store.ts), in
// memory, so the video and GB28181 rooms can ask without waiting whether a
// channel runs on another node. It follows the claims and releases every node
// publishes (core NATS, at once), the table at start and every refreshMs
// (what a message lost while NATS was away left out), and the live set of
// nodes from the lease loop: the keys of a node that stops beating are
// dropped, and the listeners are told their holder was lost.
import { EventEmitter } from 'node:events';
import type { NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { publishToPeers, subscribeToPeers } from '../peer-messages.ts';
import type { OriginStore } from './origin-store.ts';
import { OriginWrites } from './origin-writes.ts';

const SUBJECT = 'gw.media.origins';
const LIVE_CHECK_MS = 1000;

export interface OriginChange {
  key: string;
  /** The node holding it now, if any (this node included). */
  holder?: string;
  previous?: string;
  /** The previous holder left the cluster (stopped beating or restarted) rather than giving the key up. */
  holderLost: boolean;
}

type PeerMessage = { key: string; holder: string | null } | { reset: true };

export class OriginBook extends EventEmitter<{ change: [OriginChange] }> {
  private readonly holders = new Map<string, { nodeId: string; at: number }>();
  /** When a key lost its holder here: a table read begun before that must not bring the holder back. */
  private readonly droppedAt = new Map<string, number>();
  private live: readonly string[] = [];
  private timers: NodeJS.Timeout[] = [];
  private unsubscribe: (() => void) | undefined;
  private readonly writes: OriginWrites;
  private stopped = false;

  constructor(
    private readonly store: OriginStore,
    private readonly nc: NatsConnection,
    readonly nodeId: string,
    /** The nodes beating now (ChannelLeases.liveNodeIds: a new array when the set changes). */
    private readonly liveNodes: () => readonly string[],
    private readonly log: Logger,
    private readonly refreshMs = 30_000,
  ) {
    super();
    this.writes = new OriginWrites(store, log, (key) => {
      if (this.holder(key) === this.nodeId) publishToPeers(this.nc, SUBJECT, this.nodeId, { key, holder: this.nodeId });
    });
  }

  /** A node that starts holds nothing yet: what a previous run of it left in the table goes, and the others are told. */
  async start(): Promise<void> {
    const left = await this.store.releaseAll();
    if (left) this.log.info({ left }, 'media origins of a previous run of this node released');
    this.unsubscribe = subscribeToPeers<PeerMessage>(this.nc, SUBJECT, { nodeId: this.nodeId, log: this.log, what: 'media origin' }, (m) => this.fromPeer(m));
    publishToPeers(this.nc, SUBJECT, this.nodeId, { reset: true });
    await this.refresh();
    this.timers = [
      setInterval(() => this.checkLive(), LIVE_CHECK_MS),
      setInterval(() => void this.refresh(), this.refreshMs),
    ];
    for (const t of this.timers) t.unref();
  }

  /** The node holding `key` as this node knows it now. */
  holder(key: string): string | undefined {
    return this.holders.get(key)?.nodeId;
  }

  /** This node holds `key` now: for `ttlMs` (a registration) or while it lives (null). */
  claim(key: string, ttlMs: number | null): void {
    if (this.stopped) return; // leaving: a registration still arriving is the next node's
    this.set(key, this.nodeId, false);
    publishToPeers(this.nc, SUBJECT, this.nodeId, { key, holder: this.nodeId });
    this.writes.claim(key, ttlMs);
  }

  /** This node gives `key` up (a push stopped, a registration ended); nothing happens if another node holds it now. */
  release(key: string): void {
    if (this.stopped || this.holder(key) !== this.nodeId) return;
    this.set(key, undefined, false);
    publishToPeers(this.nc, SUBJECT, this.nodeId, { key, holder: null });
    this.writes.release(key);
  }

  /** Leaving the cluster cleanly: every key goes at once, so the others need not wait for the lease time. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.writes.stop();
    this.unsubscribe?.();
    publishToPeers(this.nc, SUBJECT, this.nodeId, { reset: true });
    await this.store.releaseAll().catch((err: Error) => this.log.warn({ err: err.message }, 'media origins not released on leaving; they lapse with the lease time'));
  }

  private set(key: string, holder: string | undefined, holderLost: boolean): void {
    const previous = this.holders.get(key)?.nodeId;
    if (holder) {
      this.holders.set(key, { nodeId: holder, at: Date.now() });
      this.droppedAt.delete(key);
    } else if (this.holders.delete(key)) {
      this.droppedAt.set(key, Date.now());
    }
    if (previous !== holder) this.emit('change', { key, holder, previous, holderLost });
  }

  private fromPeer(m: PeerMessage & { origin: string }): void {
    if ('reset' in m) {
      for (const [key, h] of [...this.holders]) if (h.nodeId === m.origin) this.set(key, undefined, true);
      return;
    }
    if (typeof m.key !== 'string') return;
    if (m.holder) this.set(m.key, m.holder, false);
    else if (this.holder(m.key) === m.origin) this.set(m.key, undefined, false);
  }

  /** A node that stopped beating holds nothing. */
  private checkLive(): void {
    const live = this.liveNodes();
    if (live === this.live || !live.includes(this.nodeId)) return;
    this.live = live;
    for (const [key, h] of [...this.holders]) if (h.nodeId !== this.nodeId && !live.includes(h.nodeId)) this.set(key, undefined, true);
  }

  /** The table wins over what this node heard, except for keys that changed while it was read. */
  private async refresh(): Promise<void> {
    const startedAt = Date.now();
    let rows: Map<string, string>;
    try {
      rows = await this.store.all();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'media origins not refreshed from the table; retried at the next refresh');
      return;
    }
    for (const [key, h] of [...this.holders]) {
      if (h.at < startedAt && h.nodeId !== this.nodeId && !rows.has(key)) this.set(key, undefined, !this.live.includes(h.nodeId));
    }
    const live = this.liveNodes();
    const leasesKnown = live.includes(this.nodeId);
    for (const [key, nodeId] of rows) {
      const changedAt = this.holders.get(key)?.at ?? this.droppedAt.get(key);
      // A node the lease loop saw stop beating while the table was read stays gone.
      if (leasesKnown && !live.includes(nodeId)) continue;
      if (nodeId !== this.nodeId && (changedAt === undefined || changedAt < startedAt)) this.set(key, nodeId, false);
    }
    for (const [key, at] of this.droppedAt) if (at < startedAt) this.droppedAt.delete(key);
  }
}
