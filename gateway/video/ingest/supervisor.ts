// One supervisor per channel: run ffmpeg, and when it ends, say why, wait
// (1 s doubling to 30 s, with jitter) and run it again, until stopped. A
// problem only a person can fix (wrong password, a codec the outputs cannot
// carry) waits the longest pause every time and says so; editing the channel
// starts a new supervisor at once. It also decides to transcode when the
// source is not H.264 or cannot be copied as is (transcode=auto), and leaves
// no media behind when it stops.
import { EventEmitter } from 'node:events';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { IngestInput, IngestPlan, TapPlan } from '../ffmpeg/args.ts';
import type { OfflineReason, StreamInfo } from '../ffmpeg/diagnostics.ts';
import type { Frame } from '../frames.ts';
import { FfmpegRun, type RunResult } from './ffmpeg-run.ts';
import { frameFreshness, type FrameFreshness } from './frame-freshness.ts';
import { readHlsStats, type HlsStats } from './hls-stats.ts';

export interface IngestSpec {
  channelId: string;
  input: IngestInput;
  transcode: 'auto' | 'always' | 'never';
  gopSeconds: number;
  tap?: TapPlan;
  /** Recording segments of the same stream (gateway/recording); each run lists its own (run id: its start time). */
  record?: { dir: string; segmentSeconds: number; /** A new value starts the ingest again with its recording output (after a full disk). */ generation?: number };
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

export interface IngestStatus extends FrameFreshness {
  channelId: string;
  state: 'starting' | 'online' | 'offline';
  /** Why the last run ended (kept while starting again, cleared when online). */
  reason?: OfflineReason;
  /** The line that states that cause: ffmpeg's (credentials scrubbed) or the watchdog's. */
  lastError?: string;
  /** Runs started again after one ended on its own or was killed by the watchdog; switching to transcoding is not one. */
  restarts: number;
  /** While offline: when the next run starts (epoch ms). */
  retryAt?: number;
  transcoding: boolean;
  input?: StreamInfo;
  hls?: HlsStats;
  /** Something a person should know, e.g. a long source GOP making long segments. */
  note?: string;
  pid?: number;
  startedAt?: number;
  onlineSince?: number;
}

/** source: the codec as copied; segments: their length; waiting: a problem only a person can fix. */
type NoteTopic = 'source' | 'segments' | 'waiting';

interface SupervisorEvents {
  status: [IngestStatus];
  frame: [Frame];
}

// A run that stayed online this long resets the backoff.
const STABLE_MS = 30_000;
const CODECS_BROWSERS_PLAY = new Set(['h264']);
/** Causes that retrying soon cannot fix: wait the longest pause (and spare a camera that locks accounts after failed logins). */
const NEEDS_A_PERSON = new Set<OfflineReason>(['auth failed', 'codec unsupported', 'no video stream']);

export function backoffDelay(attempt: number, initialMs: number, maxMs: number, random = Math.random): number {
  const base = Math.min(maxMs, initialMs * 2 ** attempt);
  return Math.round(base * (0.8 + 0.4 * random())); // ±20 % so many cameras do not retry in step
}

export class IngestSupervisor extends EventEmitter<SupervisorEvents> {
  private readonly abort = new AbortController();
  private run: FfmpegRun | undefined;
  private loop: Promise<void> | undefined;
  private transcodeDecided: boolean;
  /** What a person should know, by topic; the status's note joins them. */
  private readonly notes: Partial<Record<NoteTopic, string>> = {};
  /** The running ffmpeg is being replaced by a transcoding one: its end is a decision, not a failure. */
  private switching = false;
  private statsTimer: NodeJS.Timeout | undefined;
  private _status: IngestStatus;

  constructor(readonly spec: IngestSpec, private readonly settings: IngestSettings, private readonly log: Logger) {
    super();
    this.transcodeDecided = spec.transcode === 'always';
    this._status = { channelId: spec.channelId, state: 'starting', restarts: 0, transcoding: this.transcodeDecided };
  }

  get status(): IngestStatus {
    const fresh = this._status.state === 'online' ? frameFreshness(this.run?.lastFrameAt) : {};
    return { ...this._status, pid: this.run?.pid, ...fresh };
  }

  start(): void {
    this.loop ??= this.supervise();
  }

  /** Ends the run that is going (its abort listener kills it); one not spawned yet never is (runOnce). */
  async stop(): Promise<void> {
    this.abort.abort();
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
      if (!result || this.abort.signal.aborted) break;
      if (result.onlineForMs > STABLE_MS) attempt = 0;
      if (this.switchToTranscoding(result)) continue;
      const { maxMs, initialMs } = this.settings.backoff;
      const needsAPerson = NEEDS_A_PERSON.has(result.reason);
      const delay = needsAPerson ? maxMs : backoffDelay(attempt++, initialMs, maxMs);
      this.note('waiting', needsAPerson ? this.waitNote(result, delay) : undefined);
      this.setStatus({ state: 'offline', reason: result.reason, lastError: result.lastError, onlineSince: undefined, retryAt: Date.now() + delay });
      this.log.warn({ reason: result.reason, code: result.code, signal: result.signal, lastError: result.lastError, retryInMs: delay }, 'ingest ended');
      await sleep(delay, this.abort.signal);
      if (!this.abort.signal.aborted) this._status.restarts++;
    }
    // Old segments must not be served as live once nothing writes them.
    await clearDir(this.settings.hlsDir).catch((err: unknown) => this.log.warn({ err }, 'could not clear the HLS directory'));
    this.setStatus({ state: 'offline', reason: 'stopped', lastError: undefined, onlineSince: undefined, retryAt: undefined });
  }

  /** A run replaced by a transcoding one (or whose copy failed, transcode=auto) starts again at once, and is no restart. */
  private switchToTranscoding(result: RunResult): boolean {
    if (this.switching) {
      this.switching = false;
      return true;
    }
    if (!result.copyFailed || this.spec.transcode !== 'auto' || this.transcodeDecided) return false;
    this.log.info({ lastError: result.lastError }, 'the source cannot be copied as is: transcoding');
    this.transcodeDecided = true;
    return true;
  }

  private waitNote(result: RunResult, delayMs: number): string {
    const every = `retried every ${Math.round(delayMs / 1000)} s, or at once when the channel is edited`;
    if (result.copyFailed) return `the source cannot be copied as is and video.transcode is never: set it to auto or always (${every})`;
    return `${result.reason} needs a person: check the camera or the channel (${every})`;
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
      record: this.spec.record && { dir: this.spec.record.dir, segmentSeconds: this.spec.record.segmentSeconds, runId: String(Date.now()) },
    };
  }

  /** One run to its end; undefined when stopped before it was spawned. */
  private async runOnce(): Promise<RunResult | undefined> {
    // A directory that cannot be cleared must not end the supervision (its promise would reject unhandled):
    // the run goes on, and an ffmpeg that cannot write there says why in its status.
    await clearDir(this.settings.hlsDir).catch((err: unknown) => this.log.warn({ err }, 'could not clear the HLS directory'));
    // stop() may have come while the directory was cleared: nothing is spawned now (an ffmpeg spawned after
    // the abort would have nobody to kill it, and stop() would wait for its end forever: gw.close() hung so).
    if (this.abort.signal.aborted) return undefined;
    this.note('waiting', undefined);
    this.setStatus({ state: 'starting', startedAt: Date.now(), transcoding: this.transcodeDecided, retryAt: undefined });
    const run = new FfmpegRun(this.settings.ffmpegPath, this.plan(), this.settings.watchdogMs, {
      onInput: (info) => this.onInput(info, run),
      onOnline: () => this.setStatus({ state: 'online', reason: undefined, lastError: undefined, onlineSince: Date.now() }),
      onFrame: (data, width, height, ts) => this.emit('frame', { channelId: this.spec.channelId, ts, width, height, format: 'rgb24', data }),
    }, this.log);
    this.run = run;
    // Tied to the signal, not to whatever stop() finds in this.run: the run started here is the one killed.
    const kill = () => run.kill('stopped', 'stopped');
    this.abort.signal.addEventListener('abort', kill, { once: true });
    this.statsTimer = setInterval(() => void this.refreshHlsStats(), 5000);
    const result = await run.done;
    this.abort.signal.removeEventListener('abort', kill);
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
      this.switching = true;
      run.kill('exited', 'switching to transcoding');
    } else {
      this.note('source', `source codec ${info.codec} is copied as is (transcode=never); browsers may not play it`);
    }
  }

  private async refreshHlsStats(): Promise<void> {
    const hls = await readHlsStats(this.settings.hlsDir);
    if (!hls) return;
    const long = hls.segmentSeconds > this.settings.segmentSeconds * 1.5;
    this._status.hls = hls;
    this.note('segments', long
      ? `segments are ${hls.segmentSeconds.toFixed(1)} s, not ${this.settings.segmentSeconds} s: the source's keyframe interval is longer; set video.transcode=always to force it`
      : undefined);
  }

  private note(topic: NoteTopic, text: string | undefined): void {
    this.notes[topic] = text;
    this._status.note = Object.values(this.notes).filter(Boolean).join('; ') || undefined;
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
