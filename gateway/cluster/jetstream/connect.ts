// One NATS connection per node. At start the servers may not be up yet (the
// nodes and nats-server start together): retry with backoff until connected
// or the AbortSignal fires, logging each failure with the URL it tried. Once
// connected, the client reconnects forever; disconnects and reconnects are
// logged once each, not per attempt.
import { connect, type NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { GwError } from '../../../device-registry/errors.ts';
import { redactUrl } from '../../log.ts';

export interface ConnectOptions {
  name: string;
  log: Logger;
  /** false: fail on the first unreachable start. Default: retry 0.5 s doubling to 10 s, until `signal`. */
  retry?: false | { signal?: AbortSignal; initialMs?: number; maxMs?: number };
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

export async function connectNats(servers: string | string[], opts: ConnectOptions): Promise<NatsConnection> {
  const list = Array.isArray(servers) ? servers : [servers];
  const shown = list.map(redactUrl).join(', ');
  const log = opts.log.child({ module: 'nats' });
  const retry = opts.retry === false ? undefined : { initialMs: 500, maxMs: 10_000, ...opts.retry };
  let wait = retry?.initialMs ?? 0;
  for (let attempt = 1; ; attempt++) {
    try {
      const nc = await connect({ servers: list, name: opts.name, maxReconnectAttempts: -1, reconnectTimeWait: 1000, pingInterval: 10_000 });
      log.info({ server: redactUrl(nc.getServer()), attempt }, 'NATS connected');
      watchStatus(nc, log).catch((err: unknown) => log.error({ err }, 'NATS status watch ended'));
      return nc;
    } catch (err) {
      const error = new GwError('GW_ERR_UNAVAILABLE', `NATS at ${shown} is unreachable: ${(err as Error).message}`, 'store.nats.servers');
      if (!retry) throw error;
      if (retry.signal?.aborted) throw error;
      log.warn({ attempt, retryInMs: wait, err: error.message }, 'NATS not reachable yet; retrying');
      await sleep(wait, retry.signal);
      if (retry.signal?.aborted) throw error;
      wait = Math.min(wait * 2, retry.maxMs);
    }
  }
}

async function watchStatus(nc: NatsConnection, log: Logger): Promise<void> {
  let down = 0;
  for await (const s of nc.status()) {
    if (s.type === 'disconnect' && !down) {
      down = Date.now();
      log.warn({ server: redactUrl(String(s.data)) }, 'NATS disconnected; reconnecting');
    } else if (s.type === 'reconnect') {
      log.info({ server: redactUrl(String(s.data)), downMs: down ? Date.now() - down : undefined }, 'NATS reconnected');
      down = 0;
    } else if (s.type === 'error') {
      log.error({ err: String(s.data) }, 'NATS connection error');
    }
  }
}
