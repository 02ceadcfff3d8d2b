// Export jobs: a range of one channel's footage concatenated into one MP4
// without re-encoding (ffmpeg's concat demuxer, -c copy, +faststart), at most
// `concurrent` at once (the rest queue), with progress from ffmpeg's
// -progress output. Finished files are deleted `keepHours` after they are
// done. Jobs live in memory: a restart forgets them and empties the folder.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { concatList, type ExportPlan } from './plan.ts';

export type ExportState = 'queued' | 'running' | 'done' | 'failed';

export interface ExportJob {
  id: string;
  channelId: string;
  channelName: string;
  from: number;
  to: number;
  plan: ExportPlan;
  state: ExportState;
  progress: number;
  bytes: number;
  createdAt: number;
  finishedAt?: number;
  /** Why it failed, for a person (no paths). */
  reason?: string;
  file: string;
  done: Promise<ExportJob>;
}

export interface ExporterOptions {
  dir: string;
  ffmpegPath: string;
  concurrent: number;
  keepHours: number;
  log: Logger;
}

const FFMPEG_TIMEOUT_MS = 10 * 60_000;

export class Exporter {
  private readonly jobs = new Map<string, ExportJob>();
  private readonly queue: Array<() => void> = [];
  private running = 0;
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: ExporterOptions) {
    // What a previous run left is no one's job now.
    rmSync(opts.dir, { recursive: true, force: true });
    mkdirSync(opts.dir, { recursive: true });
    this.sweepTimer = setInterval(() => this.sweep(), Math.min(60_000, opts.keepHours * 3_600_000)).unref();
  }

  get(id: string): ExportJob | undefined {
    return this.jobs.get(id);
  }

  /** Queues an export; `job.done` settles when it is done or failed. */
  submit(input: { channelId: string; channelName: string; from: number; to: number; plan: ExportPlan }): ExportJob {
    const id = randomUUID();
    let settle!: (job: ExportJob) => void;
    const job: ExportJob = {
      ...input, id, state: 'queued', progress: 0, bytes: 0, createdAt: Date.now(), file: join(this.opts.dir, `${id}.mp4`),
      done: new Promise<ExportJob>((r) => (settle = r)),
    };
    this.jobs.set(id, job);
    this.queue.push(() => void this.run(job).then(() => settle(job)));
    this.next();
    return job;
  }

  private next(): void {
    while (this.running < this.opts.concurrent && this.queue.length) {
      this.running++;
      this.queue.shift()!();
    }
  }

  private async run(job: ExportJob): Promise<void> {
    const log = this.opts.log.child({ exportId: job.id, channelId: job.channelId });
    job.state = 'running';
    const list = join(this.opts.dir, `${job.id}.txt`);
    try {
      // Retention may have deleted a segment since the plan (ffmpeg's concat would end early without an error).
      if (!job.plan.entries.every((e) => existsSync(e.file))) throw new Error('a segment of the range was deleted before the export ran');
      writeFileSync(list, concatList(job.plan.entries));
      await this.ffmpeg(job, list);
      job.bytes = statSync(job.file).size;
      job.progress = 1;
      job.state = 'done';
      log.info({ seconds: job.plan.seconds, bytes: job.bytes, ms: Date.now() - job.createdAt }, 'recording export done');
    } catch (err) {
      job.state = 'failed';
      job.reason = 'ffmpeg could not write the export (a segment may have been deleted meanwhile)';
      log.error({ err }, 'recording export failed');
      rmSync(job.file, { force: true });
    } finally {
      rmSync(list, { force: true });
      job.finishedAt = Date.now();
      this.running--;
      this.next();
    }
  }

  private ffmpeg(job: ExportJob, list: string): Promise<void> {
    const args = [
      '-hide_banner', '-nostdin', '-v', 'error', '-nostats', '-progress', 'pipe:1',
      '-f', 'concat', '-safe', '0', '-i', list, '-map', '0', '-c', 'copy', '-bsf:a', 'aac_adtstoasc', '-movflags', '+faststart', '-y', job.file,
    ];
    return new Promise((resolve, reject) => {
      const child = spawn(this.opts.ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      const timer = setTimeout(() => child.kill('SIGKILL'), FFMPEG_TIMEOUT_MS);
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
      child.stdout.on('data', (c: Buffer) => {
        const us = [...c.toString().matchAll(/^out_time_us=(\d+)$/gm)].map((m) => Number(m[1])).at(-1);
        if (us !== undefined && job.plan.seconds > 0) job.progress = Math.min(0.99, us / 1e6 / job.plan.seconds);
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('close', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve();
        else reject(new Error(`ffmpeg exited ${code}: ${stderr.trim()}`));
      });
    });
  }

  /** Deletes exports finished more than keepHours ago, and forgets them. */
  sweep(now = Date.now()): void {
    const keepMs = this.opts.keepHours * 3_600_000;
    for (const job of this.jobs.values()) {
      if (job.finishedAt === undefined || now - job.finishedAt < keepMs) continue;
      rmSync(job.file, { force: true });
      this.jobs.delete(job.id);
    }
    // Files of no job (e.g. a clip's export moved away mid-way) go too.
    for (const name of readdirSync(this.opts.dir)) {
      if (!this.jobs.has(name.replace(/\.(mp4|txt)$/, ''))) rmSync(join(this.opts.dir, name), { force: true });
    }
  }

  /** Forgets a job whose file the caller took (a clip moved into its incident's folder). */
  forget(id: string): void {
    this.jobs.delete(id);
  }

  stop(): void {
    clearInterval(this.sweepTimer);
  }
}
