// At start the engines may not be up yet (a compose file starts everything at
// once): retry with backoff, log each failure with what was tried, and give up
// with one clear error naming the setting, after the configured time or when
// the signal aborts. The one retry loop for PostgreSQL and NATS.
import type { Logger } from 'pino';
import { GwError } from '../../device-registry/errors.ts';

export interface RetryOptions {
  /** The engine, for the log and the error: "PostgreSQL", "NATS". */
  what: string;
  /** Where it was tried, credentials redacted. */
  where: string;
  /** The config path a person fixes when it never comes up. */
  field: string;
  log: Logger;
  /** Give up this long after the first try (0: at the first failure). Default: never, unless `signal` aborts. */
  timeoutMs?: number;
  signal?: AbortSignal;
  initialMs?: number;
  maxMs?: number;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

export async function untilReachable<T>(attempt: () => Promise<T>, opts: RetryOptions): Promise<T> {
  const giveUpAt = Date.now() + (opts.timeoutMs ?? Infinity);
  const target = `${opts.what} at ${opts.where}`;
  let wait = opts.initialMs ?? 500;
  for (let n = 1; ; n++) {
    try {
      const value = await attempt();
      if (n > 1) opts.log.info({ target, attempts: n }, `${opts.what} reachable`);
      return value;
    } catch (err) {
      const why = (err as Error).message;
      const error = new GwError('GW_ERR_UNAVAILABLE', `${target} is unreachable after ${n} attempt(s): ${why}`, opts.field);
      if (opts.signal?.aborted || Date.now() + wait > giveUpAt) throw error;
      opts.log.warn({ target, attempt: n, retryInMs: wait, err: why }, `${opts.what} not reachable yet; retrying`);
      await sleep(wait, opts.signal);
      if (opts.signal?.aborted) throw error;
      wait = Math.min(wait * 2, opts.maxMs ?? 10_000);
    }
  }
}
