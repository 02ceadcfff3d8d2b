// The detection room's configuration: the models a site brings, and the
// profiles channels refer to (model, rate, motion gate, tracker, rules).
import { Type, type Static } from '@sinclair/typebox';

const Point = Type.Tuple([Type.Number(), Type.Number()]);
const Polygon = Type.Array(Point, { minItems: 3, maxItems: 64 });

export const DetectionRule = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    classes: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    minScore: Type.Optional(Type.Number({ minimum: 0, maximum: 1, default: 0.5 })),
    minArea: Type.Optional(Type.Number({ minimum: 0, default: 0, description: 'Source pixels²' })),
    zone: Type.Optional(Type.Object({ name: Type.String(), polygon: Polygon }, { additionalProperties: false, description: 'Source-image pixels; the box bottom-centre decides inside' })),
    dwellSeconds: Type.Optional(Type.Number({ minimum: 0, maximum: 3600, default: 0 })),
    schedule: Type.Optional(Type.Object(
      { days: Type.Optional(Type.Array(Type.Integer({ minimum: 0, maximum: 6 }))), from: Type.String({ pattern: '^\\d{2}:\\d{2}$' }), to: Type.String({ pattern: '^\\d{2}:\\d{2}$' }) },
      { additionalProperties: false },
    )),
    cooldownSeconds: Type.Optional(Type.Number({ minimum: 0, maximum: 86400, default: 60 })),
    incidentType: Type.String({ pattern: '^[a-z][a-z0-9_]{1,63}$' }),
    severity: Type.Union([Type.Literal('critical'), Type.Literal('major'), Type.Literal('minor'), Type.Literal('warning')]),
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
    /** Frames analysed at once across all channels (each inference uses the model's threads). */
    concurrency: Type.Integer({ minimum: 1, maximum: 16 }),
    models: Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.-]+$' }), Type.Object(
      {
        path: Type.String({ minLength: 1 }),
        labels: Type.Optional(Type.Union([Type.String(), Type.Null()])),
        intraOpThreads: Type.Integer({ minimum: 1, maximum: 64 }),
      },
      { additionalProperties: false },
    )),
    profiles: Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.:-]+$' }), DetectionProfile),
    /** Generate the project's own test models into dataDir/models at start (the demo uses them). */
    generateTestModels: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type DetectionConfig = Static<typeof DetectionConfig>;
