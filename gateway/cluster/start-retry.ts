// At start the engines may not be up yet (a compose file starts everything at
// once): retry with backoff, log each failure with what was tried, and give up
// with one clear error after the configured time.
import type { Logger } from 'pino';
import { GwError } from '../../device-registry/errors.ts';

export interface RetryOptions {
  /** What is being reached, for the log and the error: "PostgreSQL at postgres://…". */
  what: string;
  /** The config path a person fixes when it never comes up. */
  field: string;
  timeoutMs: number;
  log: Logger;
  initialMs?: number;
  maxMs?: number;
}

export async function untilReachable<T>(attempt: () => Promise<T>, opts: RetryOptions): Promise<T> {
  const giveUpAt = Date.now() + opts.timeoutMs;
  let wait = opts.initialMs ?? 500;
  for (let n = 1; ; n++) {
    try {
      const value = await attempt();
      if (n > 1) opts.log.info({ attempts: n }, `${opts.what} reachable`);
      return value;
    } catch (err) {
      const why = (err as Error).message;
      if (Date.now() + wait > giveUpAt) {
        throw new GwError('GW_ERR_UNAVAILABLE', `${opts.what} is unreachable after ${n} attempt(s) over ${Math.round(opts.timeoutMs / 1000)} s: ${why}`, opts.field);
      }
      opts.log.warn({ attempt: n, retryInMs: wait, err: why }, `${opts.what} not reachable yet; retrying`);
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(wait * 2, opts.maxMs ?? 10_000);
    }
  }
}
