// One channel's recorder: follows the segment lists ffmpeg writes into the
// channel's .incoming directory (one `<runId>.csv` per ffmpeg run, a line per
// closed segment), moves each closed segment to `<day>/<startMs>.ts` and
// indexes it. Only closed segments are indexed; what a run left open (kill -9,
// a watchdog kill) is adopted up to its last whole packet once a newer run
// exists, or at start-up. Times come from when the list was written (as its
// newest segment closed) less the media time, never before the previous
// segment's end (a clock stepping back is clamped and logged).
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { mediaSeconds } from './probe.ts';
import type { RecordingPaths } from './paths.ts';
import type { RecordingIndex, Segment, SegmentClass } from './store/recording-index.ts';

export interface RecorderDeps {
  paths: RecordingPaths;
  index: RecordingIndex;
  nodeId: string;
  ffmpegPath: string;
  /** The class a segment closed now gets (events when the policy says so, or continuous recording is paused). */
  classOf(channelId: string): SegmentClass;
  /** After a segment is indexed (the events ring is applied there). */
  onSegment(segment: Segment): void;
  log: Logger;
}

const RUN_CSV = /^(\d{1,20})\.csv$/;
const RUN_SEGMENT = /^(\d{1,20})-(\d{1,9})\.ts$/;
/** Starts this close to the previous end are the same stream continuing: no gap. */
const CONTIGUOUS_MS = 1000;
/**
 * A start this far before the previous end is the wall clock stepping back. Less is the estimate tightening: a
 * busy ffmpeg appends to its list late, so a run's first segments are placed up to a few seconds too late.
 */
const CLOCK_STEP_MS = 5000;
/** How often the lists are read: a segment's start is known to about this much (later lines narrow it). */
const POLL_MS = 1000;

interface RunState {
  offset: number;
  /** Wall-clock time of the run's media time 0 (the earliest estimate so far). */
  anchor?: number;
  partial: string;
  listed: Set<string>;
}

export class ChannelRecorder {
  private readonly runs = new Map<string, RunState>();
  private lastEnd: number | undefined;
  /** When the last segment was indexed (epoch ms). */
  lastSegmentAt: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private readonly incoming: string;
  private readonly log: Logger;

  constructor(readonly channelId: string, private readonly deps: RecorderDeps) {
    this.incoming = deps.paths.prepare(channelId);
    this.log = deps.log.child({ channelId });
  }

  async start(): Promise<void> {
    this.lastEnd = await this.deps.index.lastEnd(this.channelId);
    // Polled, not watched: a directory watch fires on every write ffmpeg makes to the open segment (bench/recording.ts measured it).
    this.timer = setInterval(() => this.drainSoon(), POLL_MS);
  }

  stop(): Promise<void> {
    clearInterval(this.timer);
    return this.chain;
  }

  /** Indexes what closed; with `all`, also adopts every run's open segment (start-up: no ffmpeg runs yet). */
  drain(all = false): Promise<void> {
    this.chain = this.chain.then(() => this.drainNow(all)).catch((err: unknown) => this.log.error({ err }, 'recording: indexing segments failed'));
    return this.chain;
  }

  private drainQueued = false;

  /** One drain at a time, and at most one waiting: a burst of notifications is one read. */
  private drainSoon(): void {
    if (this.drainQueued) return;
    this.drainQueued = true;
    void this.chain.then(() => {
      this.drainQueued = false;
      return this.drain(false);
    });
  }

  private async drainNow(all: boolean): Promise<void> {
    const names = await readdir(this.incoming).catch(() => [] as string[]);
    const runIds = [...new Set(names.flatMap((n) => RUN_CSV.exec(n)?.[1] ?? RUN_SEGMENT.exec(n)?.[1] ?? []))].sort((a, b) => Number(a) - Number(b));
    const newest = runIds.at(-1);
    for (const runId of runIds) {
      if (names.includes(`${runId}.csv`)) await this.readList(runId);
      if (all || runId !== newest) await this.finishRun(runId, names);
    }
  }

  /** Reads the run's new list lines and indexes each closed segment. */
  private async readList(runId: string): Promise<void> {
    const run = this.runs.get(runId) ?? { offset: 0, partial: '', listed: new Set<string>() };
    this.runs.set(runId, run);
    const handle = await open(join(this.incoming, `${runId}.csv`), 'r');
    let text: string;
    let writtenAt: number;
    try {
      const { size, mtimeMs } = await handle.stat();
      if (size <= run.offset) return;
      writtenAt = mtimeMs;
      const buf = Buffer.alloc(size - run.offset);
      await handle.read(buf, 0, buf.length, run.offset);
      run.offset = size;
      text = run.partial + buf.toString('utf8');
    } finally {
      await handle.close();
    }
    const lines = text.split('\n');
    run.partial = lines.pop() ?? '';
    const closed = lines.flatMap((line) => {
      const [name, start, end] = line.trim().split(',');
      const startS = Number(start);
      const endS = Number(end);
      return name && RUN_SEGMENT.test(name) && Number.isFinite(startS) && endS > startS ? [{ name, startS, endS }] : [];
    });
    const newest = closed.at(-1);
    if (!newest) return;
    // The list's last write is when its newest line was appended, as its segment closed: the run's media time 0
    // is then `writtenAt - end`. (Not the time of reading: a list read at start-up was written before the restart.)
    run.anchor = Math.min(run.anchor ?? Infinity, writtenAt - newest.endS * 1000);
    for (const { name, startS, endS } of closed) {
      run.listed.add(name);
      await this.index(join(this.incoming, name), run.anchor + startS * 1000, run.anchor + endS * 1000);
    }
  }

  /** A run that ended: adopt what it left unlisted (its open segment), then forget it. */
  private async finishRun(runId: string, names: string[]): Promise<void> {
    const listed = this.runs.get(runId)?.listed ?? new Set<string>();
    const left = names.filter((n) => RUN_SEGMENT.exec(n)?.[1] === runId && !listed.has(n))
      .sort((a, b) => Number(RUN_SEGMENT.exec(a)![2]) - Number(RUN_SEGMENT.exec(b)![2]));
    for (const name of left) await this.adopt(join(this.incoming, name));
    await rm(join(this.incoming, `${runId}.csv`), { force: true });
    this.runs.delete(runId);
  }

  /** A segment nobody listed: its media length from the file, its end at its last write; nothing readable is removed. */
  private async adopt(file: string): Promise<void> {
    const seconds = await mediaSeconds(this.deps.ffmpegPath, file);
    if (seconds === undefined) {
      this.log.info({ file }, 'recording: removing an unreadable segment');
      await rm(file, { force: true });
      return;
    }
    const { mtimeMs } = await stat(file);
    this.log.info({ file, seconds }, 'recording: adopting a segment left open');
    await this.index(file, mtimeMs - seconds * 1000, mtimeMs);
  }

  private async index(file: string, startMs: number, endMs: number): Promise<void> {
    let bytes: number;
    try {
      bytes = (await stat(file)).size;
    } catch {
      return; // indexed before a restart: a run's list is read again from its start after one
    }
    let start = Math.round(startMs);
    let end = Math.round(endMs);
    const prev = this.lastEnd;
    if (prev !== undefined && start < prev + CONTIGUOUS_MS) {
      if (start < prev - CLOCK_STEP_MS) this.log.warn({ startMs: start, previousEndMs: prev }, 'recording: the clock stepped back; segment start clamped to the previous end');
      end = Math.max(end + (prev - start), prev + 1);
      start = prev;
    }
    const rel = this.deps.paths.segmentRel(this.channelId, start);
    const target = this.deps.paths.absolute(rel);
    try {
      await mkdir(dirname(target), { recursive: true });
      await rename(file, target);
    } catch (err) {
      this.log.error({ err, file }, 'recording: could not move a closed segment; left in .incoming for the next start');
      return;
    }
    const segment: Segment = {
      channelId: this.channelId, startMs: start, endMs: end, bytes, path: rel, nodeId: this.deps.nodeId,
      keyframeFirst: true, class: this.deps.classOf(this.channelId), source: 'gateway',
    };
    await this.deps.index.addSegment(segment);
    this.lastEnd = end;
    this.lastSegmentAt = Date.now();
    this.deps.onSegment(segment);
  }
}
