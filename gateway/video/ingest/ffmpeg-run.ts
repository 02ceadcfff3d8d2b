// One run of a channel's ffmpeg: spawn it, read its progress, stream info and
// tap frames, kill it when it stops producing frames (a hung or SIGSTOPped
// process), and report how it ended.
import type { ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';
import { buildIngestArgs, type IngestPlan } from '../ffmpeg/args.ts';
import { diagnose, isNoise, LineTail, parseVideoStream, ProgressParser, type OfflineReason, type StreamInfo } from '../ffmpeg/diagnostics.ts';
import { scrubberFor } from '../ffmpeg/scrub.ts';
import { RawFrameReader } from '../frames.ts';
import { parseInputStart, parseShowinfoPts, TapClock } from './tap-clock.ts';
import { spawnTied } from '../ffmpeg/tied-spawn.ts';

export interface RunCallbacks {
  onInput(info: StreamInfo): void;
  /** First frames flowed: the channel is online. */
  onOnline(): void;
  /** A tap frame and its capture time (epoch ms). */
  onFrame(data: Buffer, width: number, height: number, ts: number): void;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when we ended the run ourselves. */
  killedFor?: { reason: OfflineReason; detail: string };
  reason: OfflineReason;
  /** The line that states the cause (credentials scrubbed). */
  lastError: string;
  /** Copying the source failed where transcoding would work. */
  copyFailed: boolean;
  onlineForMs: number;
}

const STOP_GRACE_MS = 3000;

export class FfmpegRun {
  private proc: ChildProcess | undefined;
  private killedFor: RunResult['killedFor'];
  private frameAt = Date.now();
  private frames = 0;
  private onlineAt: number | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  readonly done: Promise<RunResult>;

  constructor(ffmpegPath: string, readonly plan: IngestPlan, private readonly watchdogMs: number, private readonly cb: RunCallbacks, private readonly log: Logger) {
    const args = buildIngestArgs(plan);
    // The one door for ffmpeg's text: every stderr line, and the logged command line, without credentials.
    const scrub = scrubberFor(plan.input);
    this.log.debug({ args: args.map(scrub) }, 'starting ffmpeg');
    const startedAt = Date.now();
    const proc = spawnTied(ffmpegPath, args, { stdio: ['ignore', plan.tap ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    // showinfo prints a line per tap frame: those feed the tap clock; it and the other per-frame noise stay out of the error tail.
    const tail = new LineTail(40, (line) => this.onStderr(line), (line) => !isNoise(line), scrub);
    proc.stderr!.on('data', (c: Buffer) => tail.push(c));
    const progress = new ProgressParser((block) => this.onProgress(block));
    (proc.stdio[3] as NodeJS.ReadableStream).on('data', (c: Buffer) => progress.push(c));
    if (plan.tap) proc.stdout!.on('data', (c: Buffer) => this.onTapData(c));
    this.watchdog = setInterval(() => this.checkWatchdog(), Math.min(1000, this.watchdogMs / 2));
    this.done = new Promise((resolve) => {
      // Not the error object: Node puts the whole command line (the camera URL with its credentials) in its spawnargs.
      proc.once('error', (err: NodeJS.ErrnoException) => this.log.error({ code: err.code, error: scrub(err.message) }, 'ffmpeg could not be spawned'));
      proc.once('close', (code, signal) => {
        clearInterval(this.watchdog);
        this.tapClock?.stop();
        const found = diagnose(tail.lines, {
          exitCode: code, ranMs: Date.now() - startedAt, ioTimeoutMs: plan.ioTimeoutSeconds * 1000,
          producedFrames: this.onlineAt !== undefined, rtmpInput: plan.input.kind === 'rtmp', rtspInput: plan.input.kind === 'rtsp',
        });
        resolve({
          code, signal, killedFor: this.killedFor,
          reason: this.killedFor?.reason ?? found.reason,
          lastError: this.killedFor?.detail ?? found.line,
          copyFailed: !this.killedFor && found.copyFailed,
          onlineForMs: this.onlineAt ? Date.now() - this.onlineAt : 0,
        });
      });
    });
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** When ffmpeg last reported a new frame (epoch ms); undefined before the first. */
  get lastFrameAt(): number | undefined {
    return this.onlineAt === undefined ? undefined : this.frameAt;
  }

  /** Ends the run; `reason` is what the status will say. */
  kill(reason: OfflineReason, detail: string): void {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.killedFor ??= { reason, detail };
    const proc = this.proc;
    proc.kill('SIGTERM');
    setTimeout(() => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    }, STOP_GRACE_MS).unref();
  }

  private section: 'input' | 'output' = 'input';
  private outputIndex = -1;
  private tapReader: RawFrameReader | undefined;
  private tapClock: TapClock | undefined;
  private inputStart: number | undefined;
  private early: Buffer[] = [];

  private onStderr(line: string): void {
    const pts = parseShowinfoPts(line);
    if (pts !== undefined) return void this.tapClock?.pushPts(pts);
    if (this.section === 'input') this.inputStart ??= parseInputStart(line);
    const out = /^Output #(\d+)/.exec(line);
    if (out) {
      this.section = 'output';
      this.outputIndex = Number(out[1]);
      return;
    }
    const info = parseVideoStream(line);
    if (!info) return;
    if (this.section === 'input') this.cb.onInput(info);
    else if (this.plan.tap && info.codec === 'rawvideo' && this.outputIndex === 1 && !this.tapReader) {
      const clock = new TapClock((data, ts) => this.cb.onFrame(data, info.width, info.height, ts));
      if (this.inputStart !== undefined) clock.setStart(this.inputStart);
      this.tapClock = clock;
      this.tapReader = new RawFrameReader(info.width, info.height, (data) => clock.pushFrame(data));
      for (const chunk of this.early.splice(0)) this.tapReader.push(chunk);
    }
  }

  private onTapData(chunk: Buffer): void {
    if (this.tapReader) this.tapReader.push(chunk);
    else this.early.push(chunk);
  }

  private onProgress(block: Record<string, string>): void {
    const frames = Number(block.frame ?? 0);
    if (frames > this.frames) {
      this.frames = frames;
      this.frameAt = Date.now();
      if (this.onlineAt === undefined) {
        this.onlineAt = Date.now();
        this.cb.onOnline();
      }
    }
  }

  private checkWatchdog(): void {
    const quiet = Date.now() - this.frameAt;
    if (quiet > this.watchdogMs) {
      this.log.warn({ quietMs: quiet }, 'no frames: restarting ffmpeg');
      // SIGKILL at once: a stopped or hung process does not answer SIGTERM.
      this.killedFor ??= { reason: 'timeout', detail: `no frames for ${Math.round(quiet / 1000)} s` };
      this.proc?.kill('SIGKILL');
    }
  }
}
