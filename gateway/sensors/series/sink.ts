// Where readings go. Both sinks keep the same contract: write() queues, and
// calls `done` once the readings are stored (SQLite: committed, so the MQTT
// acknowledgement that follows means "on disk") or safely buffered (Influx:
// the bounded buffer, whose drops are counted and reported).
import type { Reading } from '../ingest/payload.ts';

export interface SeriesTags {
  sensorId: string;
  kind: string;
  gridCode?: string;
}

export interface TimeSeriesSink {
  readonly name: 'sqlite' | 'influx';
  write(tags: SeriesTags, readings: Reading[], done: (err?: Error) => void): void;
  stats(): Record<string, unknown>;
  close(): Promise<void>;
}

export interface SeriesPoint {
  t: string;
  avg: number;
  min: number;
  max: number;
  n: number;
}

export interface SeriesResult {
  metric: string;
  unit?: string;
  points: SeriesPoint[];
}
