// Scale-out: with a shared subscription each MQTT message reaches one node,
// but a sensor's rules (pending timers, hysteresis, staleness) need every
// reading of that sensor, and every node's wall needs its latest values and
// charts. So one node judges each sensor (its owner), and every node tells
// the others what it accepted. Without a share (one gateway), this node
// judges every sensor.
import type { Reading } from './ingest/payload.ts';

export interface SharedReadings {
  readings?: Reading[];
  availability?: 'online' | 'offline';
}

export interface SensorShare {
  /** Whether this node runs the sensor's rules and health. */
  owns(sensorId: string): boolean;
  /** What this node accepted, for the other nodes. */
  publish(sensorId: string, shared: SharedReadings): void;
  /** What the other nodes accepted; returns the unsubscribe. */
  subscribe(handler: (sensorId: string, shared: SharedReadings) => void): () => void;
}
