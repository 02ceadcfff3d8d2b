// The sensor room's Prometheus metrics: MQTT connections, logins, messages,
// bad input by class and acknowledgements, and the time-series sink (rows
// written, buffer, drops, failures). Read from the counts the broker, the
// ingest, the sensor states and the sink keep; no label names a sensor.
import type { Registry } from 'prom-client';
import { num, readCounter, readGauge, RunningTotals, type Count } from '../http/metric-kit.ts';
import type { SensorsRoom } from './index.ts';
import { BAD_REASONS, type BadReason } from './state/sensor-state.ts';

/** Classes the broker counts itself (for clients that may not be a known sensor); the others are summed over the sensors' states. */
const BROKER_CLASSES: Partial<Record<BadReason, string>> = { auth_failed: 'authFailures', acl_denied: 'aclDenied', oversize: 'oversize', rate_limited: 'rateLimited' };
const PAYLOAD_CLASSES = BAD_REASONS.filter((r) => !(r in BROKER_CLASSES));

type RoomView = Pick<SensorsRoom, 'broker' | 'bridge' | 'ingest' | 'states' | 'sink'>;

export function registerSensorMetrics(registry: Registry, room: RoomView): void {
  const broker = () => room.broker?.stats() ?? {};
  readGauge(registry, {
    name: 'gateway_mqtt_connections', help: 'Clients connected to the embedded MQTT broker: sensors and wall (browser) clients', labelNames: ['client'],
    read: () => [[{ client: 'sensor' }, num(broker().sensors)], [{ client: 'wall' }, num(broker().walls)]],
  });
  readCounter(registry, {
    name: 'gateway_mqtt_logins_total', help: 'MQTT logins to the embedded broker by result', labelNames: ['result'],
    read: () => {
      const b = broker();
      return [[{ result: 'accepted' }, num(b.accepted)], [{ result: 'auth_failed' }, num(b.authFailures)], [{ result: 'refused_full' }, num(b.refusedFull)]];
    },
  });
  readGauge(registry, {
    name: 'gateway_mqtt_bridge_connected', help: '1 while the bridge to an existing broker is connected (0 when it is not, or not configured)',
    read: () => [[{}, room.bridge?.info().state === 'connected' ? 1 : 0]],
  });
  readCounter(registry, { name: 'gateway_mqtt_messages_total', help: 'Sensor messages received (embedded broker and bridge)', read: () => [[{}, room.ingest.totals.messages]] });
  readCounter(registry, { name: 'gateway_sensor_readings_total', help: 'Sensor readings accepted', read: () => [[{}, room.ingest.totals.readings]] });
  readCounter(registry, {
    name: 'gateway_mqtt_acks_total', help: 'Messages handled: acked (the publisher may be acknowledged) or refused (the store failed: the publisher is told to resend)', labelNames: ['result'],
    read: () => [[{ result: 'acked' }, room.ingest.totals.acked], [{ result: 'refused' }, room.ingest.totals.ackRefused]],
  });
  // Per-sensor problem counts summed; a deleted sensor's state goes, its count stays in the total.
  const payloadProblems = new RunningTotals(['class'] as const, PAYLOAD_CLASSES.map((c) => ({ class: c })));
  readCounter(registry, {
    name: 'gateway_mqtt_bad_input_total', labelNames: ['class'],
    help: 'Bad sensor input by class: refused logins and publishes (auth_failed, acl_denied, oversize, rate_limited), bad payloads (malformed, invalid, impossible, bad_timestamp), store_failed, internal, unknown_sensor, disabled_sensor',
    read: () => {
      const perSensor: Array<Count<'class'>> = [];
      for (const s of room.states.all()) for (const c of PAYLOAD_CLASSES) if (s.bad[c]) perSensor.push({ object: s.sensorId, labels: { class: c }, value: s.bad[c] });
      const b = broker();
      return [
        ...payloadProblems.update(perSensor),
        ...Object.entries(BROKER_CLASSES).map(([c, key]): [{ class: string }, number] => [{ class: c }, num(b[key!])]),
        [{ class: 'unknown_sensor' }, room.ingest.totals.unknown],
        [{ class: 'disabled_sensor' }, room.ingest.totals.disabled],
      ];
    },
  });

  const sink = () => room.sink.stats();
  const name = room.sink.name;
  readCounter(registry, {
    name: 'gateway_series_rows_written_total', help: 'Readings written to the time-series sink', labelNames: ['sink'],
    read: () => [[{ sink: name }, num(sink().rows) + num(sink().written)]],
  });
  readGauge(registry, {
    name: 'gateway_series_buffered_rows', help: 'Readings waiting to be written (queued or in flight)', labelNames: ['sink'],
    read: () => [[{ sink: name }, num(sink().queuedRows) + num(sink().buffered) + num(sink().inflight)]],
  });
  readCounter(registry, {
    name: 'gateway_series_dropped_rows_total', help: 'Readings the sink gave up: overflow (buffer full, oldest dropped) or rejected (refused by the database)', labelNames: ['sink', 'reason'],
    read: () => [[{ sink: name, reason: 'overflow' }, num(sink().dropped)], [{ sink: name, reason: 'rejected' }, num(sink().rejected)]],
  });
  readCounter(registry, {
    name: 'gateway_series_write_failures_total', help: 'Failed writes (commits or batches) to the sink', labelNames: ['sink'],
    read: () => [[{ sink: name }, num(sink().failures)]],
  });
}
