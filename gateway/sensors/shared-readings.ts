// What the other nodes accepted (scale-out, see share.ts): it updates this
// node's live state (latest values, last seen: the wall and staleness), goes
// into the local series for the wall's charts (rollups in Influx mode), and is
// judged here when this node owns the sensor.
import type { Logger } from 'pino';
import type { SensorDirectory } from './directory.ts';
import type { Ingest } from './ingest/ingest.ts';
import type { RuleEngine } from './rules/engine.ts';
import type { TimeSeriesSink } from './series/sink.ts';
import type { SensorShare, SharedReadings } from './share.ts';
import type { SensorStates } from './state/sensor-state.ts';

export interface SharedDeps {
  directory: SensorDirectory;
  states: SensorStates;
  /** The local series: the charts' rollups (and raw readings with the SQLite sink). */
  local: TimeSeriesSink;
  engine: RuleEngine;
  ingest: Ingest;
  log: Logger;
}

/** Wires the share in; returns the unsubscribe. */
export function shareWithOthers(share: SensorShare, deps: SharedDeps): () => void {
  deps.engine.owns = (id) => share.owns(id);
  return share.subscribe((sensorId, shared) => receive(share, deps, sensorId, shared));
}

function receive(share: SensorShare, deps: SharedDeps, sensorId: string, shared: SharedReadings): void {
  const sensor = deps.directory.get(sensorId);
  if (!sensor?.enabled) return;
  const now = Date.now();
  const state = deps.states.get(sensorId);
  if (shared.availability) {
    state.availability = { state: shared.availability, at: now };
    if (share.owns(sensorId)) deps.engine.onAvailability(sensor, shared.availability, now);
  }
  const readings = shared.readings ?? [];
  if (!readings.length) return;
  deps.states.readings(state, readings, now);
  if (share.owns(sensorId)) deps.ingest.evaluate(sensor, readings, now);
  deps.local.write({ sensorId, kind: sensor.kind, gridCode: sensor.gridCode }, readings, (err) => {
    if (err) deps.log.warn({ sensorId, err: err.message }, 'readings from another node not kept for the charts');
  });
}
