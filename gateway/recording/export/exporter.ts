// Export jobs: a range of one channel's footage concatenated into one MP4
// without re-encoding (concat-ffmpeg.ts), at most `concurrent` at once (the
// rest queue). A person's jobs are kept in the store (ExportJobStore), so a
// restart forgets neither them nor their files: done jobs download until they
// expire (`keepHours` after they finished), queued ones run, and one that was
// running is started over (its plan is stored; ffmpeg writes under a
// temporary name, so a half-written MP4 is never served). The gateway's own
// jobs (incident clips) are `submit`ted without an owner and kept in memory.
// A plan with a `source` (a GB28181 device's recording) is written by that
// kind's runner (`sources`) instead of a concat; a job can be cancelled.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { GwError } from '../../../device-registry/index.ts';
import { MemoryExportJobs, type ExportChange, type ExportJobStore, type ExportRecord } from '../store/export-jobs.ts';
import { runConcat } from './concat-ffmpeg.ts';
import { concatList, type ConcatEntry, type ExportPlan } from './plan.ts';

/** An export that could not be made, its message the reason a person reads (no paths, no secrets). */
export class ExportFailure extends Error {}

/**
 * Writes the MP4 of a job whose plan has a `source` of this runner's kind into
 * `out.file` (a temporary name, renamed when the runner resolves). Throws an
 * ExportFailure to fail the job with its message; stops when `out.signal` aborts.
 */
export type ExportSourceRun = (job: ExportRecord, out: { file: string; progress: (fraction: number) => void; signal: AbortSignal }) => Promise<void>;

export type { ExportRecord, ExportState } from '../store/export-jobs.ts';

export interface ExportJob extends ExportRecord {
  /** Where the finished MP4 is on this node. */
  file: string;
  /** Settles when the job is done or failed (not when the gateway stops first). */
  done: Promise<ExportJob>;
  /** A person's job (in the store) rather than the gateway's own. */
  persisted: boolean;
}

export interface ExportInput { channelId: string; channelName: string; from: number; to: number; plan: ExportPlan }
/** Who asked: the API key's id (never the key) and its name. */
export interface ExportOwner { id: string; name: string }

export interface ExporterOptions {
  dir: string;
  ffmpegPath: string;
  concurrent: number;
  keepHours: number;
  /** Default: in memory (jobs do not outlive the process). */
  store?: ExportJobStore;
  /** The node whose disk this is (default 'local'). */
  nodeId?: string;
  /** Cluster: copies a segment another node holds to its entry's file (recording/cluster/export-fetches.ts); fails with a GW_ERR_UNAVAILABLE naming the node. */
  fetchRemote?: (entry: ConcatEntry) => Promise<void>;
  /** Runners of plans with a `source`, by its kind (device: gb28181/records/device-export.ts). */
  sources?: Record<string, ExportSourceRun>;
  log: Logger;
}

/** Progress is written to the store in steps this large (other nodes poll it; each step is one UPDATE). */
const PROGRESS_STEP = 0.1;
const FAILED_REASON = 'ffmpeg could not write the export (a segment may have been deleted meanwhile)';

export class Exporter {
  private readonly jobs = new Map<string, ExportJob>();
  private readonly queue: Array<() => void> = [];
  private readonly children = new Set<ChildProcess>();
  private readonly runs = new Set<Promise<void>>();
  /** Temporary files ffmpeg writes now (a run's own name: an ffmpeg orphaned by a kill -9 may still write its old one). */
  private readonly parts = new Set<string>();
  private readonly writes = new Map<string, Promise<void>>();
  private readonly settles = new Map<string, (job: ExportJob) => void>();
  /** Queued and running jobs of this process: cancel aborts them. */
  private readonly aborts = new Map<string, AbortController>();
  private readonly store: ExportJobStore;
  private readonly nodeId: string;
  private running = 0;
  private stopped = false;
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: ExporterOptions) {
    this.store = opts.store ?? new MemoryExportJobs();
    this.nodeId = opts.nodeId ?? 'local';
    mkdirSync(opts.dir, { recursive: true });
    this.sweepTimer = setInterval(() => void this.sweep().catch((err: unknown) => opts.log.error({ err }, 'recording export: sweep failed')),
      Math.min(60_000, opts.keepHours * 3_600_000)).unref();
  }

  /** After a restart: this node's queued jobs queue again, a running one starts over; then the folder is swept. */
  async resume(): Promise<void> {
    const now = Date.now();
    for (const row of await this.store.ofNode(this.nodeId)) {
      if (this.jobs.has(row.id) || (row.state !== 'queued' && row.state !== 'running')) continue;
      if (row.state === 'running') this.opts.log.warn({ exportId: row.id, channelId: row.channelId }, 'recording export: was running when the gateway stopped; started over');
      this.enqueue(this.track({ ...row, state: 'queued', progress: 0 }, true));
      this.persist(row.id, { state: 'queued', progress: 0 });
    }
    await this.sweep(now);
  }

  /** A job of this process (memory), whoever asked. */
  get(id: string): ExportJob | undefined {
    return this.jobs.get(id);
  }

  /** A person's job, from this process while it runs here, else from the store (any node's). */
  async find(id: string): Promise<ExportRecord | undefined> {
    const here = this.jobs.get(id);
    if (here) return here.persisted ? here : undefined;
    return this.store.get(id);
  }

  /** Newest first; one person's (`createdBy`) or everyone's. Jobs running here show their live progress. */
  async list(query: { createdBy?: string; limit: number }): Promise<ExportRecord[]> {
    return (await this.store.list(query)).map((row) => this.jobs.get(row.id) ?? row);
  }

  /** Queues a person's export, kept in the store. */
  async submitFor(owner: ExportOwner, input: ExportInput): Promise<ExportJob> {
    const row: ExportRecord = { ...input, id: randomUUID(), state: 'queued', progress: 0, bytes: 0, createdBy: owner.id, createdByName: owner.name, createdAt: Date.now(), nodeId: this.nodeId };
    await this.store.insert(row);
    return this.enqueue(this.track(row, true));
  }

  /** Queues the gateway's own export (kept in memory only); `job.done` settles when it is done or failed. */
  submit(input: ExportInput): ExportJob {
    const row: ExportRecord = { ...input, id: randomUUID(), state: 'queued', progress: 0, bytes: 0, createdBy: 'system', createdByName: 'system', createdAt: Date.now(), nodeId: this.nodeId };
    return this.enqueue(this.track(row, false));
  }

  private track(row: ExportRecord, persisted: boolean): ExportJob {
    const done = new Promise<ExportJob>((settle) => this.settles.set(row.id, settle));
    const job: ExportJob = { ...row, persisted, file: this.fileOf(row.id), done };
    this.jobs.set(job.id, job);
    this.aborts.set(job.id, new AbortController());
    return job;
  }

  /**
   * Ends a queued or running job of this process as failed with `why` (a
   * running one's ffmpeg is killed, a source's runner stops: a device download
   * ends with a BYE). False when it is not one of those.
   */
  cancel(id: string, why: string): boolean {
    const job = this.jobs.get(id);
    const abort = this.aborts.get(id);
    if (!job || !abort || (job.state !== 'queued' && job.state !== 'running')) return false;
    abort.abort(new ExportFailure(why));
    if (job.state === 'queued') {
      this.finish(job, { state: 'failed', reason: why });
      this.aborts.delete(id);
    }
    return true;
  }

  private enqueue(job: ExportJob): ExportJob {
    this.queue.push(() => {
      // Cancelled while it waited: its slot goes to the next.
      if (job.state !== 'queued') {
        this.running--;
        return this.next();
      }
      const run = this.run(job).finally(() => this.runs.delete(run));
      this.runs.add(run);
    });
    this.next();
    return job;
  }

  private next(): void {
    while (!this.stopped && this.running < this.opts.concurrent && this.queue.length) {
      this.running++;
      this.queue.shift()!();
    }
  }

  /** Store writes of one job, in order; a failed write is logged (the job itself goes on). */
  private persist(id: string, change: ExportChange): Promise<void> {
    const job = this.jobs.get(id);
    if (job && !job.persisted) return Promise.resolve();
    const write = (this.writes.get(id) ?? Promise.resolve())
      .then(() => this.store.update(id, change))
      .catch((err: unknown) => this.opts.log.error({ err, exportId: id }, 'recording export: could not save the job\'s state'));
    this.writes.set(id, write);
    return write;
  }

  private async run(job: ExportJob): Promise<void> {
    const log = this.opts.log.child({ exportId: job.id, channelId: job.channelId });
    job.state = 'running';
    void this.persist(job.id, { state: 'running', progress: 0 });
    const list = join(this.opts.dir, `${job.id}.txt`);
    const part = join(this.opts.dir, `${job.id}.${randomUUID().slice(0, 8)}.part`);
    this.parts.add(part);
    let saved = 0;
    const signal = this.aborts.get(job.id)?.signal ?? new AbortController().signal;
    const progress = (fraction: number) => {
      job.progress = Math.max(0, Math.min(0.99, fraction));
      if (job.progress - saved >= PROGRESS_STEP) void this.persist(job.id, { progress: (saved = job.progress) });
    };
    try {
      if (job.plan.source) await this.runSource(job, part, progress, signal);
      else await this.runConcat(job, list, part, progress, signal);
      renameSync(part, job.file);
      this.finish(job, { state: 'done', progress: 1, bytes: statSync(job.file).size });
      log.info({ seconds: job.plan.seconds, bytes: job.bytes, ms: Date.now() - job.createdAt, source: job.plan.source?.kind }, 'recording export done');
    } catch (err) {
      rmSync(part, { force: true });
      if (this.stopped) return log.info('recording export: stopped with the gateway; it starts over at the next start');
      rmSync(job.file, { force: true });
      // A node holding some of the footage is down, a source could not deliver, a person cancelled: the reason says so.
      const why = signal.aborted ? signal.reason : err;
      const told = why instanceof ExportFailure || (why instanceof GwError && why.code === 'GW_ERR_UNAVAILABLE');
      this.finish(job, { state: 'failed', reason: told ? (why as Error).message : FAILED_REASON });
      if (signal.aborted) log.info({ reason: job.reason }, 'recording export cancelled');
      else log.error({ err }, 'recording export failed');
    } finally {
      this.aborts.delete(job.id);
      this.parts.delete(part);
      rmSync(list, { force: true });
      for (const e of job.plan.entries) if (e.remote) rmSync(e.file, { force: true });
      this.running--;
      this.next();
    }
  }

  private async runSource(job: ExportJob, part: string, progress: (fraction: number) => void, signal: AbortSignal): Promise<void> {
    const kind = job.plan.source!.kind;
    const runner = this.opts.sources?.[kind];
    if (!runner) throw new ExportFailure(`exports of kind '${kind}' do not run on this gateway (is GB28181 enabled?)`);
    signal.throwIfAborted();
    await runner(job, { file: part, progress, signal });
    signal.throwIfAborted();
  }

  private async runConcat(job: ExportJob, list: string, part: string, progress: (fraction: number) => void, signal: AbortSignal): Promise<void> {
    for (const e of job.plan.entries) if (e.remote && !existsSync(e.file) && this.opts.fetchRemote) await this.opts.fetchRemote(e);
    // Retention may have deleted a segment since the plan (ffmpeg's concat would end early without an error).
    if (!job.plan.entries.every((e) => existsSync(e.file))) throw new Error('a segment of the range was deleted before the export ran');
    writeFileSync(list, concatList(job.plan.entries));
    signal.throwIfAborted();
    const ffmpeg = runConcat(this.opts.ffmpegPath, list, part, (seconds) => {
      if (job.plan.seconds > 0) progress(seconds / job.plan.seconds);
    });
    this.children.add(ffmpeg.child);
    const kill = () => ffmpeg.child.kill('SIGKILL');
    signal.addEventListener('abort', kill, { once: true });
    await ffmpeg.finished.finally(() => {
      signal.removeEventListener('abort', kill);
      this.children.delete(ffmpeg.child);
    });
  }

  private finish(job: ExportJob, change: ExportChange): void {
    const finishedAt = Date.now();
    Object.assign(job, change, { finishedAt, expiresAt: finishedAt + this.opts.keepHours * 3_600_000 });
    void this.persist(job.id, { ...change, finishedAt, expiresAt: job.expiresAt });
    this.settles.get(job.id)?.(job);
    this.settles.delete(job.id);
  }

  /**
   * Deletes this node's jobs that expired (file and row), then every file in
   * the folder that belongs to no job (a clip's export moved away mid-way, a
   * row deleted meanwhile) and temporary files no run writes now; never a
   * file of a job that lives.
   */
  async sweep(now = Date.now()): Promise<void> {
    const expired = (j: ExportRecord) => j.expiresAt !== undefined && j.expiresAt <= now;
    const rows = await this.store.ofNode(this.nodeId);
    const gone = rows.filter(expired).map((r) => r.id);
    for (const job of this.jobs.values()) if (!job.persisted && expired(job)) gone.push(job.id);
    for (const id of gone) {
      rmSync(join(this.opts.dir, `${id}.mp4`), { force: true });
      this.jobs.delete(id);
      this.writes.delete(id);
    }
    await this.store.delete(gone);
    const kept = new Set(rows.filter((r) => !expired(r)).map((r) => r.id));
    for (const name of readdirSync(this.opts.dir)) {
      const file = join(this.opts.dir, name);
      const id = name.split('.')[0]!;
      const lives = name.endsWith('.part') ? this.parts.has(file) : kept.has(id) || this.jobs.has(id);
      if (!lives) rmSync(file, { force: true });
    }
  }

  /** Where a job's MP4 is (or will be) on this node. */
  fileOf(id: string): string {
    return join(this.opts.dir, `${id}.mp4`);
  }

  /** Forgets a job whose file the caller took (a clip moved into its incident's folder). */
  forget(id: string): void {
    this.jobs.delete(id);
    this.writes.delete(id);
  }

  /** Stops running exports (they start over at the next start) and waits for them to end and for the store writes. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweepTimer);
    this.queue.length = 0;
    for (const child of this.children) child.kill('SIGKILL');
    // Source runs stop too (a device download ends with a BYE); they start over at the next start.
    for (const abort of this.aborts.values()) abort.abort(new ExportFailure('the gateway stopped'));
    await Promise.all(this.runs);
    await Promise.all(this.writes.values());
  }
}
