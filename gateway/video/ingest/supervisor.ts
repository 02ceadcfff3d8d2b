// One supervisor per channel: run ffmpeg, and when it ends, say why, wait
// (1 s doubling to 30 s, with jitter) and run it again, until stopped.
// It also decides to transcode when the source is not H.264 (transcode=auto).
import { EventEmitter } from 'node:events';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { IngestInput, IngestPlan } from '../ffmpeg/args.ts';
import type { OfflineReason, StreamInfo } from '../ffmpeg/diagnostics.ts';
import type { Frame } from '../frames.ts';
import { FfmpegRun } from './ffmpeg-run.ts';
import { readHlsStats, type HlsStats } from './hls-stats.ts';

export interface IngestSpec {
  channelId: string;
  input: IngestInput;
  transcode: 'auto' | 'always' | 'never';
  gopSeconds: number;
  tap?: { fps: number; width: number };
}

export interface IngestSettings {
  ffmpegPath: string;
  ffmpegMajor: number;
  hlsDir: string;
  segmentSeconds: number;
  listSize: number;
  rtmpOut?: string;
  watchdogMs: number;
  ioTimeoutSeconds: number;
  backoff: { initialMs: number; maxMs: number };
}

export interface IngestStatus {
  channelId: string;
  state: 'starting' | 'online' | 'offline';
  reason?: OfflineReason;
  lastError?: string;
  restarts: number;
  transcoding: boolean;
  input?: StreamInfo;
  hls?: HlsStats;
  /** Something a person should know, e.g. a long source GOP making long segments. */
  note?: string;
  pid?: number;
  startedAt?: number;
  onlineSince?: number;
}

interface SupervisorEvents {
  status: [IngestStatus];
  frame: [Frame];
}

// A run that stayed online this long resets the backoff.
const STABLE_MS = 30_000;
const CODECS_BROWSERS_PLAY = new Set(['h264']);

export function backoffDelay(attempt: number, initialMs: number, maxMs: number, random = Math.random): number {
  const base = Math.min(maxMs, initialMs * 2 ** attempt);
  return Math.round(base * (0.8 + 0.4 * random())); // ±20 % so many cameras do not retry in step
}

export class IngestSupervisor extends EventEmitter<SupervisorEvents> {
  private readonly abort = new AbortController();
  private run: FfmpegRun | undefined;
  private loop: Promise<void> | undefined;
  private transcodeDecided: boolean;
  private statsTimer: NodeJS.Timeout | undefined;
  private _status: IngestStatus;

  constructor(readonly spec: IngestSpec, private readonly settings: IngestSettings, private readonly log: Logger) {
    super();
    this.transcodeDecided = spec.transcode === 'always';
    this._status = { channelId: spec.channelId, state: 'starting', restarts: 0, transcoding: this.transcodeDecided };
  }

  get status(): IngestStatus {
    return { ...this._status, pid: this.run?.pid };
  }

  start(): void {
    this.loop ??= this.supervise();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.run?.kill('stopped', 'stopped');
    await this.loop;
    clearInterval(this.statsTimer);
  }

  private setStatus(patch: Partial<IngestStatus>): void {
    const before = this._status;
    this._status = { ...before, ...patch };
    if (before.state !== this._status.state || before.reason !== this._status.reason || patch.input) this.emit('status', this.status);
  }

  private async supervise(): Promise<void> {
    let attempt = 0;
    while (!this.abort.signal.aborted) {
      const result = await this.runOnce();
      if (this.abort.signal.aborted) break;
      if (result.onlineForMs > STABLE_MS) attempt = 0;
      const switched = result.killedFor?.detail === 'transcode';
      if (!switched) {
        this.setStatus({ state: 'offline', reason: result.reason ?? 'exited', lastError: result.lastError, onlineSince: undefined });
        this.log.warn({ reason: result.reason, code: result.code, signal: result.signal, lastError: result.lastError }, 'ingest ended');
      }
      this._status.restarts++;
      const delay = switched ? 0 : backoffDelay(attempt++, this.settings.backoff.initialMs, this.settings.backoff.maxMs);
      await sleep(delay, this.abort.signal);
    }
    this.setStatus({ state: 'offline', reason: 'stopped', lastError: undefined, onlineSince: undefined });
  }

  private plan(): IngestPlan {
    const s = this.settings;
    return {
      input: this.spec.input,
      ffmpegMajor: s.ffmpegMajor,
      hls: { dir: s.hlsDir, segmentSeconds: s.segmentSeconds, listSize: s.listSize },
      rtmpOut: s.rtmpOut,
      transcode: this.transcodeDecided ? { gopSeconds: this.spec.gopSeconds } : undefined,
      tap: this.spec.tap,
      ioTimeoutSeconds: s.ioTimeoutSeconds,
    };
  }

  private async runOnce() {
    await clearDir(this.settings.hlsDir);
    this.setStatus({ state: 'starting', startedAt: Date.now(), transcoding: this.transcodeDecided });
    const run = new FfmpegRun(this.settings.ffmpegPath, this.plan(), this.settings.watchdogMs, {
      onInput: (info) => this.onInput(info, run),
      onOnline: () => this.setStatus({ state: 'online', reason: undefined, lastError: undefined, onlineSince: Date.now() }),
      onFrame: (data, width, height, ts) => this.emit('frame', { channelId: this.spec.channelId, ts, width, height, format: 'rgb24', data }),
    }, this.log);
    this.run = run;
    this.statsTimer = setInterval(() => void this.refreshHlsStats(), 5000);
    const result = await run.done;
    clearInterval(this.statsTimer);
    this.run = undefined;
    return result;
  }

  private onInput(info: StreamInfo, run: FfmpegRun): void {
    this.setStatus({ input: info });
    if (CODECS_BROWSERS_PLAY.has(info.codec) || this.transcodeDecided) return;
    if (this.spec.transcode === 'auto') {
      this.log.info({ codec: info.codec }, 'source is not H.264: transcoding for browsers');
      this.transcodeDecided = true;
      run.kill('exited', 'transcode');
    } else {
      this.setStatus({ note: `source codec ${info.codec} is copied as is (transcode=never); browsers may not play it` });
    }
  }

  private async refreshHlsStats(): Promise<void> {
    const hls = await readHlsStats(this.settings.hlsDir);
    if (!hls) return;
    const long = hls.segmentSeconds > this.settings.segmentSeconds * 1.5;
    this._status.hls = hls;
    this._status.note = long
      ? `segments are ${hls.segmentSeconds.toFixed(1)} s, not ${this.settings.segmentSeconds} s: the source's keyframe interval is longer; set video.transcode=always to force it`
      : this._status.note?.startsWith('segments are') ? undefined : this._status.note;
  }
}

async function clearDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const name of await readdir(dir)) await rm(join(dir, name), { force: true });
}

/** Waits, or less if stopped; leaves no listener behind on the signal (one per restart would pile up). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
