// Every stored incident event into GW_EVENTS, also when its first publish
// failed. The node that stored an event publishes it at once; if NATS cannot
// take it (a server lost, the stream electing a leader), this node keeps it
// and tries again within a quarter second, doubling to 2 s, so the wall gets
// it as soon as the stream stores again. The outbox sweep (every 2 s) takes
// what a dead node or a lost retry list left: events unpublished 5 s after
// they were stored, claimed for 30 s so that two nodes do not both take them.
// A publish twice within 2 minutes is stored once (message id evt-<seq>).
import type { Logger } from 'pino';
import type { EventOutbox } from '../incidents/index.ts';
import type { StoredEvent } from '../incidents/store/types.ts';
import { WarnRollup } from '../log-rollup.ts';

const SWEEP_EVERY_MS = 2000;
/** An event its own node has not marked published this long after storing it is the sweep's. */
const SWEEP_AFTER_MS = 5000;
const SWEEP_CLAIM_MS = 30_000;
const BATCH = 500;
/** Events kept for retry in memory; past this, the outbox sweep takes them. */
const MAX_RETRY = 10_000;
const RETRY_MS = { initial: 250, max: 2000 };

export class EventRelay {
  /** Events published by the sweep (their node had not) / whose first publish failed. */
  relayed = 0;
  unpublished = 0;
  private readonly retry = new Map<number, StoredEvent>();
  private outbox: EventOutbox | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private soonTimer: NodeJS.Timeout | undefined;
  private retryMs = RETRY_MS.initial;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly warnings: WarnRollup;

  constructor(private readonly publish: (e: StoredEvent) => Promise<unknown>, private readonly log: Logger) {
    this.warnings = new WarnRollup(log, 10_000);
  }

  /** This node's event, just stored: published now, or kept and retried soon. */
  publishOwn(event: StoredEvent): void {
    void (async () => {
      await this.publish(event);
      await this.outbox?.markPublished([event.seq]);
    })().catch((err: unknown) => {
      this.unpublished++;
      this.warnings.warn(`publish:${(err as Error).message}`, { err: (err as Error).message, seq: event.seq }, 'event not published yet; retrying');
      if (this.retry.size < MAX_RETRY) this.retry.set(event.seq, event);
      this.soon();
    });
  }

  /** Starts the outbox sweep (and the marking of what is published). */
  start(outbox: EventOutbox): void {
    this.outbox = outbox;
    this.sweepTimer = setInterval(() => this.run(true), SWEEP_EVERY_MS);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweepTimer);
    clearTimeout(this.soonTimer);
    await this.running;
    this.warnings.stop();
  }

  get pending(): number {
    return this.retry.size;
  }

  private soon(): void {
    if (this.stopped || this.soonTimer) return;
    this.soonTimer = setTimeout(() => {
      this.soonTimer = undefined;
      this.run(false);
    }, this.retryMs);
  }

  private run(sweep: boolean): void {
    if (this.stopped || this.running) return;
    this.running = this.publishPending(sweep).finally(() => {
      this.running = undefined;
      if (this.retry.size) this.soon();
    });
  }

  /** The kept events in order, then (on a sweep) what the outbox holds unpublished; stops at the first failure. */
  private async publishPending(sweep: boolean): Promise<void> {
    const published: number[] = [];
    let kept = 0;
    try {
      await this.publishEach([...this.retry.values()].sort((a, b) => a.seq - b.seq), published);
      kept = published.length;
      if (sweep && this.outbox) {
        const now = Date.now();
        const claimed = (await this.outbox.claimStale(now - SWEEP_AFTER_MS, now, SWEEP_CLAIM_MS, BATCH)).filter((e) => !this.retry.has(e.seq));
        for (const e of claimed) if (this.retry.size < MAX_RETRY) this.retry.set(e.seq, e);
        await this.publishEach(claimed, published);
      }
      this.retryMs = RETRY_MS.initial;
    } catch (err) {
      this.retryMs = Math.min(this.retryMs * 2, RETRY_MS.max);
      this.warnings.warn(`relay:${(err as Error).message}`, { err: (err as Error).message, waiting: this.retry.size }, 'event relay failed; retrying');
    }
    if (!published.length) return;
    const swept = published.length - kept;
    if (swept) this.log.warn({ events: swept }, 'relayed events their node had not published');
    this.relayed += swept;
    // Not marked (database away): the claim lapses and a sweep publishes them again, stored once by JetStream within 2 minutes.
    await this.outbox?.markPublished(published).catch((err: unknown) => this.warnings.warn(`mark:${(err as Error).message}`, { err: (err as Error).message }, 'published events not marked'));
  }

  private async publishEach(events: StoredEvent[], published: number[]): Promise<void> {
    for (const event of events) {
      await this.publish(event);
      this.retry.delete(event.seq);
      published.push(event.seq);
    }
  }
}
