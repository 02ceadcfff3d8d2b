// One cluster-wide job held by exactly one node (the GB28181 upper links):
// every tick the holder renews its term and every other node tries to take
// it (it can once the term expired by the database's clock) and learns who
// holds it. Like a channel lease, the holder keeps a local monotonic deadline
// from before each renewal was sent and stops the work when it passes, so it
// has stopped before the database lets another node take over.
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { SingletonStore } from './singleton-store.ts';

/** What the holder does: start the work, stop it. */
export interface SingletonWork {
  /** This node holds the job now. */
  held(): void;
  /** This node no longer holds it: stop at once. `leaving`: the node stops and gives the job back (awaited before it does). */
  lost(reason: string, leaving: boolean): Promise<void>;
}

export interface SingletonSettings {
  nodeId: string;
  ttlMs: number;
  tickMs: number;
}

const WATCHDOG_MS = 100;

export class SingletonLease {
  private version: number | undefined;
  private holder: string | null = null;
  private deadline = 0;
  private work: SingletonWork | undefined;
  private timer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private running = false;
  private lastError: string | undefined;

  constructor(
    readonly name: string,
    private readonly store: SingletonStore,
    private readonly settings: SingletonSettings,
    private readonly log: Logger,
  ) {}

  get nodeId(): string {
    return this.settings.nodeId;
  }

  /** The work to start and stop (one follower). */
  follow(work: SingletonWork): void {
    this.work = work;
    if (this.version !== undefined) work.held();
  }

  get holds(): boolean {
    return this.version !== undefined;
  }

  /** The node holding the job at the last tick (this one's id when it does); null: none, or not known yet. */
  heldBy(): string | null {
    return this.holds ? this.settings.nodeId : this.holder;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.watchdog = setInterval(() => this.checkDeadline(), WATCHDOG_MS);
    await this.tickNow();
    this.schedule();
  }

  /** Stops the work (leaving), then gives the term back so another node takes it at its next tick. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    clearInterval(this.watchdog);
    await this.ticking;
    const version = this.version;
    if (version === undefined) return;
    this.version = undefined;
    await this.tellLost('the node is stopping', true);
    try {
      await this.store.release(this.name, version);
    } catch (err) {
      this.log.warn({ singleton: this.name, err: (err as Error).message }, 'could not give the job back; it expires on its own');
    }
  }

  tickNow(): Promise<void> {
    return (this.ticking ??= this.tick().finally(() => (this.ticking = undefined)));
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => void this.tickNow().finally(() => this.schedule()), this.settings.tickMs);
  }

  private async tick(): Promise<void> {
    const t0 = performance.now();
    try {
      const version = this.version;
      if (version !== undefined) {
        const renewed = await this.store.renew(this.name, version);
        // The watchdog may have given up while the renewal was out: the next tick takes it again.
        if (this.version !== version) return;
        if (renewed) return this.extend(t0);
        this.lose(version, 'its term expired or another node took it');
      }
      if (!this.running) return;
      const got = await this.store.acquire(this.name);
      if (got === undefined) {
        this.holder = (await this.store.holder(this.name)) ?? null;
      } else {
        this.version = got;
        this.extend(t0);
        this.log.info({ singleton: this.name, version: got }, 'this node holds the job now');
        this.work?.held();
      }
      if (this.lastError) this.log.info({ singleton: this.name }, 'singleton lease database reachable again');
      this.lastError = undefined;
    } catch (err) {
      const message = (err as Error).message;
      if (message !== this.lastError) this.log.warn({ singleton: this.name, err: message, holds: this.holds }, 'singleton lease tick failed; the job keeps running until its deadline');
      this.lastError = message;
    }
  }

  /** The database extended the term to (its now + ttl), its now after t0: give up a margin before that. */
  private extend(t0: number): void {
    const { ttlMs, tickMs } = this.settings;
    const margin = Math.min(ttlMs / 2, Math.max(tickMs, ttlMs / 4));
    this.deadline = t0 + ttlMs - margin;
    this.holder = this.settings.nodeId;
  }

  private checkDeadline(): void {
    if (this.version === undefined || performance.now() < this.deadline) return;
    this.log.error({ singleton: this.name, lastError: this.lastError }, 'singleton lease not renewed in time: stopping the job');
    this.lose(this.version, `not renewed within ${this.settings.ttlMs} ms (${this.lastError ?? 'database slow'})`);
  }

  private lose(version: number, reason: string): void {
    if (this.version !== version) return;
    this.version = undefined;
    this.holder = null;
    this.log.warn({ singleton: this.name, reason }, 'this node no longer holds the job');
    void this.tellLost(reason, false);
  }

  private async tellLost(reason: string, leaving: boolean): Promise<void> {
    try {
      await this.work?.lost(reason, leaving);
    } catch (err) {
      this.log.error({ singleton: this.name, err: (err as Error).message }, 'stopping the job failed');
    }
  }
}
