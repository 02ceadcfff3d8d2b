// The recording index in SQL, the same statements on SQLite and PostgreSQL
// (`?` placeholders; the PostgreSQL runner numbers them). Each engine gives a
// runner and its migrations (sqlite-index.ts, pg-index.ts).
import { gapsBetween, type DeletableQuery, type Gap, type Hold, type RecordingIndex, type Segment, type Totals } from './recording-index.ts';

export interface SqlRunner {
  all(sql: string, params: unknown[]): Promise<Array<Record<string, unknown>>>;
  run(sql: string, params: unknown[]): Promise<number>;
  close(): Promise<void>;
}

const DEFAULT_GAP_TOLERANCE_MS = 1500;
/** An active hold: not released, or released in the future. */
const ACTIVE = '(h.release_at IS NULL OR h.release_at > ?)';
const OVERLAPS = 'h.channel_id = s.channel_id AND h.from_ms < s.end_ms AND h.to_ms > s.start_ms';

const toSegment = (r: Record<string, unknown>): Segment => ({
  channelId: String(r.channel_id),
  startMs: Number(r.start_ms),
  endMs: Number(r.end_ms),
  bytes: Number(r.bytes),
  path: String(r.path),
  nodeId: String(r.node_id),
  keyframeFirst: Number(r.keyframe_first) === 1,
  class: r.class === 'events' ? 'events' : 'continuous',
  source: 'gateway',
});

const toHold = (r: Record<string, unknown>): Hold => ({
  channelId: String(r.channel_id),
  fromMs: Number(r.from_ms),
  toMs: Number(r.to_ms),
  incidentId: String(r.incident_id),
  reason: String(r.reason),
  releaseAt: r.release_at === null || r.release_at === undefined ? null : Number(r.release_at),
});

export class SqlRecordingIndex implements RecordingIndex {
  /** `db` is shared with the export jobs (export-jobs.ts), whose table the same migrations make. */
  constructor(readonly where: string, readonly db: SqlRunner) {}

  async addSegment(s: Segment): Promise<void> {
    await this.db.run(
      `INSERT INTO recording_segments (channel_id, start_ms, end_ms, bytes, path, node_id, keyframe_first, class, source)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (channel_id, start_ms) DO UPDATE SET end_ms = excluded.end_ms, bytes = excluded.bytes, path = excluded.path,
         node_id = excluded.node_id, keyframe_first = excluded.keyframe_first, class = excluded.class`,
      [s.channelId, s.startMs, s.endMs, s.bytes, s.path, s.nodeId, s.keyframeFirst ? 1 : 0, s.class, s.source],
    );
  }

  async segments(channelId: string, fromMs: number, toMs: number, gapToleranceMs = DEFAULT_GAP_TOLERANCE_MS): Promise<{ segments: Segment[]; gaps: Gap[] }> {
    const rows = await this.db.all(
      'SELECT * FROM recording_segments WHERE channel_id = ? AND start_ms < ? AND end_ms > ? ORDER BY start_ms',
      [channelId, toMs, fromMs],
    );
    const segments = rows.map(toSegment);
    return { segments, gaps: gapsBetween(segments, gapToleranceMs) };
  }

  async segmentsOf(channelId: string, nodeId: string): Promise<Segment[]> {
    return (await this.db.all('SELECT * FROM recording_segments WHERE channel_id = ? AND node_id = ? ORDER BY start_ms', [channelId, nodeId])).map(toSegment);
  }

  async channels(nodeId: string): Promise<string[]> {
    return (await this.db.all('SELECT DISTINCT channel_id FROM recording_segments WHERE node_id = ?', [nodeId])).map((r) => String(r.channel_id));
  }

  async lastEnd(channelId: string): Promise<number | undefined> {
    const [row] = await this.db.all('SELECT MAX(end_ms) AS e FROM recording_segments WHERE channel_id = ?', [channelId]);
    return row?.e === null || row?.e === undefined ? undefined : Number(row.e);
  }

  async deleteSegments(refs: Array<{ channelId: string; startMs: number }>): Promise<number> {
    let n = 0;
    for (const r of refs) n += await this.db.run('DELETE FROM recording_segments WHERE channel_id = ? AND start_ms = ?', [r.channelId, r.startMs]);
    return n;
  }

  async deletable(q: DeletableQuery): Promise<Segment[]> {
    const params: unknown[] = [q.class, q.nodeId, q.endBefore];
    let sql = 'SELECT s.* FROM recording_segments s WHERE s.class = ? AND s.node_id = ? AND s.end_ms < ?';
    if (q.channelId !== undefined) {
      sql += ' AND s.channel_id = ?';
      params.push(q.channelId);
    }
    sql += ` AND NOT EXISTS (SELECT 1 FROM recording_holds h WHERE ${OVERLAPS} AND ${ACTIVE})`;
    params.push(q.now);
    if (q.keepCoveredFrom !== undefined) {
      sql += ` AND NOT (s.start_ms >= ? AND EXISTS (SELECT 1 FROM recording_holds h WHERE ${OVERLAPS}))`;
      params.push(q.keepCoveredFrom);
    }
    sql += ' ORDER BY s.start_ms LIMIT ?';
    params.push(q.limit);
    return (await this.db.all(sql, params)).map(toSegment);
  }

  async isHeld(channelId: string, fromMs: number, toMs: number, now: number): Promise<boolean> {
    const rows = await this.db.all(
      `SELECT 1 FROM recording_holds h WHERE h.channel_id = ? AND h.from_ms < ? AND h.to_ms > ? AND ${ACTIVE} LIMIT 1`,
      [channelId, toMs, fromMs, now],
    );
    return rows.length > 0;
  }

  async putHold(h: Omit<Hold, 'releaseAt'>): Promise<void> {
    await this.db.run(
      `INSERT INTO recording_holds (incident_id, channel_id, from_ms, to_ms, reason, release_at) VALUES (?, ?, ?, ?, ?, NULL)
       ON CONFLICT (incident_id, channel_id) DO UPDATE SET
         from_ms = CASE WHEN excluded.from_ms < recording_holds.from_ms THEN excluded.from_ms ELSE recording_holds.from_ms END,
         to_ms = CASE WHEN excluded.to_ms > recording_holds.to_ms THEN excluded.to_ms ELSE recording_holds.to_ms END`,
      [h.incidentId, h.channelId, h.fromMs, h.toMs, h.reason],
    );
  }

  async releaseHolds(incidentId: string, releaseAt: number): Promise<number> {
    return this.db.run('UPDATE recording_holds SET release_at = ? WHERE incident_id = ?', [releaseAt, incidentId]);
  }

  async holds(channelId: string, fromMs: number, toMs: number): Promise<Hold[]> {
    const rows = await this.db.all('SELECT * FROM recording_holds WHERE channel_id = ? AND from_ms < ? AND to_ms > ? ORDER BY from_ms', [channelId, toMs, fromMs]);
    return rows.map(toHold);
  }

  async purgeHolds(before: number): Promise<number> {
    return this.db.run('DELETE FROM recording_holds WHERE release_at IS NOT NULL AND release_at < ?', [before]);
  }

  async totals(nodeId: string, now: number): Promise<Totals> {
    const rows = await this.db.all('SELECT class, COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS b FROM recording_segments WHERE node_id = ? GROUP BY class', [nodeId]);
    const totals: Totals = { continuous: { segments: 0, bytes: 0 }, events: { segments: 0, bytes: 0 }, heldBytes: 0 };
    for (const r of rows) totals[r.class === 'events' ? 'events' : 'continuous'] = { segments: Number(r.n), bytes: Number(r.b) };
    const [held] = await this.db.all(
      `SELECT COALESCE(SUM(s.bytes), 0) AS b FROM recording_segments s WHERE s.node_id = ? AND EXISTS (SELECT 1 FROM recording_holds h WHERE ${OVERLAPS} AND ${ACTIVE})`,
      [nodeId, now],
    );
    totals.heldBytes = Number(held?.b ?? 0);
    return totals;
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

/** The tables, the same on both engines (BIGINT is INTEGER in SQLite). */
export const INDEX_SCHEMA_V1 = `
CREATE TABLE recording_segments (
  channel_id TEXT NOT NULL,
  start_ms BIGINT NOT NULL,
  end_ms BIGINT NOT NULL,
  bytes BIGINT NOT NULL,
  path TEXT NOT NULL,
  node_id TEXT NOT NULL,
  keyframe_first INTEGER NOT NULL,
  class TEXT NOT NULL,
  source TEXT NOT NULL DEFAULT 'gateway',
  PRIMARY KEY (channel_id, start_ms)
);
CREATE INDEX recording_segments_class_end ON recording_segments (class, node_id, end_ms);
CREATE INDEX recording_segments_node_start ON recording_segments (node_id, start_ms);
CREATE TABLE recording_holds (
  incident_id TEXT NOT NULL,
  channel_id TEXT NOT NULL,
  from_ms BIGINT NOT NULL,
  to_ms BIGINT NOT NULL,
  reason TEXT NOT NULL,
  release_at BIGINT,
  PRIMARY KEY (incident_id, channel_id)
);
CREATE INDEX recording_holds_channel ON recording_holds (channel_id, from_ms);
`;
