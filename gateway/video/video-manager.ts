// Keeps one supervised ingest per channel that should run, following the
// registry live: new, changed, disabled and deleted channels take effect at
// once. Always-on and detection channels run all the time; on-demand ones
// while someone watches; RTMP channels while their encoder pushes.
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { DeviceChanged, RegistryService, StatusFence, StoredRow } from '../../device-registry/index.ts';
import { ingestSpec, rtspUrlWithCredentials, safeName, type TapDefaults } from './channel-spec.ts';
import { ChannelStatusBook, type ChannelVideoStatus } from './channel-status.ts';
import { GbChannelIndex } from './gb-channels.ts';
import type { Ffmpeg } from './ffmpeg/locate.ts';
import type { FrameHub } from './frames.ts';
import { IngestSupervisor, type IngestSettings, type IngestSpec } from './ingest/supervisor.ts';
import { StartQueue } from './start-queue.ts';
import { streamOfKey, SubStreams } from './sub-streams.ts';

/** What the manager needs from the low-latency RTMP/FLV server. */
type PushListener = (e: { app: string; name: string }) => void;

export interface LiveOutputs {
  rtmpUrl(app: string, name: string): string;
  on(event: 'publish' | 'unpublish', listener: PushListener): unknown;
  off(event: 'publish' | 'unpublish', listener: PushListener): unknown;
}

/** What the manager needs from the GB28181 room for channels of kind gb28181. */
export interface GbSource {
  /** Loopback URL that ffmpeg reads the channel's elementary stream from (the room INVITEs on connect, BYEs on close). */
  relayUrl(channelId: string): string;
  /** Why the channel cannot play now (its device is not registered, …), or undefined. */
  unavailable(row: StoredRow): string | undefined;
  /** Cluster: its device is registered with another node, which runs the channel. */
  elsewhere?(row: StoredRow): boolean;
  /** Fires with a device id when the device's availability changes. */
  on(event: 'availability', listener: (deviceId: string) => void): unknown;
  off(event: 'availability', listener: (deviceId: string) => void): unknown;
}

/**
 * Which channels this node runs when channels are sharded over nodes
 * (gateway/cluster/leases). Without one, the node runs every channel.
 */
export interface ChannelOwnership {
  readonly nodeId: string;
  /** The lease version while this node owns the channel. */
  owns(channelId: string): number | undefined;
  on(event: 'acquired' | 'lost', listener: (lease: { channelId: string }) => void): unknown;
  off(event: 'acquired' | 'lost', listener: (lease: { channelId: string }) => void): unknown;
}

/** Cluster: where each RTMP push arrives is recorded, so the other nodes proxy its media there (gateway/cluster/media). */
export interface PushPlaces {
  /** An encoder started (true) or stopped (false) pushing the channel to this node. */
  pushing(channelId: string, active: boolean): void;
  /** Another node receives the channel's push now. */
  elsewhere(channelId: string): boolean;
}

/** What the manager needs from the recording room (gateway/recording). */
export interface RecordingHook {
  /** Where the channel's ingest writes recording segments, or undefined when it records nothing; a recording channel runs all the time. */
  wants(row: StoredRow): IngestSpec['record'];
  /** The channel's recording state, shown in its status. */
  status(channelId: string): object | undefined;
}

/** Pulled channels are sharded; a push or a GB28181 stream arrives at one node, and runs there. */
const SHARDED_KINDS = new Set(['rtsp']);

export interface VideoSettings {
  hls: { segmentSeconds: number; listSize: number };
  watchdogSeconds: number;
  ioTimeoutSeconds: number;
  startStaggerMs: number;
  onDemandIdleSeconds: number;
  tap: TapDefaults;
  backoff: { initialMs: number; maxMs: number };
}

export type { ChannelVideoStatus } from './channel-status.ts';

interface ManagerEvents {
  'channel.status': [ChannelVideoStatus];
}

const IDLE_CHECK_MS = 2000;
/** The reason of an on-demand channel nobody watches (incidents treat it as no fault). */
const IDLE = 'idle (on demand)';

export class VideoManager extends EventEmitter<ManagerEvents> {
  private readonly supervisors = new Map<string, IngestSupervisor>();
  private readonly book: ChannelStatusBook;
  private readonly lastViewed = new Map<string, number>();
  private readonly pushing = new Set<string>();
  private readonly queue: StartQueue;
  private idleTimer: NodeJS.Timeout | undefined;
  private stopped = false;

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
    this.queue = new StartQueue(settings.startStaggerMs);
    this.book = new ChannelStatusBook(registry, (id) => this.fence(id), (s) => this.emit('channel.status', s));
    this.subStreams = new SubStreams({
      registry, settings: (key) => this.ingestSettings(key), idleMs: settings.onDemandIdleSeconds * 1000, log,
      notHere: (row) => (this.ownership && SHARDED_KINDS.has(String(row.doc.kind)) && this.ownership.owns(row.id) === undefined ? 'runs on another node' : undefined),
    });
  }

  /** Channels' sub-streams (key `<channelId>~sub`), run while a player asks for them. */
  readonly subStreams: SubStreams;

  /** Where a stream's HLS is written; a sub-stream key (`<channelId>~sub`) has its own directory. */
  hlsDir(channelId: string): string {
    return join(this.mediaRoot, 'hls', safeName(channelId));
  }

  private gb: GbSource | undefined;

  private recording: RecordingHook | undefined;

  /** Channels that record run all the time and write segments as a third output. Call before start(). */
  attachRecording(hook: RecordingHook): void {
    this.recording = hook;
  }

  /** Decides the channel again (its recording policy or state changed). */
  reconsider(channelId: string): Promise<void> {
    return this.reconcile(channelId);
  }

  private started = false;

  /** The GB28181 room starts before video, so its channels are first judged with it there (before start(), nothing to redo). */
  attachGb(gb: GbSource): void {
    this.gb = gb;
    gb.on('availability', this.onGbAvailability);
    if (this.started) void this.reconcileGbDevice(undefined);
  }

  private ownership: ChannelOwnership | undefined;
  /** Enabled channels that need an owner somewhere in the cluster. */
  readonly shardable = new Set<string>();

  /** Cluster mode: run only the channels this node holds a lease on. Call before start(). */
  shard(ownership: ChannelOwnership): void {
    this.ownership = ownership;
    ownership.on('acquired', this.onOwnershipChange);
    ownership.on('lost', this.onOwnershipChange);
  }

  /** A sharded channel's status is written only while this node's lease on it is current (a node cut off cannot overwrite its successor's). */
  private fence(channelId: string): StatusFence | undefined {
    const version = this.ownership?.owns(channelId);
    return this.ownership && version !== undefined ? { nodeId: this.ownership.nodeId, version } : undefined;
  }

  private readonly onOwnershipChange = (lease: { channelId: string }) => {
    void this.reconcile(lease.channelId);
    void this.subStreams.changed(lease.channelId);
  };

  private pushPlaces: PushPlaces | undefined;

  /** Cluster mode: record where pushes arrive, and leave a push another node receives to it (reconcile with release()). */
  placePushes(places: PushPlaces): void {
    this.pushPlaces = places;
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
    this.queue.clear();
    this.registry.events.off('device.changed', this.onRegistryChange);
    this.frames.off('subscribers', this.onSubscribers);
    this.live?.off('publish', this.onPublish);
    this.live?.off('unpublish', this.onUnpublish);
    this.gb?.off('availability', this.onGbAvailability);
    this.ownership?.off('acquired', this.onOwnershipChange);
    this.ownership?.off('lost', this.onOwnershipChange);
    await Promise.all([...this.supervisors.values()].map((s) => s.stop()).concat(this.subStreams.stop()));
    this.supervisors.clear();
  }

  /** A channel's status; for a sub-stream key, the sub-stream's own. */
  status(channelId: string): (ChannelVideoStatus & { recording?: object }) | undefined {
    const key = streamOfKey(channelId);
    if (key.stream === 'sub') return this.subStreams.status(key.channelId);
    const sup = this.supervisors.get(channelId);
    const status = sup ? this.book.live(sup.status) : this.book.restingStatus(channelId);
    const recording = status && this.recording?.status(channelId);
    return recording ? { ...status, recording } : status;
  }

  allStatus(): ChannelVideoStatus[] {
    const ids = new Set([...this.supervisors.keys(), ...this.book.restingIds()]);
    return [...ids].sort().map((id) => this.status(id)!);
  }

  /** A viewer asked for the channel (or, by its key, its sub-stream): start an on-demand channel, keep it running. */
  async touch(channelId: string): Promise<void> {
    const key = streamOfKey(channelId);
    if (key.stream === 'sub') return this.subStreams.touch(key.channelId);
    this.lastViewed.set(channelId, Date.now());
    if (!this.supervisors.has(channelId)) await this.reconcile(channelId);
  }

  private readonly onRegistryChange = (e: DeviceChanged) => {
    if (e.entity !== 'channels') return;
    void this.reconcile(e.id);
    void this.subStreams.changed(e.id);
  };

  private readonly onSubscribers = (channelId: string) => void this.reconcile(channelId);

  private readonly onPublish: PushListener = (e) => void this.onPush(e.app, e.name, true);
  private readonly onUnpublish: PushListener = (e) => void this.onPush(e.app, e.name, false);

  private async onPush(app: string, name: string, active: boolean): Promise<void> {
    if (app !== 'live' || this.stopped) return;
    const id = (await this.registry.store.findAltKeys('channels', [`rtmp:${name}`])).get(`rtmp:${name}`);
    if (!id) return;
    if (active) this.pushing.add(id);
    else this.pushing.delete(id);
    this.pushPlaces?.pushing(id, active);
    await this.reconcile(id);
  }

  private readonly onGbAvailability = (deviceId: string) => void this.reconcileGbDevice(deviceId);

  /** Re-decides every gb28181 channel of a device (or of all devices). */
  private async reconcileGbDevice(deviceId: string | undefined): Promise<void> {
    // One device: its channels as last seen (every row passes desired()), not a scan of the registry per device.
    if (deviceId !== undefined) {
      for (const id of this.gbChannels.channelsOf(deviceId)) await this.reconcile(id);
      return;
    }
    for await (const row of this.registry.all('channels')) if (row.doc.kind === 'gb28181') await this.reconcile(row.id, row);
  }

  private readonly gbChannels = new GbChannelIndex();

  /** An on-demand pulled channel stops when nobody watches; a push runs while pushed, the others always. */
  private runsWhileWatched(spec: IngestSpec): boolean {
    return spec.input.kind !== 'rtmp' && !this.alwaysOn.has(spec.channelId);
  }

  private readonly alwaysOn = new Set<string>();

  /** What should run for this channel, or why nothing should. */
  private desired(row: StoredRow | undefined): { spec?: IngestSpec; why?: string; elsewhere?: boolean } {
    if (!row) return { why: 'deleted' };
    this.book.follow(row);
    if (row.doc.kind === 'gb28181') this.gbChannels.note(row);
    const doc = row.doc as { kind: string; enabled: boolean; mode: string; detectionProfile: string | null; source: { pushKey?: string } };
    if (doc.enabled && SHARDED_KINDS.has(doc.kind)) this.shardable.add(row.id);
    else this.shardable.delete(row.id);
    if (!doc.enabled) return { why: 'disabled' };
    // Another node runs it, and writes its status.
    if (this.ownership && SHARDED_KINDS.has(doc.kind) && this.ownership.owns(row.id) === undefined) return { why: 'runs on another node', elsewhere: true };
    const tap = doc.detectionProfile !== null || this.frames.count(row.id) > 0;
    const record = this.recording?.wants(row);
    const always = doc.mode === 'always-on' || tap || record !== undefined;
    const recorded = (spec: IngestSpec): IngestSpec => (record ? { ...spec, record } : spec);
    if (always) this.alwaysOn.add(row.id);
    else this.alwaysOn.delete(row.id);
    if (doc.kind === 'rtmp') {
      if (!this.live) return { why: 'RTMP push is disabled in the configuration' };
      if (!this.pushing.has(row.id)) return this.pushPlaces?.elsewhere(row.id) ? { why: 'runs on another node', elsewhere: true } : { why: 'no push' };
      const key = row.secret?.pushKey as string;
      return { spec: recorded(ingestSpec(row, { kind: 'rtmp', url: this.live.rtmpUrl('live', key) }, { tap }, this.settings.tap)) };
    }
    if (doc.kind === 'gb28181') {
      if (!this.gb) return { why: 'GB28181 is disabled in the configuration' };
      if (this.gb.elsewhere?.(row)) return { why: 'runs on another node', elsewhere: true };
      const why = this.gb.unavailable(row);
      if (why) return { why };
    }
    const viewed = Date.now() - (this.lastViewed.get(row.id) ?? 0) < this.settings.onDemandIdleSeconds * 1000;
    if (!always && !viewed) return { why: IDLE };
    const input: IngestSpec['input'] = doc.kind === 'gb28181' ? { kind: 'gb28181', url: this.gb!.relayUrl(row.id) } : { kind: 'rtsp', url: rtspUrlWithCredentials(row) };
    return { spec: recorded(ingestSpec(row, input, { tap }, this.settings.tap)) };
  }

  private async reconcile(channelId: string, known?: StoredRow): Promise<void> {
    if (this.stopped) return;
    const row = known ?? (await this.registry.getStored('channels', channelId));
    if (!row) this.shardable.delete(channelId);
    const { spec, why, elsewhere } = this.desired(row);
    const current = this.supervisors.get(channelId);
    if (current && spec && JSON.stringify(current.spec) === JSON.stringify(spec)) return;
    if (current) {
      this.supervisors.delete(channelId);
      await current.stop();
    }
    if (this.stopped) return; // the gateway shut down while this channel was stopping
    if (!spec) {
      this.queue.cancel(channelId);
      if (!row || elsewhere) {
        this.book.forget(channelId);
        if (!row) this.frames.forget(channelId); // a moved channel keeps its subscribers for when it comes back
        return;
      }
      this.book.publishResting(channelId, why ?? 'stopped', why === IDLE ? 'idle' : 'offline');
      return;
    }
    this.book.running(channelId);
    this.launch(spec);
  }

  private launch(spec: IngestSpec): void {
    const sup = new IngestSupervisor(spec, this.ingestSettings(spec.channelId), this.log.child({ channelId: spec.channelId }));
    this.supervisors.set(spec.channelId, sup);
    sup.on('frame', (frame) => this.frames.publish(frame));
    sup.on('status', (s) => {
      if (this.supervisors.get(spec.channelId) === sup) this.book.publishLive(s);
    });
    // Start many channels a little apart, not all at once.
    this.queue.add(spec.channelId, () => {
      if (this.supervisors.get(spec.channelId) === sup) sup.start();
    });
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
    for (const [id, sup] of this.supervisors) {
      if (!this.runsWhileWatched(sup.spec)) continue;
      const last = this.lastViewed.get(id) ?? 0;
      if (Date.now() - last > this.settings.onDemandIdleSeconds * 1000) void this.reconcile(id);
    }
  }
}
