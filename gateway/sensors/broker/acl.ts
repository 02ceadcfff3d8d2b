// Who may publish and subscribe where. A sensor publishes only its telemetry
// and availability topics and subscribes only under its command topic; wall
// clients (API keys) only read, and never `$SYS`. Pure functions: tested alone.
import type { SensorInfo } from '../directory.ts';

export type Principal = { kind: 'sensor'; sensorId: string } | { kind: 'wall'; keyId: string | null; role: string };

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
