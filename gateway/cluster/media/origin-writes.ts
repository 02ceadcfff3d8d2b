// This node's claims and releases, written to the origin table, and written
// again while PostgreSQL is away: a registration is refreshed only every
// hour or so, so a claim lost to an outage would leave the device's media
// unlocatable from the table (where other nodes' media routes look) until
// then. The last word per key wins; one warning per outage, one note when all
// is saved again.
import type { Logger } from 'pino';
import type { OriginStore } from './origin-store.ts';

type Write = { claim: true; expiresAt: number | null } | { claim: false };

const RETRY_MS = 3000;

export class OriginWrites {
  private readonly unsaved = new Map<string, Write>();
  private timer: NodeJS.Timeout | undefined;
  private retrying = false;
  private failing = false;

  constructor(
    private readonly store: OriginStore,
    private readonly log: Logger,
    /** A claim saved after failing first: the others may have dropped it at their refresh; tell them again. */
    private readonly savedLate: (key: string) => void,
  ) {}

  claim(key: string, ttlMs: number | null): void {
    void this.save(key, { claim: true, expiresAt: ttlMs === null ? null : Date.now() + ttlMs });
  }

  release(key: string): void {
    void this.save(key, { claim: false });
  }

  get pending(): number {
    return this.unsaved.size;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async save(key: string, w: Write, late = false): Promise<boolean> {
    this.unsaved.set(key, w);
    try {
      if (w.claim) await this.store.claim(key, w.expiresAt === null ? null : Math.max(0, w.expiresAt - Date.now()));
      else await this.store.release(key);
    } catch (err) {
      if (!this.failing) this.log.warn({ key, err: (err as Error).message }, 'media origins not saved in PostgreSQL; written again every few seconds (the other nodes know them from NATS meanwhile)');
      this.failing = true;
      this.timer ??= setTimeout(() => void this.retry(), RETRY_MS).unref();
      return false;
    }
    if (this.unsaved.get(key) === w) this.unsaved.delete(key);
    if (late && w.claim) this.savedLate(key);
    return true;
  }

  /** One at a time, stopping at the first failure: an outage costs one failed query per retry, not one per key. */
  private async retry(): Promise<void> {
    this.timer = undefined;
    if (this.retrying) return;
    this.retrying = true;
    try {
      for (const [key, w] of [...this.unsaved]) {
        if (this.unsaved.get(key) !== w) continue;
        if (w.claim && w.expiresAt !== null && w.expiresAt <= Date.now()) {
          this.unsaved.delete(key); // the registration lapsed meanwhile: nothing to record
          continue;
        }
        if (!(await this.save(key, w, true))) return;
      }
      if (this.failing) this.log.info('media origins saved in PostgreSQL again');
      this.failing = false;
    } finally {
      this.retrying = false;
    }
  }
}
