// Who may publish and subscribe where. A sensor publishes only its telemetry
// and availability topics and subscribes only under its command topic; wall
// clients (API keys) only read, never `$SYS`, and only the sensors in their
// key's scope (分级分权). Pure functions: tested alone.
import { inCoverage, type Coverage } from '../../../device-registry/index.ts';
import type { SensorInfo } from '../directory.ts';

/** `scope`: the wall key's grid codes (null or absent: everything). */
export type Principal = { kind: 'sensor'; sensorId: string } | { kind: 'wall'; keyId: string | null; role: string; scope?: readonly string[] | null };

export function canPublish(principal: Principal, sensor: SensorInfo | undefined, topic: string): boolean {
  if (topic.startsWith('$')) return false;
  if (principal.kind !== 'sensor' || !sensor || !sensor.enabled) return false;
  return topic === sensor.topic || topic === sensor.availabilityTopic;
}

export function canSubscribe(principal: Principal, sensor: SensorInfo | undefined, filter: string): boolean {
  if (filter.startsWith('$')) return false; // $SYS, and $share tricks to reach other topics
  if (principal.kind === 'wall') return true;
  if (!sensor || !sensor.enabled) return false;
  // A filter that starts with the command topic and a separator cannot match anything outside it.
  return filter === sensor.commandTopic || filter.startsWith(`${sensor.commandTopic}/`);
}

/**
 * Whether a message goes on to a subscriber: a scoped wall client gets only the topics of sensors in its cells
 * (`cells` undefined: not worked out yet, so nothing); anyone else what it subscribed to.
 */
export function canForward(principal: Principal | undefined, sensor: SensorInfo | undefined, cells: Coverage | undefined): boolean {
  if (principal?.kind !== 'wall' || principal.scope === null || principal.scope === undefined) return true;
  return cells !== undefined && sensor !== undefined && inCoverage(cells, sensor.gridCode);
}
