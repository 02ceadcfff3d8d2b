// Messages between nodes over core NATS: JSON, stamped with the node that sent
// them, at most once (a node cut off misses what was sent meanwhile). Used for
// registry changes, accepted sensor readings and live detection events.
import { JSONCodec, type NatsConnection } from 'nats';
import type { Logger } from 'pino';

const codec = JSONCodec<Record<string, unknown>>();

export type FromPeer<T> = T & { origin: string };

export function publishToPeers(nc: NatsConnection, subject: string, origin: string, body: object): void {
  nc.publish(subject, codec.encode({ ...body, origin }));
}

export interface PeerSubscription {
  /** This node: its own messages are left out unless `includeOwn`. */
  nodeId: string;
  includeOwn?: boolean;
  log: Logger;
  /** For the log: "registry change", "sensor readings". */
  what: string;
}

/** Calls `handler` for each message on `subject` (a wildcard is fine); a bad message or a handler that throws is logged, never fatal. */
export function subscribeToPeers<T>(nc: NatsConnection, subject: string, opts: PeerSubscription, handler: (body: FromPeer<T>) => void): () => void {
  const sub = nc.subscribe(subject, {
    callback: (err, m) => {
      if (err) return void opts.log.warn({ err, subject }, `${opts.what} subscription error`);
      try {
        const body = codec.decode(m.data) as FromPeer<T>;
        if (opts.includeOwn || body.origin !== opts.nodeId) handler(body);
      } catch (error) {
        opts.log.warn({ err: error, subject: m.subject }, `${opts.what} dropped (from another node): undecodable, or its handler threw`);
      }
    },
  });
  return () => sub.unsubscribe();
}
