// The recording room's running part: a recorder per recording channel, what
// the video manager asks (wants / status), the retention loop with the disk
// budget, the recording watchdog (a full disk stops recording, never live)
// and the holds incidents put on footage.
import type { Logger } from 'pino';
import type { DeviceChanged, RegistryService, StoredRow } from '../../device-registry/index.ts';
import type { RaiseIncident } from '../incidents/index.ts';
import type { RecordingHook } from '../video/index.ts';
import { ChannelRecorder } from './channel-recorder.ts';
import type { RecordingConfig } from './config.ts';
import type { RecordingPaths } from './paths.ts';
import { policyOf, type EffectivePolicy } from './policy.ts';
import { Retention, realDisk, type BudgetReport, type DiskFigures } from './retention.ts';
import { StorageAlarm } from './storage-alarm.ts';
import type { RecordingIndex, Segment, SegmentClass } from './store/recording-index.ts';

export type RecordingStateName = 'recording' | 'paused' | 'stopped';

/** The `recording` part of a channel's status. */
export interface RecordingState {
  state: RecordingStateName;
  mode: 'events' | 'continuous';
  /** Why it is paused or stopped (paused: only events footage is kept). */
  reason?: string;
  reasonCode?: 'storage_budget' | 'disk_full';
  since: string;
  lastSegmentAt?: string;
}

interface Channel {
  recorder: ChannelRecorder;
  policy: EffectivePolicy;
  state: RecordingStateName;
  reason?: RecordingState['reasonCode'];
  since: number;
  /** Bumped to make the ingest start again with its recording output (after a full disk). */
  generation: number;
  startedAt: number;
}

/** What the room needs from the video manager once video runs. */
export interface VideoView {
  status(channelId: string): { state: string; onlineSince?: number } | undefined;
  reconsider(channelId: string): Promise<void>;
}

export interface RoomDeps {
  config: RecordingConfig;
  registry: RegistryService;
  index: RecordingIndex;
  paths: RecordingPaths;
  nodeId: string;
  ffmpegPath: string;
  raise: RaiseIncident;
  disk?: (path: string) => Promise<DiskFigures>;
  log: Logger;
}

const WATCH_MS = 5000;
/** After a channel stops recording: its ffmpeg has ended by then. */
const FINAL_DRAIN_MS = 5000;
/** Free space under which a recording that stopped writing is said to have a full disk; recording starts again above twice this. */
const DISK_FULL_BYTES = 8 * 1024 * 1024;

export class RecordingChannels implements RecordingHook {
  private readonly channels = new Map<string, Channel>();
  readonly retention: Retention;
  private readonly alarm: StorageAlarm;
  private readonly disk: (path: string) => Promise<DiskFigures>;
  private video: VideoView | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private watchTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<unknown> = Promise.resolve();
  /** Channels whose continuous recording the budget paused, largest first. */
  private readonly budgetPaused = new Set<string>();

  constructor(private readonly deps: RoomDeps) {
    this.disk = deps.disk ?? realDisk;
    this.retention = new Retention({
      index: deps.index, paths: deps.paths, nodeId: deps.nodeId, config: deps.config, disk: this.disk, log: deps.log,
      policy: async (id) => {
        const row = await deps.registry.getStored('channels', id);
        return row ? policyOf(row, deps.config) : undefined;
      },
    });
    this.alarm = new StorageAlarm(deps.nodeId, deps.raise, deps.log);
  }

  /** The class a segment closed now gets. */
  classOf = (channelId: string): SegmentClass => {
    const ch = this.channels.get(channelId);
    return ch?.policy.mode === 'continuous' && ch.state === 'recording' ? 'continuous' : 'events';
  };

  /** Video manager: does this channel record, and where. */
  wants(row: StoredRow): { dir: string; segmentSeconds: number; generation?: number } | undefined {
    const policy = policyOf(row, this.deps.config);
    let ch = this.channels.get(row.id);
    if (policy.mode === 'off') {
      this.forget(row.id);
      return undefined;
    }
    if (!ch) {
      const recorder = new ChannelRecorder(row.id, {
        paths: this.deps.paths, index: this.deps.index, nodeId: this.deps.nodeId, ffmpegPath: this.deps.ffmpegPath,
        classOf: this.classOf, onSegment: (s) => this.onSegment(s), log: this.deps.log,
      });
      ch = { recorder, policy, state: 'recording', since: Date.now(), generation: 0, startedAt: Date.now() };
      this.channels.set(row.id, ch);
      void recorder.start();
    }
    ch.policy = policy;
    const spec = { dir: this.deps.paths.incomingDir(row.id), segmentSeconds: this.deps.config.segmentSeconds };
    return ch.generation ? { ...spec, generation: ch.generation } : spec;
  }

  /** The channel records no more here (off, deleted): index what its last run left, then stop following it. */
  private forget(channelId: string): void {
    const ch = this.channels.get(channelId);
    if (!ch) return;
    this.channels.delete(channelId);
    // Its ffmpeg is being stopped now (up to 3 s for SIGTERM): adopt its open segment only after that; a restart in between adopts it at start-up.
    void ch.recorder.stop().then(() => setTimeout(() => void ch.recorder.drain(true), FINAL_DRAIN_MS).unref());
  }

  private readonly onRegistryChange = (e: DeviceChanged) => {
    if (e.entity === 'channels' && e.action === 'delete') this.forget(e.id);
  };

  status(channelId: string): RecordingState | undefined {
    const ch = this.channels.get(channelId);
    if (!ch) return undefined;
    const reasons = { storage_budget: 'held footage fills the recording budget: continuous recording paused, events kept', disk_full: 'disk full: recording stopped, live continues' };
    return {
      state: ch.state, mode: ch.policy.mode === 'events' ? 'events' : 'continuous',
      ...(ch.reason ? { reason: reasons[ch.reason], reasonCode: ch.reason } : {}),
      since: new Date(ch.since).toISOString(),
      ...(ch.recorder.lastSegmentAt ? { lastSegmentAt: new Date(ch.recorder.lastSegmentAt).toISOString() } : {}),
    };
  }

  /** Video runs: watch that recording channels write, and apply retention. */
  attach(video: VideoView): void {
    this.video = video;
    this.deps.registry.events.on('device.changed', this.onRegistryChange);
    this.sweepTimer = setInterval(() => void this.sweep(), this.deps.config.retentionIntervalSeconds * 1000);
    this.watchTimer = setInterval(() => void this.watch(), WATCH_MS);
  }

  async stop(): Promise<void> {
    clearInterval(this.sweepTimer);
    clearInterval(this.watchTimer);
    this.deps.registry.events.off('device.changed', this.onRegistryChange);
    await this.sweeping;
    // The ingests have stopped: whatever they closed or left open is indexed now.
    await Promise.all([...this.channels.values()].map(async (c) => {
      await c.recorder.stop();
      await c.recorder.drain(true);
    }));
  }

  private onSegment(segment: Segment): void {
    if (segment.class !== 'events') return;
    const policy = this.channels.get(segment.channelId)?.policy;
    void this.retention.sweepEvents(segment.channelId, policy).catch((err: unknown) => this.deps.log.error({ err }, 'recording: events ring failed'));
  }

  /** One retention pass (also what the tests call). */
  sweep(): Promise<BudgetReport | undefined> {
    const run = this.sweeping.then(() => this.retention.sweep()).then(async (report) => {
      await this.afterBudget(report);
      return report;
    }).catch((err: unknown) => {
      this.deps.log.error({ err }, 'recording: retention failed');
      return undefined;
    });
    this.sweeping = run;
    return run;
  }

  /** Held footage alone over the budget: pause continuous recording on the largest channel (one more per pass); within it again: resume. */
  private async afterBudget(report: BudgetReport): Promise<void> {
    if (report.overBytes > 0) {
      const next = await this.largestRecording();
      if (next) {
        this.budgetPaused.add(next);
        this.setState(next, 'paused', 'storage_budget');
        this.deps.log.warn({ channelId: next, overBytes: report.overBytes }, 'recording: held footage fills the budget; continuous recording paused');
      }
      await this.alarm.low({ ...report, channels: [...this.budgetPaused], why: 'held footage fills the budget' });
      return;
    }
    if (this.budgetPaused.size && report.budgetBytes !== null && report.usedBytes < report.budgetBytes * 0.9) {
      for (const id of this.budgetPaused) this.setState(id, 'recording');
      this.budgetPaused.clear();
    }
    if (!this.budgetPaused.size && ![...this.channels.values()].some((c) => c.reason === 'disk_full')) await this.alarm.ok();
  }

  private async largestRecording(): Promise<string | undefined> {
    let best: { id: string; bytes: number } | undefined;
    for (const [id, ch] of this.channels) {
      if (ch.policy.mode !== 'continuous' || ch.state !== 'recording') continue;
      const { segments } = await this.deps.index.segments(id, 0, Date.now() + 1);
      const bytes = segments.reduce((n, s) => n + s.bytes, 0);
      if (!best || bytes > best.bytes) best = { id, bytes };
    }
    return best?.id;
  }

  private setState(id: string, state: RecordingStateName, reason?: RecordingState['reasonCode']): void {
    const ch = this.channels.get(id);
    if (!ch || (ch.state === state && ch.reason === reason)) return;
    Object.assign(ch, { state, reason, since: Date.now() });
  }

  /**
   * A recording channel online for a while that closed no segment: its
   * recording output failed (ffmpeg drops a failed tee output and keeps live).
   * With the disk full that is a stop with its reason; with space again the
   * ingest starts over with its recording output.
   */
  private async watch(): Promise<void> {
    const stallMs = Math.max(3 * this.deps.config.segmentSeconds, 10) * 1000;
    const now = Date.now();
    for (const [id, ch] of this.channels) {
      if (ch.state === 'stopped' && ch.reason === 'disk_full') {
        const free = await this.freeBytes();
        if (free > 2 * DISK_FULL_BYTES) {
          this.deps.log.info({ channelId: id, freeBytes: free }, 'recording: space again; recording restarts');
          ch.generation++;
          ch.startedAt = now;
          this.setState(id, 'recording');
          await this.video?.reconsider(id);
        }
        continue;
      }
      const video = this.video?.status(id);
      if (video?.state !== 'online' || !video.onlineSince) continue;
      const since = Math.max(video.onlineSince, ch.startedAt, ch.recorder.lastSegmentAt ?? 0);
      if (now - since < stallMs) continue;
      const free = await this.freeBytes();
      if (free >= DISK_FULL_BYTES) continue;
      this.deps.log.error({ channelId: id, freeBytes: free }, 'recording: disk full; recording stopped, live continues');
      this.setState(id, 'stopped', 'disk_full');
      const report = await this.sweep();
      await this.alarm.low({
        usedBytes: report?.usedBytes ?? 0, heldBytes: report?.heldBytes ?? 0, budgetBytes: report?.budgetBytes ?? null, freeBytes: free,
        channels: [...this.channels].filter(([, c]) => c.reason === 'disk_full').map(([cid]) => cid), why: 'disk full',
      });
    }
  }

  private async freeBytes(): Promise<number> {
    try {
      return (await this.disk(this.deps.paths.root)).freeBytes;
    } catch (err) {
      this.deps.log.warn({ err }, 'recording: cannot read free space');
      return Number.POSITIVE_INFINITY;
    }
  }

  /** Start-up reconciliation needs every known recorder to adopt what ffmpeg left. */
  recorders(): ChannelRecorder[] {
    return [...this.channels.values()].map((c) => c.recorder);
  }
}
