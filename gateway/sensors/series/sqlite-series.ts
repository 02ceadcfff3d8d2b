// The embedded time series: its own SQLite file (WAL). Raw readings are
// group-committed: everything that arrives in one event-loop turn goes in one
// transaction, and only then are the writers told (their MQTT acks follow).
// One-minute rollups (n, sum, min, max) are kept for charts over long ranges
// and for the Influx mode, where this file holds only the rollups.
import Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { Reading } from '../ingest/payload.ts';
import type { SeriesResult, SeriesTags, TimeSeriesSink } from './sink.ts';

const MINUTE = 60_000;
const DAY = 86_400_000;
const ROLLUP_FLUSH_MS = 5000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS series (id INTEGER PRIMARY KEY, sensor_id TEXT NOT NULL, metric TEXT NOT NULL, unit TEXT, UNIQUE (sensor_id, metric));
CREATE TABLE IF NOT EXISTS readings (series INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL NOT NULL, PRIMARY KEY (series, ts)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rollup_1m (series INTEGER NOT NULL, bucket INTEGER NOT NULL, n INTEGER NOT NULL, sum REAL NOT NULL,
  min REAL NOT NULL, max REAL NOT NULL, PRIMARY KEY (series, bucket)) WITHOUT ROWID;
`;

interface Agg {
  series: number;
  bucket: number;
  n: number;
  sum: number;
  min: number;
  max: number;
}

export interface SqliteSeriesOptions {
  file: string;
  /** false in Influx mode: raw readings go there, this file keeps the rollups. */
  keepRaw: boolean;
  retentionDays: number;
  rollupRetentionDays: number;
  batchMaxRows: number;
  log: Logger;
}

export class SqliteSeries implements TimeSeriesSink {
  readonly name = 'sqlite';
  private readonly db: Database.Database;
  private readonly ids = new Map<string, number>();
  private pending: Array<{ series: number; r: Reading }> = [];
  private waiting: Array<(err?: Error) => void> = [];
  private scheduled = false;
  private rollups = new Map<string, Agg>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly counts = { rows: 0, commits: 0, failures: 0 };
  private readonly stmts;

  constructor(private readonly opts: SqliteSeriesOptions) {
    this.db = new Database(opts.file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    this.stmts = {
      series: this.db.prepare('INSERT INTO series (sensor_id, metric, unit) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET unit = excluded.unit RETURNING id'),
      insert: this.db.prepare('INSERT OR REPLACE INTO readings (series, ts, value) VALUES (?, ?, ?)'),
      rollup: this.db.prepare(
        `INSERT INTO rollup_1m (series, bucket, n, sum, min, max) VALUES (@series, @bucket, @n, @sum, @min, @max)
         ON CONFLICT DO UPDATE SET n = n + excluded.n, sum = sum + excluded.sum, min = min(min, excluded.min), max = max(max, excluded.max)`,
      ),
    };
    for (const r of this.db.prepare('SELECT id, sensor_id, metric FROM series').all() as Array<{ id: number; sensor_id: string; metric: string }>) {
      this.ids.set(`${r.sensor_id}\u0000${r.metric}`, r.id);
    }
    this.timers.push(setInterval(() => this.flushRollups(), ROLLUP_FLUSH_MS));
    this.timers.push(setInterval(() => this.prune(), 3600_000));
    this.timers.forEach((t) => t.unref());
  }

  /** Queues readings; `done` runs after their transaction commits (group commit). */
  write(tags: SeriesTags, readings: Reading[], done: (err?: Error) => void): void {
    for (const r of readings) {
      const series = this.seriesId(tags.sensorId, r.metric, r.unit);
      this.aggregate(series, r);
      if (this.opts.keepRaw) this.pending.push({ series, r });
    }
    if (!this.opts.keepRaw) return done();
    this.waiting.push(done);
    if (this.pending.length >= this.opts.batchMaxRows) this.commit();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.commit());
    }
  }

  /** Downsampled points: raw readings while they are kept, one-minute rollups beyond. */
  query(sensorId: string, metric: string | undefined, from: number, to: number, stepMs: number): { stepMs: number; source: 'raw' | 'rollup'; series: SeriesResult[] } {
    this.flushRollups();
    const series = this.db.prepare(`SELECT id, metric, unit FROM series WHERE sensor_id = ?${metric ? ' AND metric = ?' : ''} ORDER BY metric`)
      .all(...(metric ? [sensorId, metric] : [sensorId])) as Array<{ id: number; metric: string; unit: string | null }>;
    const rawSince = Date.now() - this.opts.retentionDays * DAY;
    const useRaw = this.opts.keepRaw && from >= rawSince && stepMs < MINUTE;
    const step = useRaw ? stepMs : Math.max(MINUTE, Math.ceil(stepMs / MINUTE) * MINUTE);
    const sql = useRaw
      ? 'SELECT CAST((ts - @from) / @step AS INTEGER) AS b, avg(value) AS avg, min(value) AS min, max(value) AS max, count(*) AS n FROM readings WHERE series = @s AND ts >= @from AND ts < @to GROUP BY b ORDER BY b'
      : 'SELECT CAST((bucket - @from) / @step AS INTEGER) AS b, sum(sum) / sum(n) AS avg, min(min) AS min, max(max) AS max, sum(n) AS n FROM rollup_1m WHERE series = @s AND bucket >= @from AND bucket < @to GROUP BY b ORDER BY b';
    const start = useRaw ? from : Math.floor(from / MINUTE) * MINUTE;
    const stmt = this.db.prepare(sql);
    const results = series.map((s) => ({
      metric: s.metric,
      ...(s.unit ? { unit: s.unit } : {}),
      points: (stmt.all({ s: s.id, from: start, to, step }) as Array<{ b: number; avg: number; min: number; max: number; n: number }>).map((p) => ({
        t: new Date(start + p.b * step).toISOString(), avg: p.avg, min: p.min, max: p.max, n: p.n,
      })),
    }));
    return { stepMs: step, source: useRaw ? 'raw' : 'rollup', series: results };
  }

  stats(): Record<string, unknown> {
    return { sink: 'sqlite', keepRaw: this.opts.keepRaw, queuedRows: this.pending.length, ...this.counts };
  }

  async close(): Promise<void> {
    this.timers.forEach((t) => clearInterval(t));
    this.commit();
    this.flushRollups();
    this.db.close();
  }

  private seriesId(sensorId: string, metric: string, unit: string | undefined): number {
    const key = `${sensorId}\u0000${metric}`;
    let id = this.ids.get(key);
    if (id === undefined) {
      id = (this.stmts.series.get(sensorId, metric, unit ?? null) as { id: number }).id;
      this.ids.set(key, id);
    }
    return id;
  }

  private aggregate(series: number, r: Reading): void {
    const bucket = Math.floor(r.ts / MINUTE) * MINUTE;
    const key = `${series}:${bucket}`;
    const a = this.rollups.get(key);
    if (!a) this.rollups.set(key, { series, bucket, n: 1, sum: r.value, min: r.value, max: r.value });
    else {
      a.n++;
      a.sum += r.value;
      if (r.value < a.min) a.min = r.value;
      if (r.value > a.max) a.max = r.value;
    }
  }

  private commit(): void {
    this.scheduled = false;
    const rows = this.pending;
    const waiting = this.waiting;
    this.pending = [];
    this.waiting = [];
    if (!rows.length && !waiting.length) return;
    let error: Error | undefined;
    try {
      this.db.transaction(() => {
        for (const { series, r } of rows) this.stmts.insert.run(series, r.ts, r.value);
      })();
      this.counts.rows += rows.length;
      this.counts.commits++;
    } catch (err) {
      this.counts.failures++;
      error = err as Error;
    }
    for (const done of waiting) done(error);
  }

  /** Rollup deltas are added to what is stored, so a restart mid-minute loses nothing already flushed. */
  private flushRollups(): void {
    if (!this.rollups.size || !this.db.open) return;
    const aggs = [...this.rollups.values()];
    this.rollups = new Map();
    try {
      this.db.transaction(() => {
        for (const a of aggs) this.stmts.rollup.run(a);
      })();
    } catch (err) {
      this.counts.failures++;
      this.opts.log.error({ err, buckets: aggs.length }, 'cannot store reading rollups; these buckets are lost');
    }
  }

  /** Retention: raw readings and rollups older than their limits go, series by series (short transactions). */
  prune(now = Date.now()): void {
    const rawBefore = now - this.opts.retentionDays * DAY;
    const rollupBefore = now - this.opts.rollupRetentionDays * DAY;
    const delRaw = this.db.prepare('DELETE FROM readings WHERE series = ? AND ts < ?');
    const delRollup = this.db.prepare('DELETE FROM rollup_1m WHERE series = ? AND bucket < ?');
    try {
      for (const id of this.ids.values()) {
        delRaw.run(id, rawBefore);
        delRollup.run(id, rollupBefore);
      }
    } catch (err) {
      this.opts.log.error({ err }, 'reading retention failed; will try again in an hour');
    }
  }
}
