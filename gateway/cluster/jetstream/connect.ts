// One NATS connection per node. At start the servers may not be up yet (the
// nodes and nats-server start together): retried as PostgreSQL is
// (start-retry.ts), until connected or the AbortSignal fires. Once
// connected, the client reconnects forever; disconnects and reconnects are
// logged once each, not per attempt.
import { connect, type NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { redactUrl } from '../../log.ts';
import { untilReachable, type RetryOptions } from '../start-retry.ts';

export interface ConnectOptions {
  name: string;
  log: Logger;
  /** false: fail on the first unreachable start. Default: retry 0.5 s doubling to 10 s, until `timeoutMs` or `signal`. */
  retry?: false | Pick<RetryOptions, 'timeoutMs' | 'signal' | 'initialMs' | 'maxMs'>;
}

export async function connectNats(servers: string | string[], opts: ConnectOptions): Promise<NatsConnection> {
  const list = Array.isArray(servers) ? servers : [servers];
  const log = opts.log.child({ module: 'nats' });
  const retry = opts.retry === false ? { timeoutMs: 0 } : opts.retry;
  const nc = await untilReachable(
    () => connect({ servers: list, name: opts.name, maxReconnectAttempts: -1, reconnectTimeWait: 1000, pingInterval: 10_000 }),
    { what: 'NATS', where: list.map(redactUrl).join(', '), field: 'store.nats.servers', log, ...retry },
  );
  log.info({ server: redactUrl(nc.getServer()) }, 'NATS connected');
  watchStatus(nc, log).catch((err: unknown) => log.error({ err }, 'NATS status watch ended'));
  return nc;
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
