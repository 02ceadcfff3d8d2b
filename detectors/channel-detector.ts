// One channel's pipeline: motion gate → letterbox → model → decode → NMS →
// source pixels → tracker → rules. Frames in; a detection event for the
// overlay and the rule firings out.
import { letterbox, toSourceBox } from './letterbox.ts';
import type { Model } from './model/load-model.ts';
import { MotionGate, type MotionOptions } from './motion.ts';
import { decode } from './postprocess/decode.ts';
import { nms } from './postprocess/nms.ts';
import { RuleEngine, type Firing, type Rule } from './rules.ts';
import { IouTracker, type TrackerOptions } from './tracker.ts';
import type { Detection, DetectionEvent, RawFrame } from './types.ts';

export interface ChannelDetectorOptions {
  channelId: string;
  model: Model;
  rules: Rule[];
  /** Scores below this never leave the decoder (the rules may ask for more). */
  minScore: number;
  iouThreshold: number;
  /** Off: every frame is inferred. */
  motion?: MotionOptions;
  tracker: TrackerOptions;
}

export interface FrameResult {
  /** Undefined when the motion gate skipped inference. */
  event?: DetectionEvent;
  firings: Firing[];
  /** The detections the firings refer to, with track ids. */
  detections: Detection[];
  inferenceMs: number;
}

export class ChannelDetector {
  private readonly gate: MotionGate | undefined;
  private readonly tracker: IouTracker;
  private readonly rules: RuleEngine;
  stats = { frames: 0, inferred: 0, stillSkipped: 0 };

  constructor(readonly o: ChannelDetectorOptions) {
    this.gate = o.motion ? new MotionGate(o.motion) : undefined;
    this.tracker = new IouTracker(o.tracker);
    this.rules = new RuleEngine(o.rules);
  }

  async process(frame: RawFrame): Promise<FrameResult> {
    this.stats.frames++;
    if (this.gate && !this.gate.moved(frame).moved) {
      this.stats.stillSkipped++;
      // Nothing moved: the tracks stand still too; rules may still complete a dwell.
      const { tracks } = this.tracker.update([], frame.ts);
      return { firings: this.rules.evaluate(tracks, frame.ts), detections: [], inferenceMs: 0 };
    }
    const { model } = this.o;
    const started = performance.now();
    const lb = await letterbox(frame, model.input.width, model.input.height);
    const output = await model.run(lb.tensor);
    const boxes = nms(decode(model.layout, output, model.classes.length, model.anchors, this.o.minScore), this.o.iouThreshold);
    const raw: Detection[] = boxes.map((b) => ({
      label: model.classes[b.cls] ?? `class${b.cls}`, score: Math.round(b.score * 1000) / 1000, box: toSourceBox(b, lb, frame.width, frame.height),
    }));
    const inferenceMs = performance.now() - started;
    this.stats.inferred++;
    const { detections, tracks } = this.tracker.update(raw, frame.ts);
    return {
      event: { channelId: this.o.channelId, frameTs: frame.ts, frameSize: [frame.width, frame.height], detections },
      firings: this.rules.evaluate(tracks, frame.ts),
      detections,
      inferenceMs,
    };
  }
}
