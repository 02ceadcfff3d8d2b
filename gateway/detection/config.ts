// The detection room's configuration: the models a site brings, and the
// profiles channels refer to (model, rate, motion gate, tracker, zones, rules).
// Geometry is in fractions 0–1 of the picture (x of its width from the left,
// y of its height from the top): the same place at any source, sub-stream or
// tap size. Pixel values (above 1) are refused, naming the field.
import { availableParallelism } from 'node:os';
import { Type, type Static } from '@sinclair/typebox';
import { EXECUTION_PROVIDERS } from '../../detectors/index.ts';
import { Severity } from '../incidents/candidate.ts';

const ExecutionProviderName = Type.Union(EXECUTION_PROVIDERS.map((p) => Type.Literal(p)), { description: 'An onnxruntime execution provider' });
const Fraction = Type.Number({ minimum: 0, maximum: 1 });
const Point = Type.Tuple([Fraction, Fraction], { description: '[x, y] as fractions 0–1 of the picture\'s width and height' });
const Polygon = Type.Array(Point, { minItems: 3, maxItems: 64 });
const ZoneName = Type.String({ minLength: 1, maxLength: 64 });

export const DetectionRule = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    classes: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    minScore: Type.Optional(Type.Number({ minimum: 0, maximum: 1, default: 0.5 })),
    minScores: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Fraction, { description: 'Per class, instead of minScore: { person: 0.6, car: 0.4 }' })),
    minArea: Type.Optional(Type.Number({ minimum: 0, maximum: 1, default: 0, description: 'Box area as a fraction of the picture' })),
    maxArea: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Box area as a fraction of the picture' })),
    minAspect: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 100, description: 'Box width / height' })),
    maxAspect: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 100, description: 'Box width / height' })),
    zone: Type.Optional(Type.Object({ name: ZoneName, polygon: Polygon }, { additionalProperties: false, description: 'The box bottom-centre decides inside' })),
    requiredZones: Type.Optional(Type.Array(ZoneName, { maxItems: 16, description: 'Names of the profile\'s zones the object must stand in, all of them' })),
    masks: Type.Optional(Type.Array(Polygon, { maxItems: 32, description: 'Object masks: an object whose box bottom-centre lies in one is ignored by this rule' })),
    dwellSeconds: Type.Optional(Type.Number({ minimum: 0, maximum: 3600, default: 0 })),
    schedule: Type.Optional(Type.Object(
      { days: Type.Optional(Type.Array(Type.Integer({ minimum: 0, maximum: 6 }))), from: Type.String({ pattern: '^\\d{2}:\\d{2}$' }), to: Type.String({ pattern: '^\\d{2}:\\d{2}$' }) },
      { additionalProperties: false },
    )),
    cooldownSeconds: Type.Optional(Type.Number({ minimum: 0, maximum: 86400, default: 60 })),
    incidentType: Type.String({ pattern: '^[a-z][a-z0-9_]{1,63}$' }),
    severity: Severity,
  },
  { additionalProperties: false },
);

export const DetectionProfile = Type.Object(
  {
    model: Type.String({ minLength: 1 }),
    /** Frames per second analysed; the channel's tap must deliver at least this many. */
    fps: Type.Optional(Type.Number({ minimum: 0.1, maximum: 30, default: 2 })),
    minScore: Type.Optional(Type.Number({ minimum: 0, maximum: 1, default: 0.25 })),
    iouThreshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1, default: 0.45 })),
    /** NMS across classes (one object scored as two classes yields one box); default per class. */
    agnosticNms: Type.Optional(Type.Boolean({ default: false })),
    /** Named zones that rules require by name (`requiredZones`). */
    zones: Type.Optional(Type.Record(Type.String(), Polygon, { maxProperties: 32 })),
    motion: Type.Optional(Type.Object(
      {
        enabled: Type.Optional(Type.Boolean({ default: true })),
        pixelThreshold: Type.Optional(Type.Number({ minimum: 0, maximum: 255, default: 20 })),
        minChangedFraction: Type.Optional(Type.Number({ minimum: 0, maximum: 1, default: 0.002 })),
        masks: Type.Optional(Type.Array(Polygon, { default: [] })),
      },
      { additionalProperties: false },
    )),
    tracker: Type.Optional(Type.Object(
      { minHits: Type.Optional(Type.Integer({ minimum: 1, default: 2 })), minMedianScore: Type.Optional(Type.Number({ minimum: 0, maximum: 1, default: 0.5 })) },
      { additionalProperties: false },
    )),
    rules: Type.Array(DetectionRule, { maxItems: 32 }),
  },
  { additionalProperties: false },
);
export type DetectionProfile = Static<typeof DetectionProfile>;

export const DetectionConfig = Type.Object(
  {
    enabled: Type.Boolean(),
    /** Frames analysed at once across all channels; auto: one per inference thread. */
    concurrency: Type.Union([Type.Literal('auto'), Type.Integer({ minimum: 1, maximum: 16 })]),
    /**
     * Worker threads per model, each with its own session, running in parallel off the main
     * thread; auto: one per core (at most 4); 0: inference on the main thread.
     */
    inferenceThreads: Type.Optional(Type.Union([Type.Literal('auto'), Type.Integer({ minimum: 0, maximum: 32 })], { default: 'auto' })),
    models: Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.-]+$' }), Type.Object(
      {
        path: Type.String({ minLength: 1 }),
        labels: Type.Optional(Type.Union([Type.String(), Type.Null()])),
        intraOpThreads: Type.Integer({ minimum: 1, maximum: 64 }),
        /** In order of preference; one the installed onnxruntime cannot start stops that model, naming it (no silent CPU fallback). */
        executionProviders: Type.Optional(Type.Array(ExecutionProviderName, { minItems: 1, maxItems: 6, default: ['cpu'] })),
      },
      { additionalProperties: false },
    )),
    profiles: Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.:-]+$' }), DetectionProfile),
    /** The largest .onnx accepted by POST /api/detection/models/{name}/file (held in memory while it loads). */
    modelUploadMaxMB: Type.Optional(Type.Integer({ minimum: 1, maximum: 4096, default: 300 })),
    /** Generate the project's own test models into dataDir/models at start (the demo uses them). */
    generateTestModels: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type DetectionConfig = Static<typeof DetectionConfig>;

/** How many worker threads each model runs in, and how many frames are analysed at once. */
export function inferenceParallelism(config: Pick<DetectionConfig, 'concurrency' | 'inferenceThreads'>, cores = availableParallelism()): { threads: number; concurrency: number } {
  const setting = config.inferenceThreads ?? 'auto';
  const threads = setting === 'auto' ? Math.min(4, Math.max(1, cores)) : setting;
  return { threads, concurrency: config.concurrency === 'auto' ? Math.max(1, threads) : config.concurrency };
}
