// Keeps one supervised ingest per channel that should run, following the
// registry live: new, changed, disabled and deleted channels take effect at
// once. Always-on and detection channels run all the time; on-demand ones
// while someone watches; RTMP channels while their encoder pushes. What should
// run is decided in channel-decision.ts (with channel-demand.ts), the runs
// are kept in channel-runs.ts and their status in channel-status.ts; this
// class follows the events that call for a new decision and applies it.
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { DeviceChanged, RegistryService, StatusFence, StoredRow } from '../../device-registry/index.ts';
import { safeName } from './channel-spec.ts';
import { ChannelDemand, IDLE } from './channel-demand.ts';
import { decideChannel, isShardedKind, type DecisionInputs } from './channel-decision.ts';
import { ChannelRuns } from './channel-runs.ts';
import { ChannelStatusBook, type ChannelVideoStatus } from './channel-status.ts';
import { GbChannelIndex } from './gb-channels.ts';
import type { Ffmpeg } from './ffmpeg/locate.ts';
import type { FrameHub } from './frames.ts';
import type { IngestSettings } from './ingest/supervisor.ts';
import { streamOfKey, SubStreams } from './sub-streams.ts';
import type { ChannelOwnership, GbSource, LiveOutputs, PushListener, PushPlaces, RecordingHook, VideoSettings } from './video-ports.ts';

export type { ChannelOwnership, GbSource, LiveOutputs, PushPlaces, RecordingHook, VideoSettings } from './video-ports.ts';
export type { ChannelVideoStatus } from './channel-status.ts';

interface ManagerEvents {
  'channel.status': [ChannelVideoStatus];
}

const IDLE_CHECK_MS = 2000;

export class VideoManager extends EventEmitter<ManagerEvents> {
  private readonly book: ChannelStatusBook;
  private readonly runs: ChannelRuns;
  private readonly demand: ChannelDemand;
  private readonly gbChannels = new GbChannelIndex();
  /** The neighbours attached before start() (each optional), read by every decision. */
  private readonly inputs: DecisionInputs;
  private idleTimer: NodeJS.Timeout | undefined;
  private started = false;
  private stopped = false;
  /** Each channel's decision in progress (reconcile). */
  private readonly deciding = new Map<string, Promise<void>>();
  /** Channels' sub-streams (key `<channelId>~sub`), run while a player asks for them. */
  readonly subStreams: SubStreams;
  /** Enabled channels that need an owner somewhere in the cluster. */
  readonly shardable = new Set<string>();

  constructor(
    private readonly registry: RegistryService,
    private readonly frames: FrameHub,
    private readonly ffmpeg: Ffmpeg,
    private readonly settings: VideoSettings,
    private readonly mediaRoot: string,
    private readonly log: Logger,
    private readonly live?: LiveOutputs,
  ) {
    super();
    this.demand = new ChannelDemand(settings.onDemandIdleSeconds * 1000);
    this.inputs = { tap: settings.tap, demand: this.demand, subscribers: (id) => frames.count(id), live };
    this.book = new ChannelStatusBook(registry, (id) => this.fence(id), (s) => this.emit('channel.status', s));
    this.runs = new ChannelRuns({ frames, book: this.book, settings: (id) => this.ingestSettings(id), startStaggerMs: settings.startStaggerMs, log });
    this.subStreams = new SubStreams({
      registry, settings: (key) => this.ingestSettings(key), idleMs: settings.onDemandIdleSeconds * 1000, log,
      notHere: (row) => (this.inputs.ownership && isShardedKind(row.doc.kind) && this.inputs.ownership.owns(row.id) === undefined ? 'runs on another node' : undefined),
      frames, tap: settings.tap,
    });
  }

  /** Where a stream's HLS is written; a sub-stream key (`<channelId>~sub`) has its own directory. */
  hlsDir(channelId: string): string {
    return join(this.mediaRoot, 'hls', safeName(channelId));
  }

  /** Channels that record run all the time and write segments as a third output. Call before start(). */
  attachRecording(hook: RecordingHook): void {
    this.inputs.recording = hook;
  }

  /** Decides the channel again (its recording policy or state changed). */
  reconsider(channelId: string): Promise<void> {
    return this.reconcile(channelId);
  }

  /** The GB28181 room starts before video, so its channels are first judged with it there (before start(), nothing to redo). */
  attachGb(gb: GbSource): void {
    this.inputs.gb = gb;
    gb.on('availability', this.onGbAvailability);
    if (this.started) void this.reconcileGbDevice(undefined);
  }

  /** Cluster mode: run only the channels this node holds a lease on. Call before start(). */
  shard(ownership: ChannelOwnership): void {
    this.inputs.ownership = ownership;
    ownership.on('acquired', this.onOwnershipChange);
    ownership.on('lost', this.onOwnershipChange);
  }

  /** A sharded channel's status is written only while this node's lease on it is current (a node cut off cannot overwrite its successor's). */
  private fence(channelId: string): StatusFence | undefined {
    const ownership = this.inputs.ownership;
    const version = ownership?.owns(channelId);
    return ownership && version !== undefined ? { nodeId: ownership.nodeId, version } : undefined;
  }

  private readonly onOwnershipChange = (lease: { channelId: string }) => {
    void this.reconcile(lease.channelId);
    void this.subStreams.changed(lease.channelId);
  };

  /** Cluster mode: record where pushes arrive, and leave a push another node receives to it (reconcile with release()). */
  placePushes(places: PushPlaces): void {
    this.inputs.pushPlaces = places;
  }

  /** Stops the channel's ingest if this node no longer owns it (the lease loop awaits this before giving a lease back). */
  release(channelId: string): Promise<void> {
    return this.reconcile(channelId);
  }

  async start(): Promise<void> {
    this.registry.events.on('device.changed', this.onRegistryChange);
    this.frames.on('subscribers', this.onSubscribers);
    this.live?.on('publish', this.onPublish);
    this.live?.on('unpublish', this.onUnpublish);
    this.started = true;
    for await (const row of this.registry.all('channels')) await this.reconcile(row.id, row);
    this.idleTimer = setInterval(() => this.stopIdleChannels(), IDLE_CHECK_MS);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.idleTimer);
    this.registry.events.off('device.changed', this.onRegistryChange);
    this.frames.off('subscribers', this.onSubscribers);
    this.live?.off('publish', this.onPublish);
    this.live?.off('unpublish', this.onUnpublish);
    this.inputs.gb?.off('availability', this.onGbAvailability);
    this.inputs.ownership?.off('acquired', this.onOwnershipChange);
    this.inputs.ownership?.off('lost', this.onOwnershipChange);
    await Promise.all([this.runs.stopAll(), this.subStreams.stop()]);
  }

  /** A channel's status; for a sub-stream key, the sub-stream's own. */
  status(channelId: string): (ChannelVideoStatus & { recording?: object }) | undefined {
    const key = streamOfKey(channelId);
    if (key.stream === 'sub') return this.subStreams.status(key.channelId);
    const sup = this.runs.get(channelId);
    const status = sup ? this.book.live(sup.status) : this.book.restingStatus(channelId);
    const recording = status && this.inputs.recording?.status(channelId);
    return recording ? { ...status, recording } : status;
  }

  allStatus(): ChannelVideoStatus[] {
    const ids = new Set([...this.runs.ids(), ...this.book.restingIds()]);
    return [...ids].sort().map((id) => this.status(id)!);
  }

  /** A viewer asked for the channel (or, by its key, its sub-stream): start an on-demand channel, keep it running. */
  async touch(channelId: string): Promise<void> {
    const key = streamOfKey(channelId);
    if (key.stream === 'sub') return this.subStreams.touch(key.channelId);
    this.demand.viewed(channelId);
    if (!this.runs.get(channelId)) await this.reconcile(channelId);
  }

  private readonly onRegistryChange = (e: DeviceChanged) => {
    if (e.entity !== 'channels') return;
    void this.reconcile(e.id);
    void this.subStreams.changed(e.id);
  };

  private readonly onSubscribers = (key: string) => {
    const { channelId, stream } = streamOfKey(key);
    void (stream === 'sub' ? this.subStreams.tapChanged(channelId) : this.reconcile(channelId));
  };

  private readonly onPublish: PushListener = (e) => void this.onPush(e.app, e.name, true);
  private readonly onUnpublish: PushListener = (e) => void this.onPush(e.app, e.name, false);

  private async onPush(app: string, name: string, active: boolean): Promise<void> {
    if (app !== 'live' || this.stopped) return;
    const id = (await this.registry.store.findAltKeys('channels', [`rtmp:${name}`])).get(`rtmp:${name}`);
    if (!id) return;
    this.demand.setPushing(id, active);
    this.inputs.pushPlaces?.pushing(id, active);
    await this.reconcile(id);
  }

  private readonly onGbAvailability = (deviceId: string) => void this.reconcileGbDevice(deviceId);

  /** Re-decides every gb28181 channel of a device (or of all devices). */
  private async reconcileGbDevice(deviceId: string | undefined): Promise<void> {
    // One device: its channels as last seen (every row passes follow()), not a scan of the registry per device.
    if (deviceId !== undefined) {
      for (const id of this.gbChannels.channelsOf(deviceId)) await this.reconcile(id);
      return;
    }
    for await (const row of this.registry.all('channels')) if (row.doc.kind === 'gb28181') await this.reconcile(row.id, row);
  }

  /** Notes what a row says before each decision: its status name, its GB28181 device, whether the cluster must place it. */
  private follow(row: StoredRow): void {
    this.book.follow(row);
    if (row.doc.kind === 'gb28181') this.gbChannels.note(row);
    if (row.doc.enabled && isShardedKind(row.doc.kind)) this.shardable.add(row.id);
    else this.shardable.delete(row.id);
  }

  /**
   * One decision at a time per channel: two that overlap (a registry change and the tap's subscribers changing)
   * would each launch a run while the other stopped the old one, and one run would be left going, unowned.
   */
  private reconcile(channelId: string, known?: StoredRow): Promise<void> {
    const next = (this.deciding.get(channelId) ?? Promise.resolve()).catch(() => undefined).then(() => this.decide(channelId, known));
    this.deciding.set(channelId, next);
    void next.catch(() => undefined).finally(() => this.deciding.get(channelId) === next && this.deciding.delete(channelId));
    return next;
  }

  private async decide(channelId: string, known?: StoredRow): Promise<void> {
    if (this.stopped) return;
    const row = known ?? (await this.registry.getStored('channels', channelId));
    if (row) this.follow(row);
    else this.shardable.delete(channelId);
    const { spec, why, elsewhere, always } = decideChannel(row, this.inputs);
    if (always !== undefined) this.demand.setAlwaysOn(channelId, always);
    if (spec && this.runs.runs(spec)) return;
    await this.runs.stop(channelId);
    if (this.stopped) return; // the gateway shut down while this channel was stopping
    if (!spec) {
      this.runs.cancel(channelId);
      if (!row || elsewhere) {
        this.book.forget(channelId);
        if (!row) this.frames.forget(channelId); // a moved channel keeps its subscribers for when it comes back
        return;
      }
      this.book.publishResting(channelId, why ?? 'stopped', why === IDLE ? 'idle' : 'offline');
      return;
    }
    this.book.running(channelId);
    this.runs.launch(spec);
  }

  private ingestSettings(channelId: string): IngestSettings {
    const s = this.settings;
    return {
      ffmpegPath: this.ffmpeg.path,
      ffmpegMajor: this.ffmpeg.major,
      hlsDir: this.hlsDir(channelId),
      segmentSeconds: s.hls.segmentSeconds,
      listSize: s.hls.listSize,
      rtmpOut: this.live?.rtmpUrl('internal', safeName(channelId)),
      watchdogMs: s.watchdogSeconds * 1000,
      ioTimeoutSeconds: s.ioTimeoutSeconds,
      backoff: s.backoff,
    };
  }

  private stopIdleChannels(): void {
    this.subStreams.stopIdle();
    for (const id of this.demand.idle(this.runs.specs())) void this.reconcile(id);
  }
}
