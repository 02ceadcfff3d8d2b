// Delivers alarms to the incident door. Every candidate is first written to
// sensors.db (in the same transaction as the rule transition that made it),
// then handed to raise() in order. When raise() fails (the incident room is
// down, slow, restarting) the candidate stays, is retried with backoff and
// is counted; after a restart the backlog is delivered. A candidate the door
// refuses as invalid (4xx) would never pass: it is logged as an error and dropped.
import type { Logger } from 'pino';
import type { RaiseIncident } from '../../incidents/candidate.ts';
import type { StateDb } from '../state/state-db.ts';
import type { WarnRollup } from '../../log-rollup.ts';

const RAISE_TIMEOUT_MS = 10_000;

export interface OutboxStats {
  delivered: number;
  failures: number;
  rejected: number;
  backlog: number;
  lastError?: string;
}

function permanent(err: unknown): boolean {
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500;
}

export class AlarmOutbox {
  private readonly counts = { delivered: 0, failures: 0, rejected: 0 };
  private lastError: string | undefined;
  private draining: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly db: StateDb,
    private readonly raise: RaiseIncident,
    private readonly retry: { initialMs: number; maxMs: number },
    private readonly log: Logger,
    private readonly warn: WarnRollup,
    /** Called after each successful delivery (latency measurements). */
    private readonly onDelivered?: (candidate: Parameters<RaiseIncident>[0]) => void,
  ) {}

  /** Delivers what is due now; called after every enqueue and by the retry timer. */
  kick(): void {
    if (this.stopped || this.draining) return;
    this.draining = this.drain().finally(() => (this.draining = undefined));
  }

  stats(): OutboxStats {
    return { ...this.counts, backlog: this.db.outboxBacklog(), ...(this.lastError ? { lastError: this.lastError } : {}) };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.draining;
  }

  private later(at: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.kick(), Math.max(0, at - Date.now()));
  }

  private async drain(): Promise<void> {
    while (!this.stopped) {
      const head = this.db.outboxHead();
      if (!head) return;
      if (head.nextAt > Date.now()) return this.later(head.nextAt);
      let timer: NodeJS.Timeout | undefined;
      try {
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`raise() did not answer within ${RAISE_TIMEOUT_MS} ms`)), RAISE_TIMEOUT_MS);
        });
        await Promise.race([this.raise(head.candidate), timeout]);
        this.db.outboxDone(head.seq);
        this.counts.delivered++;
        this.onDelivered?.(head.candidate);
      } catch (err) {
        const message = (err as Error)?.message ?? String(err);
        const ids = { sensorId: head.candidate.source.id, type: head.candidate.type, clear: head.candidate.clear ?? false };
        if (permanent(err)) {
          this.db.outboxDone(head.seq);
          this.counts.rejected++;
          this.log.error({ ...ids, err, candidate: head.candidate }, 'the incident door refused a sensor alarm; dropped');
          continue;
        }
        this.counts.failures++;
        this.lastError = message;
        const delay = Math.min(this.retry.maxMs, this.retry.initialMs * 2 ** Math.min(head.attempts, 20));
        this.db.outboxFailed(head.seq, Date.now() + delay, message);
        this.warn.warn('raise-failed', { ...ids, attempts: head.attempts + 1, retryInMs: delay, error: message }, 'cannot raise a sensor alarm; will retry');
        return this.later(Date.now() + delay);
      } finally {
        clearTimeout(timer);
      }
    }
  }
}
