// Incidents across the cluster, on NATS JetStream:
//   - machine candidates (detectors, sensor rules, GB28181 alarms, camera
//     health) go into the durable door queue; `raise` resolves once JetStream
//     stored one, and some node's door consumer raises it exactly once
//     (idempotent by candidate id in the store);
//   - every stored event is published to GW_EVENTS by the node that committed
//     it, and every node reads the stream back to its SSE clients, so each
//     wall and dispatcher gets each event once, with the stream sequence as its
//     id on every node; the events table is the outbox a relay sweeps for what
//     a dead node or an outage left unpublished;
//   - live detection boxes go over core NATS to every node.
import { randomUUID } from 'node:crypto';
import type { NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { check, GwError, invalid } from '../../device-registry/index.ts';
import { IncidentCandidate, type RaiseIncident } from '../incidents/candidate.ts';
import type { EventLog, EventOutbox, IncidentRoom, StoredEventSink } from '../incidents/index.ts';
import type { StoredEvent } from '../incidents/store/types.ts';
import { WarnRollup } from '../log-rollup.ts';
import { CandidateQueue } from './jetstream/candidate-queue.ts';
import { EventFanout, type FannedEvent } from './jetstream/event-fanout.ts';
import { ensureStreams } from './jetstream/streams.ts';

const RELAY_EVERY_MS = 2000;
/** An event its own node has not marked published this long after storing it is the relay's. */
const RELAY_AFTER_MS = 5000;
const RELAY_CLAIM_MS = 30_000;
const RELAY_BATCH = 500;

export interface IncidentBusOptions {
  nodeId: string;
  log: Logger;
  replicas: number;
  retentionHours: number;
}

const asStored = (e: FannedEvent): StoredEvent => ({ seq: e.streamSeq, at: e.at, type: e.type, incidentId: e.incidentId, payload: e.payload });

export class IncidentBus {
  /** Candidates a consumer dropped as invalid (they would fail on every node, for ever). */
  rejected = 0;
  relayed = 0;
  /** Events whose first publish failed (NATS away); the relay publishes them later. */
  unpublished = 0;
  private room: IncidentRoom | undefined;
  private readonly stops: Array<() => void | Promise<void>> = [];
  private relayTimer: NodeJS.Timeout | undefined;
  private relaying: Promise<void> | undefined;
  private readonly warnings: WarnRollup;

  private constructor(private readonly fanout: EventFanout, private readonly queue: CandidateQueue, private readonly log: Logger) {
    this.warnings = new WarnRollup(log, 10_000);
  }

  static async start(nc: NatsConnection, opts: IncidentBusOptions): Promise<IncidentBus> {
    const log = opts.log.child({ module: 'incident-bus', nodeId: opts.nodeId });
    const jsm = await nc.jetstreamManager();
    const streams = await ensureStreams(jsm, { retentionHours: opts.retentionHours, replicas: opts.replicas });
    log.info({ streams }, 'JetStream streams ready');
    return new IncidentBus(new EventFanout(nc, jsm, { nodeId: opts.nodeId, log }), new CandidateQueue(nc, jsm, { log }), log);
  }

  /**
   * For startIncidents: where this node's stored events go (the stream). Not
   * awaited by the writer: the event is on record in the outbox already, so a
   * slow or absent NATS delays the wall, never the request; the relay
   * publishes what did not get through.
   */
  readonly sink: StoredEventSink = (event) => {
    void (async () => {
      await this.fanout.publish(event);
      await this.room?.outbox?.markPublished([event.seq]);
    })().catch((err: unknown) => {
      this.unpublished++;
      this.warnings.warn(`publish:${(err as Error).message}`, { err: (err as Error).message, seq: event.seq }, 'event not published yet; the relay retries it');
    });
  };

  readonly eventLog: EventLog = {
    oldestSeq: () => this.fanout.oldestSeq(),
    since: async (seq, limit) => (await this.fanout.since(seq, limit)).map(asStored),
  };

  /** Machine candidates: validated here (a bad one is the producer's error), then queued durably. */
  readonly raise: RaiseIncident = async (candidate, opts) => {
    const errors = check(IncidentCandidate, candidate);
    if (errors.length) throw invalid(errors);
    const candidateId = opts?.candidateId ?? randomUUID();
    try {
      await this.queue.enqueue(candidateId, candidate);
    } catch (err) {
      // Not accepted: the producer keeps it (sensor outbox, detector retry, the HTTP client) and tries again with the same id.
      throw new GwError('GW_ERR_UNAVAILABLE', `the incident queue (NATS JetStream) did not accept candidate ${candidateId}: ${(err as Error).message}; retry with the same id`, 'candidate');
    }
    return { queued: true, candidateId };
  };

  publishLive = (type: string, payload: Record<string, unknown>): void => this.fanout.publishLive(type, payload);

  /** Starts delivering the stream to this node's clients, consuming the door queue and relaying the outbox. */
  async attach(room: IncidentRoom): Promise<void> {
    this.room = room;
    const bus = room.service.bus;
    this.stops.push(this.fanout.subscribe('new', (e) => void bus.emit('event', asStored(e))));
    this.stops.push(this.fanout.subscribeLive((e) => void bus.emit('event', { type: e.type, payload: e.payload })));
    this.stops.push(await this.queue.consume(async (id, candidate) => {
      try {
        await room.service.raise(candidate, { candidateId: id });
      } catch (err) {
        if (!(err instanceof GwError) || err.statusCode >= 500) throw err; // the store is away: the queue retries later
        this.rejected++;
        this.log.error({ candidateId: id, err: err.message, field: err.field }, 'invalid incident candidate dropped');
      }
    }));
    if (room.outbox) this.relayTimer = setInterval(() => void (this.relaying ??= this.relay(room.outbox!).finally(() => (this.relaying = undefined))), RELAY_EVERY_MS);
  }

  /** Publishes events whose node died before publishing them, or could not reach NATS. */
  private async relay(outbox: EventOutbox): Promise<void> {
    try {
      const now = Date.now();
      const stale = await outbox.claimStale(now - RELAY_AFTER_MS, now, RELAY_CLAIM_MS, RELAY_BATCH);
      for (const event of stale) await this.fanout.publish(event);
      await outbox.markPublished(stale.map((e) => e.seq));
      if (stale.length) this.log.warn({ events: stale.length }, 'relayed events their node had not published');
      this.relayed += stale.length;
    } catch (err) {
      this.warnings.warn(`relay:${(err as Error).message}`, { err: (err as Error).message }, 'event relay failed; retrying');
    }
  }

  async stats(): Promise<Record<string, number | null>> {
    const { queued, handled, redelivered, failed } = this.queue;
    return {
      candidatesPending: await this.queue.pending().catch(() => null), outboxBacklog: (await this.room?.outbox?.backlog().catch(() => null)) ?? null,
      rejected: this.rejected, relayed: this.relayed, unpublished: this.unpublished, queued, handled, redelivered, failed,
    };
  }

  async stop(): Promise<void> {
    clearInterval(this.relayTimer);
    await this.relaying;
    for (const stop of this.stops.splice(0).reverse()) await stop();
    this.warnings.stop();
  }
}
