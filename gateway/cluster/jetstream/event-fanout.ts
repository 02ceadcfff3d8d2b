// Incident events across the cluster. The node that commits a change publishes
// its StoredEvent to GW_EVENTS; every node reads the whole stream with an
// ordered consumer and hands each event to its own SSE clients, exactly once
// and in stream order. The SSE id is the stream sequence (`streamSeq`), the
// same on every node, so a client may resume on another node with
// Last-Event-ID: `since()` replays, `oldestSeq()` tells when it is too old.
//
// Live overlay events (detection boxes) are not stored: they go over core
// NATS to every node, tagged with the node that sent them.
import { DeliverPolicy, JSONCodec, type ConsumerMessages, type JetStreamClient, type JetStreamManager, type JsMsg, type NatsConnection } from 'nats';
import type { Logger } from 'pino';
import type { StoredEvent } from '../../incidents/store/types.ts';
import { publishToPeers, subscribeToPeers } from '../peer-messages.ts';
import { sleep } from '../start-retry.ts';
import { EVENTS_STREAM, EVENTS_SUBJECT } from './streams.ts';

export type FannedEvent = StoredEvent & { streamSeq: number };

export interface LiveMessage {
  origin: string;
  type: string;
  payload: Record<string, unknown>;
}

const LIVE_SUBJECT = 'gw.live';
const RESUBSCRIBE_MS = { initial: 500, max: 10_000 };
const codec = JSONCodec();

/** A stored event, or a throw for anything else in the stream (bad JSON, another shape). */
function decodeEvent(m: JsMsg): FannedEvent {
  const e = codec.decode(m.data) as Partial<StoredEvent> | null;
  if (typeof e !== 'object' || e === null || typeof e.seq !== 'number' || typeof e.type !== 'string' || typeof e.incidentId !== 'string') {
    throw new Error('not a StoredEvent');
  }
  return { ...(e as StoredEvent), streamSeq: m.seq };
}

/** An event type as one or more subject tokens: `incident.created` stays, anything outside [A-Za-z0-9_.-] becomes `_`. */
export const subjectFor = (prefix: string, type: string): string =>
  `${prefix}.${type.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\.+|\.+$/g, '').replace(/\.{2,}/g, '.') || '_'}`;

export interface EventFanoutOptions {
  nodeId: string;
  log: Logger;
}

export class EventFanout {
  private readonly js: JetStreamClient;
  private readonly log: Logger;

  constructor(private readonly nc: NatsConnection, private readonly jsm: JetStreamManager, private readonly opts: EventFanoutOptions) {
    this.js = nc.jetstream();
    this.log = opts.log.child({ module: 'event-fanout', nodeId: opts.nodeId });
  }

  /** Stores the event once (msgID `evt-<seq>`); a retry within 2 minutes gets the first copy's stream sequence back. */
  async publish(event: StoredEvent): Promise<number> {
    const ack = await this.js.publish(subjectFor(EVENTS_SUBJECT, event.type), codec.encode(event), { msgID: `evt-${event.seq}` });
    if (ack.duplicate) this.log.debug({ seq: event.seq, streamSeq: ack.seq }, 'event already in the stream');
    return ack.seq;
  }

  /**
   * Every event from stream sequence `fromSeq` on (inclusive), or only those
   * after the stream's last one now ('new'), in order and once each. The
   * ordered consumer recreates itself at the next sequence after a reconnect
   * or a gap, so a nats-server restart loses nothing; should it fail or end
   * anyway, this resubscribes from the next sequence with backoff.
   */
  subscribe(fromSeq: number | 'new', onEvent: (e: FannedEvent) => void): () => Promise<void> {
    // 'new' is pinned to a sequence at once: a consumer recreated before its first event must not skip ahead.
    let next = fromSeq === 'new' ? undefined : Math.max(1, fromSeq);
    let messages: ConsumerMessages | undefined;
    let stopped = false;
    const wake = new AbortController();
    const done = (async () => {
      for (let wait = RESUBSCRIBE_MS.initial; !stopped; wait = Math.min(wait * 2, RESUBSCRIBE_MS.max)) {
        try {
          next ??= (await this.jsm.streams.info(EVENTS_STREAM)).state.last_seq + 1;
          const consumer = await this.js.consumers.get(EVENTS_STREAM, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: next });
          if (stopped) return;
          messages = await consumer.consume({ max_messages: 1000 });
          if (stopped) return void messages.stop();
          for await (const m of messages) {
            next = m.seq + 1;
            wait = RESUBSCRIBE_MS.initial;
            this.deliver(m, onEvent);
          }
          if (stopped) return;
          this.log.warn({ fromSeq: next }, 'event subscription ended; resubscribing');
          await consumer.delete().catch((err: unknown) => this.log.debug({ err }, 'ordered consumer already gone'));
        } catch (err) {
          if (stopped) return;
          this.log.warn({ err: (err as Error).message, fromSeq: next, retryInMs: wait }, 'event subscription failed; retrying');
        }
        await sleep(wait, wake.signal);
      }
    })();
    return async () => {
      stopped = true;
      wake.abort();
      messages?.stop();
      await done;
    };
  }

  private deliver(m: JsMsg, onEvent: (e: FannedEvent) => void): void {
    let event: FannedEvent;
    try {
      event = decodeEvent(m);
    } catch (err) {
      this.log.error({ err: (err as Error).message, streamSeq: m.seq, subject: m.subject }, 'undecodable event in the stream; skipped');
      return;
    }
    try {
      onEvent(event);
    } catch (err) {
      this.log.error({ err, streamSeq: m.seq, type: event.type }, 'event handler threw');
    }
  }

  /** Up to `limit` events after stream sequence `streamSeq` (a client's Last-Event-ID), oldest first; undecodable ones are skipped. */
  async since(streamSeq: number, limit: number): Promise<FannedEvent[]> {
    const { state } = await this.jsm.streams.info(EVENTS_STREAM);
    if (limit <= 0 || state.messages === 0 || streamSeq >= state.last_seq) return [];
    const consumer = await this.js.consumers.get(EVENTS_STREAM, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: Math.max(streamSeq + 1, state.first_seq) });
    const out: FannedEvent[] = [];
    try {
      // Batches until `limit` or the end of the stream (pending 0), which holes left by deletes do not hide.
      for (let more = true; more && out.length < limit;) {
        const batch = await consumer.fetch({ max_messages: Math.min(limit - out.length, 1000), expires: 5000 });
        more = false;
        for await (const m of batch) {
          try {
            out.push(decodeEvent(m));
          } catch (err) {
            this.log.error({ err: (err as Error).message, streamSeq: m.seq, subject: m.subject }, 'undecodable event in the stream; skipped in replay');
          }
          more = m.info.pending > 0;
          if (!more || out.length >= limit) break;
        }
      }
    } finally {
      await consumer.delete().catch((err: unknown) => this.log.debug({ err }, 'replay consumer already gone'));
    }
    return out;
  }

  /** The oldest stream sequence still kept; a Last-Event-ID below it has missed events (send `reset`). */
  async oldestSeq(): Promise<number> {
    return (await this.jsm.streams.info(EVENTS_STREAM)).state.first_seq;
  }

  /** A live (not stored) event to every node, this one included. */
  publishLive(type: string, payload: Record<string, unknown>): void {
    publishToPeers(this.nc, subjectFor(LIVE_SUBJECT, type), this.opts.nodeId, { type, payload });
  }

  /** Live events from every node; `skipOwn` leaves out the ones this node sent (it already delivered them locally). */
  subscribeLive(handler: (e: LiveMessage) => void, opts: { skipOwn?: boolean } = {}): () => void {
    return subscribeToPeers<Omit<LiveMessage, 'origin'>>(this.nc, `${LIVE_SUBJECT}.>`, { nodeId: this.opts.nodeId, includeOwn: !opts.skipOwn, log: this.log, what: 'live event' }, handler);
  }
}
