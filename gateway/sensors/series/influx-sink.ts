// InfluxDB sink with our own batching: a batch leaves at `batchLines` lines or
// every `flushMs`, one request at a time. A failed batch goes back to the
// front and is retried with exponential backoff; the buffer is bounded and,
// when the server stays away, the oldest lines are dropped, counted and
// reported. The client library is only the transport (its own batching,
// retries and 60 s flush interval are turned off). The local SQLite file
// keeps one-minute rollups for the wall's charts.
import { InfluxDB, setLogger, type WriteApi } from '@influxdata/influxdb-client';
import type { Logger } from 'pino';
import type { SensorsConfig } from '../config.ts';
import type { Reading } from '../ingest/payload.ts';
import type { WarnRollup } from '../../log-rollup.ts';
import { toLines } from './line-protocol.ts';
import type { SeriesTags, TimeSeriesSink } from './sink.ts';

type InfluxConfig = SensorsConfig['series']['influx'];

/** Where to write: InfluxDB 2 (org + bucket + token) or 1.x (db[/rp], token `user:password`). */
export function influxTarget(c: InfluxConfig): { org: string; bucket: string } {
  if (c.db) return { org: '', bucket: c.retentionPolicy ? `${c.db}/${c.retentionPolicy}` : c.db };
  return { org: c.org ?? '', bucket: c.bucket ?? '' };
}

export class InfluxSink implements TimeSeriesSink {
  readonly name = 'influx';
  private buffer: string[] = [];
  private inflight = 0;
  private attempt = 0;
  private retryAt = 0;
  private lastError: string | undefined;
  private readonly api: WriteApi;
  private readonly timer: NodeJS.Timeout;
  private sending: Promise<void> | undefined;
  private closed = false;
  private readonly counts = { written: 0, dropped: 0, rejected: 0, batches: 0, failures: 0 };

  constructor(
    private readonly c: InfluxConfig,
    private readonly rollups: TimeSeriesSink,
    private readonly log: Logger,
    private readonly warn: WarnRollup,
  ) {
    if (!c.url) throw new Error('sensors.series.influx.url is required for the influx sink');
    // The library logs to the console by default; route it to ours (debug: we report failures ourselves).
    setLogger({ error: (message, err) => log.debug({ err }, message), warn: (message, err) => log.debug({ err }, message) });
    const { org, bucket } = influxTarget(c);
    this.api = new InfluxDB({ url: c.url, token: c.token ?? undefined, timeout: c.timeoutMs }).getWriteApi(org, bucket, 'ms', {
      batchSize: c.batchLines + 1, flushInterval: 0, maxRetries: 0, maxBufferLines: c.batchLines * 2, gzipThreshold: 1000,
    });
    this.timer = setInterval(() => this.kick(), c.flushMs);
    this.timer.unref();
  }

  /** Buffers at once: the readings are in memory when `done` runs (see README: durability). */
  write(tags: SeriesTags, readings: Reading[], done: (err?: Error) => void): void {
    this.rollups.write(tags, readings, () => undefined);
    for (const line of toLines(this.c.measurement, tags, readings)) this.buffer.push(line);
    this.bound();
    if (this.buffer.length >= this.c.batchLines) this.kick();
    done();
  }

  stats(): Record<string, unknown> {
    return {
      sink: 'influx', buffered: this.buffer.length, inflight: this.inflight, ...this.counts, retrying: this.attempt > 0,
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  /** Sends what is buffered (tests, shutdown); resolves when the buffer is empty or a send failed. */
  async flush(): Promise<void> {
    while (this.buffer.length && !this.closed) {
      await (this.sending ?? this.send());
      if (this.attempt > 0) return;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.retryAt = 0;
    await this.sending;
    await this.flush();
    this.closed = true;
    if (this.buffer.length) {
      this.counts.dropped += this.buffer.length;
      this.log.error({ lines: this.buffer.length, error: this.lastError }, 'influx sink closed with unsent readings; they are lost');
      this.buffer = [];
    }
    await this.api.close().catch((err: unknown) => this.log.debug({ err }, 'influx write API close'));
  }

  private bound(): void {
    const excess = this.buffer.length + this.inflight - this.c.maxBufferLines;
    if (excess <= 0) return;
    this.buffer.splice(0, excess);
    this.counts.dropped += excess;
    this.warn.warn('influx-drop', { dropped: this.counts.dropped, maxBufferLines: this.c.maxBufferLines, error: this.lastError }, 'influx buffer full: oldest readings dropped');
  }

  private kick(): void {
    if (this.sending || this.closed || !this.buffer.length || Date.now() < this.retryAt) return;
    this.sending = this.send().finally(() => {
      this.sending = undefined;
      if (this.buffer.length >= this.c.batchLines) this.kick();
    });
  }

  private async send(): Promise<void> {
    const batch = this.buffer.splice(0, this.c.batchLines);
    this.inflight = batch.length;
    try {
      this.api.writeRecords(batch);
      await this.api.flush();
      this.counts.written += batch.length;
      this.counts.batches++;
      if (this.attempt > 0) this.log.info({ attempts: this.attempt }, 'influx writes succeed again');
      this.attempt = 0;
      this.retryAt = 0;
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
      if (status === 400 || status === 422) {
        // The server refuses the lines themselves: sending them again cannot help.
        this.counts.rejected += batch.length;
        this.log.error({ err, lines: batch.length, sample: batch[0] }, 'influx refused a batch of readings as invalid; dropped');
        return;
      }
      this.counts.failures++;
      this.attempt++;
      this.lastError = (err as Error)?.message ?? String(err);
      const delay = Math.min(this.c.backoff.maxMs, this.c.backoff.initialMs * 2 ** Math.min(this.attempt - 1, 20));
      this.retryAt = Date.now() + delay;
      this.buffer.unshift(...batch);
      this.warn.warn('influx-failed', { attempt: this.attempt, retryInMs: delay, lines: batch.length, error: this.lastError }, 'influx write failed; will retry');
    } finally {
      this.inflight = 0;
      this.bound();
    }
  }
}
