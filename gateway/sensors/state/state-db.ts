// The sensor room's own SQLite file (sensors.db, WAL): rule state machines,
// the alarm outbox and each sensor's last values, so a restart resumes where
// it stopped: a pending `for` timer keeps running, an alarm raise() could not
// deliver is retried, the last values are still shown.
import Database from 'better-sqlite3';
import type { IncidentCandidate } from '../../incidents/candidate.ts';

export type RuleStateName = 'normal' | 'pending' | 'firing' | 'recovering';

export interface RuleStateRow {
  sensorId: string;
  rule: string;
  state: RuleStateName;
  /** When the current state began (epoch ms). */
  since: number;
  /** When it last fired, while firing or recovering. */
  firedAt: number | null;
  /** The reading that started pending/firing (for occurredAt and the incident title). */
  value: number | null;
  valueTs: number | null;
}

export interface OutboxRow {
  seq: number;
  candidate: IncidentCandidate;
  attempts: number;
  nextAt: number;
  lastError: string | null;
}

export interface LastRow {
  sensorId: string;
  lastSeen: number;
  values: Record<string, { value: number; unit?: string; ts: number }>;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS rule_state (
  sensor_id TEXT NOT NULL, rule TEXT NOT NULL, state TEXT NOT NULL, since INTEGER NOT NULL,
  fired_at INTEGER, value REAL, value_ts INTEGER, PRIMARY KEY (sensor_id, rule)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS alarm_outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, candidate TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL, last_error TEXT);
CREATE TABLE IF NOT EXISTS sensor_last (sensor_id TEXT PRIMARY KEY, last_seen INTEGER NOT NULL, vals TEXT NOT NULL) WITHOUT ROWID;
`;

type Raw = Record<string, unknown>;

export class StateDb {
  private readonly db: Database.Database;
  private readonly stmts;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL'); // WAL + NORMAL: a committed transaction survives kill -9
    this.db.exec(SCHEMA);
    this.stmts = {
      upsertRule: this.db.prepare(
        `INSERT INTO rule_state (sensor_id, rule, state, since, fired_at, value, value_ts) VALUES (@sensorId, @rule, @state, @since, @firedAt, @value, @valueTs)
         ON CONFLICT (sensor_id, rule) DO UPDATE SET state = excluded.state, since = excluded.since, fired_at = excluded.fired_at, value = excluded.value, value_ts = excluded.value_ts`,
      ),
      deleteRule: this.db.prepare('DELETE FROM rule_state WHERE sensor_id = ? AND rule = ?'),
      rules: this.db.prepare('SELECT * FROM rule_state'),
      enqueue: this.db.prepare('INSERT INTO alarm_outbox (candidate, next_at) VALUES (?, ?)'),
      head: this.db.prepare('SELECT * FROM alarm_outbox ORDER BY seq LIMIT 1'),
      done: this.db.prepare('DELETE FROM alarm_outbox WHERE seq = ?'),
      failed: this.db.prepare('UPDATE alarm_outbox SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE seq = ?'),
      backlog: this.db.prepare('SELECT count(*) AS n FROM alarm_outbox'),
      upsertLast: this.db.prepare(
        'INSERT INTO sensor_last (sensor_id, last_seen, vals) VALUES (?, ?, ?) ON CONFLICT (sensor_id) DO UPDATE SET last_seen = excluded.last_seen, vals = excluded.vals',
      ),
      lasts: this.db.prepare('SELECT * FROM sensor_last'),
      forget: this.db.prepare('DELETE FROM sensor_last WHERE sensor_id = ?'),
    };
  }

  /** A rule transition and the alarm it raises, in one transaction: both or neither. */
  readonly transition = (row: RuleStateRow, candidate?: IncidentCandidate, now = Date.now()): void => {
    this.db.transaction(() => {
      if (row.state === 'normal') this.stmts.deleteRule.run(row.sensorId, row.rule);
      else this.stmts.upsertRule.run(row);
      if (candidate) this.stmts.enqueue.run(JSON.stringify(candidate), now);
    })();
  };

  loadRules(): RuleStateRow[] {
    return (this.stmts.rules.all() as Raw[]).map((r) => ({
      sensorId: r.sensor_id as string, rule: r.rule as string, state: r.state as RuleStateName, since: r.since as number,
      firedAt: r.fired_at as number | null, value: r.value as number | null, valueTs: r.value_ts as number | null,
    }));
  }

  outboxHead(): OutboxRow | undefined {
    const r = this.stmts.head.get() as Raw | undefined;
    if (!r) return undefined;
    return { seq: r.seq as number, candidate: JSON.parse(r.candidate as string) as IncidentCandidate, attempts: r.attempts as number, nextAt: r.next_at as number, lastError: r.last_error as string | null };
  }

  outboxDone(seq: number): void {
    this.stmts.done.run(seq);
  }

  outboxFailed(seq: number, nextAt: number, error: string): void {
    this.stmts.failed.run(nextAt, error.slice(0, 500), seq);
  }

  outboxBacklog(): number {
    return (this.stmts.backlog.get() as { n: number }).n;
  }

  saveLasts(rows: LastRow[]): void {
    this.db.transaction(() => {
      for (const r of rows) this.stmts.upsertLast.run(r.sensorId, r.lastSeen, JSON.stringify(r.values));
    })();
  }

  loadLasts(): LastRow[] {
    return (this.stmts.lasts.all() as Raw[]).map((r) => ({ sensorId: r.sensor_id as string, lastSeen: r.last_seen as number, values: JSON.parse(r.vals as string) as LastRow['values'] }));
  }

  forgetSensor(sensorId: string): void {
    this.db.transaction(() => {
      this.stmts.forget.run(sensorId);
      this.db.prepare('DELETE FROM rule_state WHERE sensor_id = ?').run(sensorId);
    })();
  }

  close(): void {
    this.db.close();
  }
}
