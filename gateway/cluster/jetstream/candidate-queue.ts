// The door's durable queue of machine-raised incident candidates. A producer
// (detector, sensor rule) enqueues; `enqueue` resolves once JetStream has
// stored the candidate (the PubAck) — that is when it counts as accepted.
// Every node consumes from one durable pull consumer, `door`, so each
// candidate is handed to one node at a time:
//   - handler resolves → ack (the work-queue stream then drops the message);
//   - handler throws   → nak with a delay (1 s doubling to 30 s by default), so
//     a database outage leaves candidates queued, retried, never lost;
//   - node killed mid-handler → no ack arrives, and after ack_wait the server
//     redelivers to another node. From the moment a candidate arrives (also
//     while it waits for a free handler slot) until it is settled, the node
//     sends "working" every ack_wait/3, so a slow but alive node keeps it.
// Delivery is at least once: a candidate can reach a handler twice (redelivery
// after a crash, an ack lost in a reconnect). HANDLERS MUST BE IDEMPOTENT BY ID —
// e.g. raise with the candidate id as the incident's dedupe key or event key.
import { AckPolicy, DeliverPolicy, JSONCodec, nanos, type ConsumerConfig, type ConsumerMessages, type JetStreamClient, type JetStreamManager, type JsMsg, type NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { WarnRollup } from '../../log-rollup.ts';
import { sleep } from '../start-retry.ts';
import { apiErrorCode, CANDIDATES_STREAM, CANDIDATES_SUBJECT } from './streams.ts';

export const DOOR_CONSUMER = 'door';
const SUBJECT = `${CANDIDATES_SUBJECT}.raise`;
const JS_CONSUMER_NAME_IN_USE = 10148; // "consumer name already in use" (another config)
const codec = JSONCodec();
const RECONSUME_MS = { initial: 250, max: 5000 };

interface Envelope {
  id: string;
  candidate: object;
}

export interface CandidateQueueOptions {
  log: Logger;
  /** Time the server waits for an ack before redelivering (a killed node's in-flight candidates). Default 30 s. */
  ackWaitMs?: number;
  /** Retry delay after a handler error: base doubling per delivery up to max. Default 1 s → 30 s. */
  nakBaseMs?: number;
  nakMaxMs?: number;
  /** Unacked candidates the server hands out over all nodes at once. Default 1000. */
  maxAckPending?: number;
}

export type CandidateHandler = (id: string, candidate: object) => Promise<void>;

export class CandidateQueue {
  /** Enqueued by this node / refused as a duplicate id within the window / handled (acked) / received again after a redelivery / handler errors (nak'ed). */
  queued = 0;
  duplicates = 0;
  handled = 0;
  redelivered = 0;
  failed = 0;

  private readonly js: JetStreamClient;
  private readonly log: Logger;
  private readonly warnings: WarnRollup;
  private readonly ackWaitMs: number;

  constructor(private readonly nc: NatsConnection, private readonly jsm: JetStreamManager, private readonly opts: CandidateQueueOptions) {
    this.js = nc.jetstream();
    this.log = opts.log.child({ module: 'candidate-queue' });
    this.warnings = new WarnRollup(this.log, 10_000);
    this.ackWaitMs = opts.ackWaitMs ?? 30_000;
  }

  /** Resolves once JetStream has stored the candidate; the same id within 2 minutes is stored once (the first copy wins). */
  async enqueue(id: string, candidate: object): Promise<void> {
    const envelope: Envelope = { id, candidate };
    const ack = await this.js.publish(SUBJECT, codec.encode(envelope), { msgID: id });
    if (ack.duplicate) this.duplicates++;
    else this.queued++;
  }

  private consumerConfig(): Partial<ConsumerConfig> {
    return {
      durable_name: DOOR_CONSUMER, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(this.ackWaitMs), max_deliver: -1, max_ack_pending: this.opts.maxAckPending ?? 1000, filter_subject: SUBJECT,
    };
  }

  /** Creates the shared durable consumer, or brings its settings up to date; safe from every node at once. */
  async ensureConsumer(): Promise<void> {
    try {
      await this.jsm.consumers.add(CANDIDATES_STREAM, this.consumerConfig());
    } catch (err) {
      if (apiErrorCode(err) !== JS_CONSUMER_NAME_IN_USE) throw err;
      await this.jsm.consumers.update(CANDIDATES_STREAM, DOOR_CONSUMER, this.consumerConfig());
    }
  }

  /**
   * Consumes until the returned stop function is called; stop waits for the
   * handlers in flight. Pulls expire every 5 s, so a pull left on a lost
   * server is noticed (missed heartbeats) and made again on the consumer's
   * new leader within seconds; should the consumer end anyway (deleted, an
   * error), it is ensured and consumed again, with the loss and the recovery
   * logged once each.
   */
  async consume(handler: CandidateHandler, { concurrency = 8 }: { concurrency?: number } = {}): Promise<() => Promise<void>> {
    await this.ensureConsumer();
    const inFlight = new Set<Promise<void>>();
    let messages: ConsumerMessages | undefined;
    let stopped = false;
    const wake = new AbortController();
    const loop = (async () => {
      for (let wait = RECONSUME_MS.initial, lostAt: number | undefined; !stopped; wait = Math.min(wait * 2, RECONSUME_MS.max)) {
        let reason = 'the consumer ended';
        try {
          if (lostAt !== undefined) await this.ensureConsumer();
          const consumer = await this.js.consumers.get(CANDIDATES_STREAM, DOOR_CONSUMER);
          messages = await consumer.consume({ max_messages: concurrency, expires: 5000 });
          if (stopped) return messages.stop();
          if (lostAt !== undefined) this.log.info({ downMs: Date.now() - lostAt }, 'door consumer back');
          lostAt = undefined;
          wait = RECONSUME_MS.initial;
          for await (const m of messages) {
            // The server may hand out a few more than `concurrency`: they are ours while they wait for a slot.
            const keepAlive = setInterval(() => m.working(), Math.max(100, this.ackWaitMs / 3));
            while (inFlight.size >= concurrency) await Promise.race(inFlight);
            const p = this.handle(m, handler).finally(() => {
              clearInterval(keepAlive);
              inFlight.delete(p);
            });
            inFlight.add(p);
          }
        } catch (err) {
          reason = (err as Error).message;
        }
        if (stopped) return;
        if (lostAt === undefined) {
          lostAt = Date.now();
          this.log.warn({ reason }, 'door consumer lost; consuming again');
        } else {
          this.log.debug({ reason, retryInMs: wait }, 'door consumer still unavailable');
        }
        await sleep(wait, wake.signal);
      }
    })().catch((err: unknown) => this.log.error({ err }, 'candidate consumer ended'));
    return async () => {
      stopped = true;
      wake.abort();
      messages?.stop();
      await loop;
      await Promise.all(inFlight);
      this.warnings.stop();
    };
  }

  private async handle(m: JsMsg, handler: CandidateHandler): Promise<void> {
    if (m.info.redelivered) this.redelivered++;
    let envelope: Envelope;
    try {
      envelope = codec.decode(m.data) as Envelope;
      if (typeof envelope?.id !== 'string') throw new Error('no id');
    } catch (err) {
      this.failed++;
      this.log.error({ err, streamSeq: m.seq }, 'undecodable candidate; terminated (it will not be redelivered)');
      m.term();
      return;
    }
    try {
      await handler(envelope.id, envelope.candidate);
      if (this.settle(m, envelope.id, () => m.ack())) this.handled++;
    } catch (err) {
      this.failed++;
      const base = this.opts.nakBaseMs ?? 1000;
      const delay = Math.min(this.opts.nakMaxMs ?? 30_000, base * 2 ** Math.min(20, m.info.deliveryCount - 1));
      this.warnings.warn(`fail:${(err as Error).message}`, { err: (err as Error).message, id: envelope.id, deliveries: m.info.deliveryCount, retryInMs: delay }, 'candidate handler failed; retrying later');
      this.settle(m, envelope.id, () => m.nak(delay));
    }
  }

  /**
   * An ack or nak on a closed connection is dropped without an error (nats.js
   * writes it to a dead socket), so check first; the server then redelivers
   * after ack_wait. While reconnecting, the client buffers it and sends it on
   * reconnect; if that is too late, the server redelivers (a duplicate).
   */
  private settle(m: JsMsg, id: string, fn: () => void): boolean {
    try {
      if (this.nc.isClosed()) throw new Error('connection closed');
      fn();
      return true;
    } catch (err) {
      this.warnings.warn(`settle:${(err as Error).message}`, { err: (err as Error).message, id, streamSeq: m.seq }, 'could not ack/nak a candidate; the server will redeliver it');
      return false;
    }
  }

  /** Candidates not yet handled: waiting in the stream plus handed out and not yet acked. */
  async pending(): Promise<number> {
    const info = await this.jsm.consumers.info(CANDIDATES_STREAM, DOOR_CONSUMER);
    return info.num_pending + info.num_ack_pending;
  }
}
