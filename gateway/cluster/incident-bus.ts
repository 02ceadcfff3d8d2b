// Incidents across the cluster, on NATS JetStream:
//   - machine candidates (detectors, sensor rules, GB28181 alarms, camera
//     health) go into the durable door queue; `raise` resolves once JetStream
//     stored one, and some node's door consumer raises it exactly once
//     (idempotent by candidate id in the store);
//   - every stored event is published to GW_EVENTS by the node that committed
//     it, and every node reads the stream back to its SSE clients, so each
//     wall and dispatcher gets each event once, with the stream sequence as its
//     id on every node (the node retries what NATS did not take; the events
//     table is the outbox a sweep relays what a dead node left: event-relay.ts);
//   - live detection boxes go over core NATS to every node.
import { randomUUID } from 'node:crypto';
import type { NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { check, GwError, invalid } from '../../device-registry/index.ts';
import { IncidentCandidate, type RaiseIncident } from '../incidents/candidate.ts';
import type { EventLog, IncidentRoom, StoredEventSink } from '../incidents/index.ts';
import type { StoredEvent } from '../incidents/store/types.ts';
import { redactUrl } from '../log.ts';
import { EventRelay } from './event-relay.ts';
import { untilReachable } from './start-retry.ts';
import { CandidateQueue } from './jetstream/candidate-queue.ts';
import { EventFanout, type EventSubscription, type FannedEvent } from './jetstream/event-fanout.ts';
import { ensureStreams, EVENTS_STREAM } from './jetstream/streams.ts';

export interface IncidentBusOptions {
  nodeId: string;
  log: Logger;
  replicas: number;
  retentionHours: number;
  /** How long to retry making the streams at start. Default: 2 minutes. */
  startTimeoutMs?: number;
}

const asStored = (e: FannedEvent): StoredEvent => ({ seq: e.streamSeq, at: e.at, type: e.type, incidentId: e.incidentId, payload: e.payload });

export class IncidentBus {
  /** Candidates a consumer dropped as invalid (they would fail on every node, for ever). */
  rejected = 0;
  private room: IncidentRoom | undefined;
  private readonly stops: Array<() => void | Promise<void>> = [];
  private readonly relay: EventRelay;
  private events: EventSubscription | undefined;

  private constructor(private readonly fanout: EventFanout, private readonly queue: CandidateQueue, private readonly log: Logger) {
    this.relay = new EventRelay((e) => fanout.publish(e), log.child({ part: 'event-relay' }));
  }

  static async start(nc: NatsConnection, opts: IncidentBusOptions): Promise<IncidentBus> {
    const log = opts.log.child({ module: 'incident-bus', nodeId: opts.nodeId });
    const jsm = await nc.jetstreamManager();
    // JetStream may answer later than the connection (a cluster electing its leaders, a stream just made by another node).
    const streams = await untilReachable(() => ensureStreams(jsm, { retentionHours: opts.retentionHours, replicas: opts.replicas }), {
      what: 'NATS JetStream', where: redactUrl(nc.getServer()), field: 'store.nats.servers', log, timeoutMs: opts.startTimeoutMs ?? 120_000,
    });
    log.info({ streams }, 'JetStream streams ready');
    return new IncidentBus(new EventFanout(nc, jsm, { nodeId: opts.nodeId, log }), new CandidateQueue(nc, jsm, { log }), log);
  }

  /**
   * For startIncidents: where this node's stored events go (the stream). Not
   * awaited by the writer: the event is on record in the outbox already, so a
   * slow or absent NATS delays the wall, never the request (event-relay.ts).
   */
  readonly sink: StoredEventSink = (event) => this.relay.publishOwn(event);

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
    this.events = this.fanout.subscribe('new', (e) => void bus.emit('event', asStored(e)));
    this.stops.push(() => this.events?.stop());
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
    if (room.outbox) this.relay.start(room.outbox);
  }

  /** For /readyz: throws while this node's SSE clients get no events from the stream (its reader lost or not there yet). */
  async checkEvents(): Promise<void> {
    const state = this.events?.state();
    if (!state) throw new Error('the event stream is not subscribed yet');
    if (!state.consuming) throw new Error(`not reading ${EVENTS_STREAM} for ${((Date.now() - state.since) / 1000).toFixed(1)} s (${state.reason}); reading again from stream sequence ${state.nextSeq ?? 'new'}`);
  }

  async stats(): Promise<Record<string, number | null | object>> {
    const { queued, handled, redelivered, failed } = this.queue;
    return {
      eventStream: this.events?.state() ?? null,
      candidatesPending: await this.queue.pending().catch(() => null), outboxBacklog: (await this.room?.outbox?.backlog().catch(() => null)) ?? null,
      rejected: this.rejected, relayed: this.relay.relayed, unpublished: this.relay.unpublished, publishRetrying: this.relay.pending, queued, handled, redelivered, failed,
    };
  }

  async stop(): Promise<void> {
    await this.relay.stop();
    for (const stop of this.stops.splice(0).reverse()) await stop();
  }
}
