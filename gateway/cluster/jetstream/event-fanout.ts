// Incident events across the cluster. The node that commits a change publishes
// its StoredEvent to GW_EVENTS and, once stored, announces it with its stream
// sequence; every node follows the stream (stream-tail.ts: the announcements,
// and what they missed read back from the stream)
// and hands each event to its own SSE clients, exactly once and in stream
// order. The SSE id is the stream sequence (`streamSeq`), the
// same on every node, so a client may resume on another node with
// Last-Event-ID: `since()` replays, `oldestSeq()` tells when it is too old.
//
// Live overlay events (detection boxes) are not stored: they go over core
// NATS to every node, tagged with the node that sent them.
import { headers, JSONCodec, type JetStreamClient, type JetStreamManager, type NatsConnection } from 'nats';
import type { Logger } from 'pino';
import type { StoredEvent } from '../../incidents/store/types.ts';
import { publishToPeers, subscribeToPeers } from '../peer-messages.ts';
import { StreamRangeReader, type StreamRecord } from './stream-range.ts';
import { StreamTail, type StreamTailOptions, type TailState } from './stream-tail.ts';
import { EVENTS_STREAM, EVENTS_SUBJECT, EVENTS_TAIL_SUBJECT, TAIL_SEQ_HEADER, TAIL_STREAM_HEADER } from './streams.ts';

export type FannedEvent = StoredEvent & { streamSeq: number };

export interface LiveMessage {
  origin: string;
  type: string;
  payload: Record<string, unknown>;
}

const LIVE_SUBJECT = 'gw.live';
const codec = JSONCodec();

/** A stored event, or a throw for anything else in the stream (bad JSON, another shape). */
function decodeEvent(m: StreamRecord): FannedEvent {
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
  /** The tail's check and retry timings (defaults in stream-tail.ts). */
  tail?: Pick<StreamTailOptions, 'checkEveryMs' | 'gapGraceMs' | 'retryMs' | 'maxRetryMs'>;
  /** A JetStream request for the tail or a replay not answered in this long has failed (its server may be gone). Default 2 s. */
  requestTimeoutMs?: number;
}

export interface EventSubscription {
  stop(): Promise<void>;
  state(): TailState;
}

export class EventFanout {
  private readonly js: JetStreamClient;
  private readonly log: Logger;
  /** Reads fail fast (the tail retries, an SSE client reconnects) rather than wait out a lost server. */
  private quick: Promise<StreamRangeReader> | undefined;

  constructor(private readonly nc: NatsConnection, private readonly jsm: JetStreamManager, private readonly opts: EventFanoutOptions) {
    this.js = nc.jetstream();
    this.log = opts.log.child({ module: 'event-fanout', nodeId: opts.nodeId });
  }

  private reader(): Promise<StreamRangeReader> {
    const timeout = this.opts.requestTimeoutMs ?? 2000;
    this.quick ??= this.nc.jetstreamManager({ timeout, checkAPI: false })
      .then((jsm) => new StreamRangeReader(this.nc.jetstream({ timeout }), jsm, EVENTS_STREAM, this.log));
    return this.quick;
  }

  /** Stores the event once (msgID `evt-<seq>`); a retry within 2 minutes gets the first copy's stream sequence back. */
  async publish(event: StoredEvent): Promise<number> {
    const data = codec.encode(event);
    const ack = await this.js.publish(subjectFor(EVENTS_SUBJECT, event.type), data, { msgID: `evt-${event.seq}` });
    if (ack.duplicate) this.log.debug({ seq: event.seq, streamSeq: ack.seq }, 'event already in the stream');
    // Stored: announced to every node's tail with its sequence (lost announcements are read back from the stream).
    const h = headers();
    h.set(TAIL_STREAM_HEADER, EVENTS_STREAM);
    h.set(TAIL_SEQ_HEADER, String(ack.seq));
    this.nc.publish(subjectFor(EVENTS_TAIL_SUBJECT, event.type), data, { headers: h });
    return ack.seq;
  }

  /**
   * Every event from stream sequence `fromSeq` on (inclusive), or only those
   * after the stream's last one now ('new'), in order and once each, across a
   * nats-server restart and the loss of any one server of a cluster.
   * `state()` says whether this node delivers what the stream holds.
   */
  subscribe(fromSeq: number | 'new', onEvent: (e: FannedEvent) => void): EventSubscription {
    let tail: StreamTail | undefined;
    let stopped = false;
    const started = this.reader().then((reader) => {
      if (stopped) return;
      tail = new StreamTail(this.nc, {
        ...this.opts.tail, stream: EVENTS_STREAM, subject: EVENTS_TAIL_SUBJECT, headers: { stream: TAIL_STREAM_HEADER, seq: TAIL_SEQ_HEADER }, reader, log: this.log,
        lastSeq: async () => (await reader.streamInfo()).state.last_seq,
      });
      tail.start(fromSeq, (r) => this.deliver(r, onEvent));
    });
    return {
      stop: async () => {
        stopped = true;
        await started;
        await tail?.stop();
      },
      state: () => tail?.state() ?? { consuming: false, nextSeq: undefined, since: Date.now(), reason: 'subscribing' },
    };
  }

  private deliver(r: StreamRecord, onEvent: (e: FannedEvent) => void): void {
    let event: FannedEvent;
    try {
      event = decodeEvent(r);
    } catch (err) {
      this.log.error({ err: (err as Error).message, streamSeq: r.seq, subject: r.subject }, 'undecodable event in the stream; skipped');
      return;
    }
    try {
      onEvent(event);
    } catch (err) {
      this.log.error({ err, streamSeq: r.seq, type: event.type }, 'event handler threw');
    }
  }

  /**
   * Up to `limit` events after stream sequence `streamSeq` (a client's
   * Last-Event-ID), oldest first; undecodable ones are skipped. Throws rather
   * than answer short (stream-range.ts), so a replay never hides a gap.
   */
  async since(streamSeq: number, limit: number): Promise<FannedEvent[]> {
    const { records } = await (await this.reader()).read(streamSeq, limit);
    const out: FannedEvent[] = [];
    for (const r of records) {
      try {
        out.push(decodeEvent(r));
      } catch (err) {
        this.log.error({ err: (err as Error).message, streamSeq: r.seq, subject: r.subject }, 'undecodable event in the stream; skipped in replay');
      }
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
