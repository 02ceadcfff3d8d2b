// Detection for one channel: takes frames from the tap at the profile's rate,
// hands them to the shared scheduler, publishes overlay events, and turns rule
// firings into incident candidates with an annotated snapshot.
import type { Logger } from 'pino';
import { annotatedJpeg, ChannelDetector, type DetectionScheduler, type Model, type RawFrame } from '../../detectors/index.ts';
import type { RaiseIncident } from '../incidents/index.ts';
import type { WarnRollup } from '../log-rollup.ts';
import type { Frame, FrameHub } from '../video/index.ts';
import type { DetectionProfile } from './config.ts';
import { InferenceFailures } from './failure-rollup.ts';
import { detectorOptions } from './profiles.ts';
import type { SnapshotStore } from './snapshots.ts';
import { pictureSize, toPicture, type Size } from './source-geometry.ts';

export interface RunnerDeps {
  frames: FrameHub;
  scheduler: DetectionScheduler<RawFrame>;
  snapshots: SnapshotStore;
  raise: RaiseIncident;
  publishLive: (type: string, payload: Record<string, unknown>) => void;
  log: Logger;
  /** The room's rolled-up warnings (inference failures). */
  warnings: WarnRollup;
  /** The camera's picture size (the main stream's, from ingest): boxes and snapshots are given in it. */
  sourceSize?: (channelId: string) => Size | undefined;
  /** Each inferred frame: model time, and capture → detections out (metrics). */
  onInference?: (timing: InferenceTiming) => void;
}

export interface InferenceTiming {
  channelId: string;
  model: string;
  inferenceMs: number;
  pipelineMs: number;
}

export interface RunnerStatus {
  channelId: string;
  profile: string;
  model: string;
  state: 'waiting' | 'running' | 'failed';
  reason?: string;
  frames: number;
  inferred: number;
  stillSkipped: number;
  lastInferenceMs?: number;
  alarms: number;
}

const MAX_LATENCIES = 1000;
/** Inference failures in a row that turn a channel's detection off (a model that loads but cannot run its frames). */
const FAIL_AFTER = 10;

export class ChannelRunner {
  private readonly detector: ChannelDetector;
  private unsubscribe: (() => void) | undefined;
  private lastAt = 0;
  private hadDetections = false;
  private failed: string | undefined;
  private lastInferenceMs: number | undefined;
  private alarms = 0;
  /** Frame capture → candidate raised, ms (for the status and the benchmark). */
  readonly latencies: number[] = [];
  private readonly failures: InferenceFailures;

  /** framesKey: the frame-hub key it reads, `<channelId>~sub` when detecting on the sub-stream. */
  constructor(readonly channelId: string, readonly profileName: string, private readonly profile: DetectionProfile, private readonly model: Model, private readonly deps: RunnerDeps, readonly framesKey = channelId) {
    this.detector = new ChannelDetector(detectorOptions(channelId, profile, model));
    this.failures = new InferenceFailures(channelId, deps.log, deps.warnings, FAIL_AFTER);
  }

  start(): void {
    this.unsubscribe = this.deps.frames.subscribe(this.framesKey, (frame) => this.onFrame(frame));
  }

  stop(): void {
    this.unsubscribe?.();
    this.deps.scheduler.forget(this.channelId);
  }

  status(): RunnerStatus {
    const s = this.detector.stats;
    return {
      channelId: this.channelId, profile: this.profileName, model: this.model.name,
      state: this.failed ? 'failed' : s.frames > 0 ? 'running' : 'waiting', ...(this.failed ? { reason: this.failed } : {}),
      frames: s.frames, inferred: s.inferred, stillSkipped: s.stillSkipped, lastInferenceMs: this.lastInferenceMs, alarms: this.alarms,
      ...this.deps.scheduler.stats(this.channelId),
    };
  }

  private onFrame(frame: Frame): void {
    if (this.failed) return;
    const interval = 1000 / (this.profile.fps ?? 2);
    if (frame.ts - this.lastAt < interval * 0.9) return; // the tap may run faster than the profile asks
    this.lastAt = frame.ts;
    this.deps.scheduler.submit(this.channelId, frame, (f) => this.process(f));
  }

  private async process(frame: RawFrame): Promise<void> {
    if (this.failed) return; // frames already queued when detection was turned off
    let result: Awaited<ReturnType<ChannelDetector['process']>>;
    try {
      result = await this.detector.process(frame);
    } catch (err) {
      if (this.failures.failed(err)) {
        this.failed = this.failures.reason;
        this.unsubscribe?.();
      }
      throw err; // counted by the scheduler; logged above, rolled up
    }
    this.failures.succeeded();
    if (result.event) {
      this.lastInferenceMs = Math.round(result.inferenceMs);
      this.deps.onInference?.({ channelId: this.channelId, model: this.model.name, inferenceMs: result.inferenceMs, pipelineMs: Date.now() - frame.ts });
    }
    // Zones are fractions of the picture, so the frame's size never mattered to them; boxes go out in the camera's pixels.
    const picture = pictureSize(frame, this.deps.sourceSize?.(this.channelId));
    if (result.event && (result.detections.length > 0 || this.hadDetections)) {
      this.deps.publishLive('detection', { ...result.event, frameSize: picture, detections: toPicture(result.event.detections, frame, picture) });
    }
    this.hadDetections = result.detections.length > 0;
    const detections = result.firings.length ? toPicture(result.detections, frame, picture) : [];
    for (const firing of result.firings) {
      // The evidence picture: the analysed frame scaled to the camera's size (the main stream's keyframe would be up to a segment older than the boxes).
      const jpeg = await annotatedJpeg(frame, detections, 85, { size: picture });
      const url = await this.deps.snapshots.save(jpeg, frame.ts);
      await this.deps.raise({
        source: { kind: 'detector', id: this.channelId },
        type: firing.rule.incidentType,
        category: 'video',
        severity: firing.rule.severity,
        title: `${firing.track.label} · ${firing.rule.name}`,
        occurredAt: frame.ts,
        evidence: {
          snapshots: [url],
          detections,
          frameSize: picture,
          frameTs: frame.ts, // the wall draws these boxes when its picture reaches this frame
          model: { name: this.model.name, sha256: this.model.sha256 },
          rule: firing.rule.name,
          titleMessage: { code: 'detection_title', params: { label: firing.track.label, rule: firing.rule.name } },
        },
      });
      this.alarms++;
      this.latencies.push(Date.now() - frame.ts);
      if (this.latencies.length > MAX_LATENCIES) this.latencies.shift();
    }
  }
}
