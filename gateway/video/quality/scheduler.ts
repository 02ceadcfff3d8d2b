// When each channel is looked at, with no camera connection of its own:
// channels with detection on one tap frame every tapIntervalSeconds (the tap
// decodes them anyway); the others, while their ingest is online, on two HLS
// keyframes every intervalSeconds, one channel at a time.
import sharp from 'sharp';
import type { Logger } from 'pino';
import type { DeviceChanged, RegistryService } from '../../../device-registry/index.ts';
import type { Frame, FrameHub } from '../frames.ts';
import { snapshotJpeg } from '../snapshot.ts';
import { detectionFramesKey } from '../sub-streams.ts';
import type { ChannelVideoStatus } from '../video-manager.ts';
import { analysisImage } from './analysers/image.ts';
import { ChannelQuality } from './channel-quality.ts';
import type { VideoQualityConfig } from './config.ts';
import type { QualityIncidents } from './incidents.ts';
import { grabKeyframes } from './keyframes.ts';
import { TapSampler } from './tap-sampler.ts';

export interface QualityVideo {
  frames: FrameHub;
  status(channelId: string): ChannelVideoStatus | undefined;
  hlsDir(channelId: string): string;
  ffmpegPath: string;
}

/** How often due keyframe channels are looked for. */
const TICK_MS = 1000;

export class QualityScheduler {
  readonly channels = new Map<string, ChannelQuality>();
  private readonly taps = new Map<string, () => void>();
  /** The frame-hub key each tap reads (the channel's, or its sub-stream's). */
  private readonly tapKeys = new Map<string, string>();
  private readonly lastLook = new Map<string, number>();
  private readonly samplers = new Map<string, TapSampler<Frame>>();
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly config: VideoQualityConfig,
    private readonly deps: { registry: RegistryService; video: QualityVideo; incidents: QualityIncidents; log: Logger },
  ) {}

  async start(): Promise<void> {
    this.deps.registry.events.on('device.changed', this.onChange);
    for await (const row of this.deps.registry.all('channels')) this.follow(row.id, row.doc);
    this.timer = setInterval(() => void (this.round ??= this.lookAtDue().finally(() => (this.round = undefined))), TICK_MS);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.deps.registry.events.off('device.changed', this.onChange);
    for (const off of this.taps.values()) off();
    this.taps.clear();
    this.tapKeys.clear();
    await this.round;
  }

  private readonly onChange = (e: DeviceChanged) => {
    if (e.entity !== 'channels') return;
    void this.deps.registry.getStored('channels', e.id).then(
      (row) => this.follow(e.id, row?.doc),
      (err: unknown) => this.deps.log.error({ err, channelId: e.id }, 'could not follow a channel change'),
    );
  };

  /** Keeps a channel's tap subscription in step with its detection profile; forgets deleted channels. */
  private follow(id: string, doc: Record<string, unknown> | undefined): void {
    if (this.stopped) return;
    const known = this.channels.get(id);
    if (!doc || doc.enabled !== true) {
      // Deleted or disabled: nothing will look at it again, so an open incident must not stay open for ever.
      if (known?.result?.raised) void this.deps.incidents.clear(id);
      if (doc) this.channels.set(id, new ChannelQuality(id, this.config.persistenceSeconds));
      else this.channels.delete(id);
      this.lastLook.delete(id);
    } else if (!known) {
      this.channels.set(id, new ChannelQuality(id, this.config.persistenceSeconds));
    }
    // Only a channel that decodes for detection anyway is tapped: subscribing another would start decoding it.
    // Detection may decode the sub-stream: that is the one looked at, then (its frames under the sub-stream's key).
    const key = doc?.enabled === true && typeof doc.detectionProfile === 'string' ? detectionFramesKey(id, doc) : undefined;
    if (this.taps.has(id) && this.tapKeys.get(id) !== key) {
      this.taps.get(id)!();
      this.taps.delete(id);
      this.tapKeys.delete(id);
      this.samplers.delete(id);
    }
    if (key && !this.taps.has(id)) {
      this.samplers.set(id, new TapSampler(this.config.tapIntervalSeconds * 1000));
      this.taps.set(id, this.deps.video.frames.subscribe(key, (f) => this.onTapFrame({ ...f, channelId: id })));
      this.tapKeys.set(id, key);
    }
  }

  private onTapFrame(frame: Frame): Promise<void> | void {
    const now = Date.now();
    const quality = this.channels.get(frame.channelId);
    const look = this.samplers.get(frame.channelId)?.offer(frame, now);
    if (!quality || !look) return;
    if (look.older) quality.remember({ image: analysisImage(look.older.data, look.older.width, look.older.height), ts: look.older.ts });
    const { result, step } = quality.look({ image: analysisImage(frame.data, frame.width, frame.height), ts: frame.ts }, 'tap', this.config.thresholds, now);
    const snapshot = () => sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
    return this.deps.incidents.apply(result, step, snapshot);
  }

  /** Channels without a tap whose look is due, one after the other. */
  private async lookAtDue(): Promise<void> {
    const intervalMs = this.config.intervalSeconds * 1000;
    for (const [id, quality] of this.channels) {
      if (this.stopped) return;
      if (this.taps.has(id) || Date.now() - (this.lastLook.get(id) ?? 0) < intervalMs) continue;
      const status = this.deps.video.status(id);
      if (status?.state !== 'online' || !status.input) continue;
      this.lastLook.set(id, Date.now());
      try {
        await this.lookAtKeyframes(id, quality, status.input);
      } catch (err) {
        this.deps.log.warn({ err, channelId: id }, 'no keyframes to look at this time');
      }
    }
  }

  private async lookAtKeyframes(id: string, quality: ChannelQuality, source: { width: number; height: number }): Promise<void> {
    const { ffmpegPath } = this.deps.video;
    const hlsDir = this.deps.video.hlsDir(id);
    const frames = await grabKeyframes({ ffmpegPath, hlsDir, source });
    const pictures = frames.map((f) => ({ image: analysisImage(f.data, f.width, f.height), ts: f.ts }));
    const newest = pictures.pop();
    if (!newest) return;
    for (const p of pictures) quality.remember(p);
    const { result, step } = quality.look(newest, 'keyframe', this.config.thresholds);
    const snapshot = async () => (await snapshotJpeg({ channelId: id, ffmpegPath, hlsDir }))?.jpeg;
    await this.deps.incidents.apply(result, step, snapshot);
  }
}
