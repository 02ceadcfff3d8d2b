// Export jobs kept in the store (SQLite beside the recording index, or the
// cluster's PostgreSQL), so a restart neither forgets them nor their files,
// and every node answers for every job. One interface; the SQL version on
// both engines and an in-memory one (for parts that run an exporter alone)
// pass export-jobs.contract.ts. Times are epoch ms.
import type { ExportPlan } from '../export/plan.ts';
import type { SqlRunner } from './sql-index.ts';

export type ExportState = 'queued' | 'running' | 'done' | 'failed';

export interface ExportRecord {
  id: string;
  channelId: string;
  channelName: string;
  from: number;
  to: number;
  /** What ffmpeg concatenates (paths on `nodeId`'s disk; never shown), with the real range. */
  plan: ExportPlan;
  state: ExportState;
  progress: number;
  bytes: number;
  /** Why it failed, for a person (no paths). */
  reason?: string;
  /** The API key id that asked (never the key itself); `system` for the gateway's own. */
  createdBy: string;
  /** The key's name, for an admin's list. */
  createdByName: string;
  createdAt: number;
  finishedAt?: number;
  /** When the file is deleted (finishedAt + keepHours); unset while it runs. */
  expiresAt?: number;
  /** The node whose disk holds the file. */
  nodeId: string;
}

export type ExportChange = Partial<Pick<ExportRecord, 'state' | 'progress' | 'bytes' | 'reason' | 'finishedAt' | 'expiresAt'>>;

export interface ExportJobStore {
  insert(job: ExportRecord): Promise<void>;
  update(id: string, change: ExportChange): Promise<void>;
  get(id: string): Promise<ExportRecord | undefined>;
  /** Newest first; one person's when `createdBy` is given. */
  list(query: { createdBy?: string; limit: number }): Promise<ExportRecord[]>;
  /** Every job whose file is (or will be) on this node. */
  ofNode(nodeId: string): Promise<ExportRecord[]>;
  delete(ids: string[]): Promise<number>;
  close(): Promise<void>;
}

const COLUMNS: Record<keyof ExportChange, string> = {
  state: 'state', progress: 'progress', bytes: 'bytes', reason: 'reason', finishedAt: 'finished_at', expiresAt: 'expires_at',
};

const optional = (v: unknown) => (v === null || v === undefined ? undefined : Number(v));

const toRecord = (r: Record<string, unknown>): ExportRecord => {
  const finishedAt = optional(r.finished_at);
  const expiresAt = optional(r.expires_at);
  return {
    id: String(r.id), channelId: String(r.channel_id), channelName: String(r.channel_name), from: Number(r.from_ms), to: Number(r.to_ms),
    plan: JSON.parse(String(r.plan)) as ExportPlan, state: String(r.state) as ExportState, progress: Number(r.progress), bytes: Number(r.bytes),
    ...(r.reason === null || r.reason === undefined ? {} : { reason: String(r.reason) }),
    createdBy: String(r.created_by), createdByName: String(r.created_by_name), createdAt: Number(r.created_at),
    ...(finishedAt === undefined ? {} : { finishedAt }), ...(expiresAt === undefined ? {} : { expiresAt }), nodeId: String(r.node_id),
  };
};

export class SqlExportJobs implements ExportJobStore {
  /** Shares the recording index's connection (its migrations made the table); closing it is the index's. */
  constructor(private readonly db: SqlRunner) {}

  async insert(j: ExportRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO recording_exports (id, channel_id, channel_name, from_ms, to_ms, actual_from_ms, actual_to_ms, plan, state, progress, bytes, reason,
         created_by, created_by_name, created_at, finished_at, expires_at, node_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [j.id, j.channelId, j.channelName, j.from, j.to, j.plan.actualFrom, j.plan.actualTo, JSON.stringify(j.plan), j.state, j.progress, j.bytes, j.reason ?? null,
        j.createdBy, j.createdByName, j.createdAt, j.finishedAt ?? null, j.expiresAt ?? null, j.nodeId],
    );
  }

  async update(id: string, change: ExportChange): Promise<void> {
    const keys = (Object.keys(change) as Array<keyof ExportChange>).filter((k) => COLUMNS[k]);
    if (!keys.length) return;
    await this.db.run(
      `UPDATE recording_exports SET ${keys.map((k) => `${COLUMNS[k]} = ?`).join(', ')} WHERE id = ?`,
      [...keys.map((k) => change[k] ?? null), id],
    );
  }

  async get(id: string): Promise<ExportRecord | undefined> {
    const [row] = await this.db.all('SELECT * FROM recording_exports WHERE id = ?', [id]);
    return row && toRecord(row);
  }

  async list(q: { createdBy?: string; limit: number }): Promise<ExportRecord[]> {
    const rows = q.createdBy === undefined
      ? await this.db.all('SELECT * FROM recording_exports ORDER BY created_at DESC, id LIMIT ?', [q.limit])
      : await this.db.all('SELECT * FROM recording_exports WHERE created_by = ? ORDER BY created_at DESC, id LIMIT ?', [q.createdBy, q.limit]);
    return rows.map(toRecord);
  }

  async ofNode(nodeId: string): Promise<ExportRecord[]> {
    return (await this.db.all('SELECT * FROM recording_exports WHERE node_id = ? ORDER BY created_at', [nodeId])).map(toRecord);
  }

  async delete(ids: string[]): Promise<number> {
    let n = 0;
    for (const id of ids) n += await this.db.run('DELETE FROM recording_exports WHERE id = ?', [id]);
    return n;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Jobs in this process only: for an exporter run without a store (tests of other parts). */
export class MemoryExportJobs implements ExportJobStore {
  private readonly rows = new Map<string, ExportRecord>();

  async insert(j: ExportRecord): Promise<void> {
    if (this.rows.has(j.id)) throw new Error(`export ${j.id} exists`);
    this.rows.set(j.id, structuredClone(j));
  }

  async update(id: string, change: ExportChange): Promise<void> {
    const row = this.rows.get(id);
    if (row) this.rows.set(id, { ...row, ...structuredClone(change) });
  }

  async get(id: string): Promise<ExportRecord | undefined> {
    const row = this.rows.get(id);
    return row && structuredClone(row);
  }

  async list(q: { createdBy?: string; limit: number }): Promise<ExportRecord[]> {
    return [...this.rows.values()].filter((r) => q.createdBy === undefined || r.createdBy === q.createdBy)
      .sort((a, b) => b.createdAt - a.createdAt || a.id.localeCompare(b.id)).slice(0, q.limit).map((r) => structuredClone(r));
  }

  async ofNode(nodeId: string): Promise<ExportRecord[]> {
    return [...this.rows.values()].filter((r) => r.nodeId === nodeId).sort((a, b) => a.createdAt - b.createdAt).map((r) => structuredClone(r));
  }

  async delete(ids: string[]): Promise<number> {
    return ids.filter((id) => this.rows.delete(id)).length;
  }

  async close(): Promise<void> {}
}

/** The table, the same on both engines (a migration of the recording index); `plan` is the whole plan as JSON, the real range also in columns for a person reading the table. */
export const EXPORTS_SCHEMA_V1 = `
CREATE TABLE recording_exports (
  id TEXT PRIMARY KEY,
  channel_id TEXT NOT NULL,
  channel_name TEXT NOT NULL,
  from_ms BIGINT NOT NULL,
  to_ms BIGINT NOT NULL,
  actual_from_ms BIGINT NOT NULL,
  actual_to_ms BIGINT NOT NULL,
  plan TEXT NOT NULL,
  state TEXT NOT NULL,
  progress DOUBLE PRECISION NOT NULL,
  bytes BIGINT NOT NULL,
  reason TEXT,
  created_by TEXT NOT NULL,
  created_by_name TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  finished_at BIGINT,
  expires_at BIGINT,
  node_id TEXT NOT NULL
);
CREATE INDEX recording_exports_creator ON recording_exports (created_by, created_at);
CREATE INDEX recording_exports_node ON recording_exports (node_id);
`;
