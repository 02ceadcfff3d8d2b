// One channel's pipeline: motion gate → letterbox → model → decode → NMS →
// source pixels → tracker → rules. Frames in; a detection event for the
// overlay and the rule firings out.
import { Letterboxer, toSourceBox } from './letterbox.ts';
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
  /** NMS across classes: one object scored as two classes yields one box. */
  agnosticNms?: boolean;
  /** Off: every frame is inferred. */
  motion?: MotionOptions;
  /** With the motion gate on, how often tracked objects are looked at again although nothing moved (default 10 s). */
  stillRecheckSeconds?: number;
  tracker: TrackerOptions;
}

export interface FrameResult {
  /** Undefined when the motion gate skipped inference. */
  event?: DetectionEvent;
  firings: Firing[];
  /** The detections the firings refer to, with track ids (on a frame the gate skipped: the confirmed tracks' last boxes). */
  detections: Detection[];
  inferenceMs: number;
}

export class ChannelDetector {
  private readonly gate: MotionGate | undefined;
  private readonly tracker: IouTracker;
  private readonly rules: RuleEngine;
  /** The model's input tensor, filled in place frame after frame. */
  private readonly boxer: Letterboxer;
  private lastInferredTs = -Infinity;
  stats = { frames: 0, inferred: 0, stillSkipped: 0 };

  constructor(readonly o: ChannelDetectorOptions) {
    this.gate = o.motion ? new MotionGate(o.motion) : undefined;
    this.tracker = new IouTracker(o.tracker);
    this.rules = new RuleEngine(o.rules);
    this.boxer = new Letterboxer(o.model.input.width, o.model.input.height);
  }

  async process(frame: RawFrame): Promise<FrameResult> {
    this.stats.frames++;
    if (this.gate && !this.gate.moved(frame).moved && !this.mustLookAgain(frame.ts)) {
      this.stats.stillSkipped++;
      // Nothing moved: the tracks stand where they were, unmissed, and rules may complete a dwell;
      // a firing's evidence shows them where they were last seen.
      const tracks = this.tracker.coast();
      const detections = tracks.filter((t) => t.confirmed && t.missed === 0).map((t) => ({ label: t.label, score: t.scores.at(-1) ?? 0, box: t.box, trackId: t.id }));
      return { firings: this.rules.evaluate(tracks, frame.ts, frame), detections, inferenceMs: 0 };
    }
    const { model } = this.o;
    const started = performance.now();
    const lb = this.boxer.fit(frame); // its tensor is reused: one frame of a channel at a time (scheduler.ts)
    const output = await model.run(lb.tensor);
    // A box with nothing inside the picture (all in the letterbox's padding, or no width) is no
    // object; left in, it would take one of NMS's places and open a track that never matches.
    const inPicture = decode(model.output, output, this.o.minScore, model.input).filter((b) => {
      const [, , w, h] = toSourceBox(b, lb, frame.width, frame.height);
      return w >= 1 && h >= 1;
    });
    const raw: Detection[] = nms(inPicture, this.o.iouThreshold, 300, this.o.agnosticNms).map((b) => ({
      label: model.classes[b.cls] ?? `class${b.cls}`, score: Math.round(b.score * 1000) / 1000, box: toSourceBox(b, lb, frame.width, frame.height),
    }));
    const inferenceMs = performance.now() - started;
    this.stats.inferred++;
    this.lastInferredTs = frame.ts;
    const { detections, tracks } = this.tracker.update(raw, frame.ts);
    return {
      event: { channelId: this.o.channelId, frameTs: frame.ts, frameSize: [frame.width, frame.height], detections },
      firings: this.rules.evaluate(tracks, frame.ts, frame),
      detections,
      inferenceMs,
    };
  }

  /**
   * A still frame is inferred anyway while a track waits for confirmation (an object that
   * appeared and stands still), and now and then while objects are tracked (one may have gone
   * without visible motion).
   */
  private mustLookAgain(ts: number): boolean {
    if (this.tracker.hasUnconfirmed()) return true;
    return this.tracker.size > 0 && ts - this.lastInferredTs >= (this.o.stillRecheckSeconds ?? 10) * 1000;
  }
}
