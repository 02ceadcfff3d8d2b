// Where stored events go and where SSE replays them from. On one node both are
// the incident store (its events table) and this process's bus; in a cluster
// the sink publishes to JetStream and the log reads it back (see
// gateway/cluster/jetstream/event-fanout.ts), so a client resumes on any node.
import type { IncidentStore } from './store/incident-store.ts';
import type { StoredEvent } from './store/types.ts';

/** The durable event history a client resumes from with Last-Event-ID. */
export interface EventLog {
  /** The oldest sequence still kept (0 when none is): a Last-Event-ID below it has missed events. */
  oldestSeq(): Promise<number>;
  /** Up to `limit` events after `seq`, oldest first. */
  since(seq: number, limit: number): Promise<StoredEvent[]>;
}

/**
 * Receives every stored event once, on the node whose write stored it, after
 * the commit. The default emits on the service's bus (SSE clients here); a
 * cluster passes one that publishes to JetStream and emits what comes back.
 */
export type StoredEventSink = (event: StoredEvent) => void | Promise<void>;

export const storeEventLog = (store: IncidentStore): EventLog => ({
  oldestSeq: () => store.oldestEventSeq(),
  since: (seq, limit) => store.eventsSince(seq, limit),
});
