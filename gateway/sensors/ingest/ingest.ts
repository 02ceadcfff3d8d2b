// One message in, from the embedded broker or the bridge: which sensor, which
// channel (telemetry or availability), validate, update the live state,
// evaluate the rules, store; the publisher's ack waits for the store. A bad
// message is counted against its sensor and logged (rolled up); it never
// throws, and never holds up another sensor.
import type { Logger } from 'pino';
import type { SensorsConfig } from '../config.ts';
import type { SensorDirectory, SensorInfo } from '../directory.ts';
import type { WarnRollup } from '../../log-rollup.ts';
import type { RuleEngine } from '../rules/engine.ts';
import type { TimeSeriesSink } from '../series/sink.ts';
import type { SensorStates } from '../state/sensor-state.ts';
import type { SensorShare } from '../share.ts';
import { parseAvailability, parseTelemetry, type Reading } from './payload.ts';

export interface Message {
  topic: string;
  payload: Buffer;
  /** The authenticated publisher (embedded broker); the bridge resolves by topic. */
  sensor?: SensorInfo;
}

const MAX_UNKNOWN_IDS = 1000;

export class Ingest {
  /** `acked`: messages the publisher may be acknowledged for; `ackRefused`: told to resend (the store failed). */
  readonly totals = { messages: 0, readings: 0, rejected: 0, unknown: 0, disabled: 0, evaluated: 0, stored: 0, acked: 0, ackRefused: 0 };
  /** Messages for sensors the registry does not know, by the id in their topic (bounded). */
  readonly unknown = new Map<string, number>();

  constructor(
    private readonly config: SensorsConfig,
    private readonly directory: SensorDirectory,
    private readonly states: SensorStates,
    private readonly sink: TimeSeriesSink,
    private readonly engine: RuleEngine,
    private readonly log: Logger,
    private readonly warn: WarnRollup,
    private readonly onSeen: (sensor: SensorInfo) => void,
    /** Scale-out: only the owner judges a sensor; what is accepted here goes to the other nodes. */
    private readonly share?: SensorShare,
  ) {}

  private judges(sensorId: string): boolean {
    return !this.share || this.share.owns(sensorId);
  }

  handle(msg: Message, handled: (err?: Error) => void): void {
    this.totals.messages++;
    const done = (err?: Error) => {
      this.totals[err ? 'ackRefused' : 'acked']++;
      handled(err);
    };
    try {
      this.route(msg, done);
    } catch (err) {
      // A bug must cost one message, not the broker.
      this.log.error({ err, topic: msg.topic, sensorId: msg.sensor?.id }, 'sensor message handling failed');
      if (msg.sensor) this.states.bad(this.states.get(msg.sensor.id), 'internal', (err as Error).message, Date.now());
      done();
    }
  }

  private route(msg: Message, done: (err?: Error) => void): void {
    const now = Date.now();
    const found = msg.sensor ? { sensor: msg.sensor, channel: channelOf(msg.sensor, msg.topic) } : this.directory.byTopicName(msg.topic);
    if (!found?.channel) return this.unknownSensor(msg.topic, done);
    const { sensor, channel } = found;
    if (!sensor.enabled) {
      this.totals.disabled++;
      this.warn.warn(`disabled:${sensor.id}`, { sensorId: sensor.id, topic: msg.topic }, 'message from a disabled sensor ignored');
      return done();
    }
    const state = this.states.get(sensor.id);
    this.states.message(state, now);
    if (channel === 'availability') {
      const availability = parseAvailability(msg.payload);
      if (!availability) return this.reject(sensor, 'invalid', 'availability must be "online" or "offline"', now, done);
      state.availability = { state: availability, at: now };
      if (this.judges(sensor.id)) {
        this.engine.onAvailability(sensor, availability, now);
        if (availability === 'online') this.onSeen(sensor);
      }
      this.share?.publish(sensor.id, { availability });
      return done();
    }
    const parsed = parseTelemetry(msg.payload, {
      kind: this.config.kinds[sensor.kind], unit: sensor.unit, now, maxReadings: this.config.ingest.maxReadingsPerMessage,
      futureSkewMs: this.config.ingest.futureSkewSeconds * 1000, maxAgeMs: this.config.ingest.maxAgeDays * 86_400_000,
    });
    for (const p of parsed.problems) {
      this.states.bad(state, p.reason, p.message, now);
      if (p.reason !== 'bad_timestamp') this.totals.rejected++;
      this.warn.warn(`${p.reason}:${sensor.id}`, { sensorId: sensor.id, reason: p.reason, why: p.message }, 'sensor message refused');
    }
    const readings = parsed.readings.sort((a, b) => a.ts - b.ts);
    if (!readings.length) return done();
    this.states.readings(state, readings, now);
    this.totals.readings += readings.length;
    // Rules first: an alarm must not wait for a disk commit (nor for a disk that fails).
    if (this.judges(sensor.id)) this.evaluate(sensor, readings, now);
    // The publisher's acknowledgement waits for storage (SQLite: the commit).
    this.sink.write({ sensorId: sensor.id, kind: sensor.kind, gridCode: sensor.gridCode }, readings, (err) => {
      if (err) {
        this.states.bad(state, 'store_failed', err.message, Date.now());
        this.warn.warn('store-failed', { sensorId: sensor.id, error: err.message }, 'cannot store readings; the publisher is told to resend');
      } else {
        this.totals.stored += readings.length;
        this.share?.publish(sensor.id, { readings });
      }
      done(err);
    });
  }

  /** Runs the sensor's rules on readings accepted here or (scale-out) by another node. */
  evaluate(sensor: SensorInfo, readings: Reading[], now: number): void {
    try {
      this.engine.onReadings(sensor, readings, now);
      this.totals.evaluated += readings.length;
      this.onSeen(sensor);
    } catch (e) {
      this.log.error({ err: e, sensorId: sensor.id }, 'rule evaluation failed');
    }
  }

  private reject(sensor: SensorInfo, reason: 'invalid', message: string, now: number, done: () => void): void {
    this.states.bad(this.states.get(sensor.id), reason, message, now);
    this.totals.rejected++;
    this.warn.warn(`${reason}:${sensor.id}`, { sensorId: sensor.id, reason, why: message }, 'sensor message refused');
    done();
  }

  private unknownSensor(topic: string, done: () => void): void {
    this.totals.unknown++;
    const id = /^sensors\/([^/]+)\//.exec(topic)?.[1] ?? topic.slice(0, 128);
    if (this.unknown.has(id) || this.unknown.size < MAX_UNKNOWN_IDS) this.unknown.set(id, (this.unknown.get(id) ?? 0) + 1);
    this.warn.warn(`unknown:${id}`, { topic: topic.slice(0, 256), sensorId: id }, 'message for a sensor the registry does not know');
    done();
  }
}

function channelOf(sensor: SensorInfo, topic: string): 'telemetry' | 'availability' | undefined {
  if (topic === sensor.topic) return 'telemetry';
  if (topic === sensor.availabilityTopic) return 'availability';
  return undefined;
}
