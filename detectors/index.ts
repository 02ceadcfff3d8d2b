// Public entry of the detectors library: frames in, detections out. It knows
// nothing of HTTP, MQTT or storage.
export type { Detection, DetectionEvent, Layout, RawBox, RawFrame } from './types.ts';
export { loadModel, ModelError, type Model, type ModelOptions } from './model/load-model.ts';
export { EXECUTION_PROVIDERS, runtimeBackends, type ExecutionProvider, type RuntimeBackend } from './model/execution-providers.ts';
export { ChannelDetector, type ChannelDetectorOptions, type FrameResult } from './channel-detector.ts';
export { DetectionScheduler, type ChannelCounts } from './scheduler.ts';
export { annotatedJpeg, overlaySvg, type AnnotateOptions, type OverlayOptions } from './annotate.ts';
export { cjkFont, type CjkFont } from './label-font.ts';
export { letterbox, Letterboxer, letterboxGeometry, toSourceBox } from './letterbox.ts';
export { decode, detectLayout, type LayoutHints, type OutputSpec } from './postprocess/decode.ts';
export { iou, nms } from './postprocess/nms.ts';
export { MotionGate, type MotionOptions } from './motion.ts';
export { IouTracker, type Track, type TrackerOptions } from './tracker.ts';
export { RuleEngine, inSchedule, ruleMatches, type Firing, type NamedZone, type Rule } from './rules.ts';
export { bottomCentre, normaliseBox, pointInPolygon, polygonProblem, polygonToPixels, scaleBox, type Box, type Point, type Polygon } from './geometry.ts';
