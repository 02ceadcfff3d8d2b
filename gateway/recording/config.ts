// The recording room's configuration: segment length, the policy of channels
// that have none of their own (rules by grid cell code prefix or tag, first
// match wins), pre/post-roll, retention per class and the disk budget.
import { Type, type Static } from '@sinclair/typebox';

export const RECORDING_MODES = ['off', 'events', 'continuous'] as const;
export type RecordingMode = (typeof RECORDING_MODES)[number];

const Mode = Type.Union(RECORDING_MODES.map((m) => Type.Literal(m)));
const Days = Type.Number({ minimum: 0, maximum: 3650 });
const RollSeconds = Type.Number({ minimum: 0, maximum: 300 });

const DefaultRule = Type.Object(
  {
    gridPrefix: Type.Optional(Type.String({ minLength: 1, maxLength: 32, description: 'Channels whose grid cell code starts with this' })),
    tag: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Channels carrying this tag' })),
    mode: Mode,
    retentionDays: Type.Optional(Days),
  },
  { additionalProperties: false },
);

export const RecordingConfig = Type.Object(
  {
    enabled: Type.Boolean(),
    /** Asked segment length; segments are cut at keyframes, so a long GOP makes them longer. */
    segmentSeconds: Type.Number({ minimum: 1, maximum: 300 }),
    defaults: Type.Object(
      { mode: Mode, retentionDays: Type.Optional(Days), rules: Type.Array(DefaultRule, { maxItems: 200 }) },
      { additionalProperties: false },
    ),
    events: Type.Object({
      preRollSeconds: RollSeconds,
      postRollSeconds: RollSeconds,
      /** A busy period longer than this is cut into clips of at most this length, each made when it ends. */
      maxClipSeconds: Type.Optional(Type.Integer({ minimum: 30, maximum: 3600 })),
    }, { additionalProperties: false }),
    continuousRetentionDays: Days,
    eventRetentionDays: Days,
    evidenceKeepDaysAfterArchive: Days,
    disk: Type.Object(
      {
        maxBytes: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description: 'Budget of the recordings directory; null: none' }),
        keepFreeBytes: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description: 'Free space to keep on its file system; null: 5 GiB or 10 % of it, whichever is smaller' }),
      },
      { additionalProperties: false },
    ),
    /** Exports of a range as one MP4 (gateway/recording/export): how long files are kept, the longest range, how many run at once. */
    exports: Type.Optional(Type.Object(
      { keepHours: Type.Number({ minimum: 0.0001, maximum: 8760 }), maxSeconds: Type.Number({ minimum: 1, maximum: 86400 }), concurrent: Type.Integer({ minimum: 1, maximum: 16 }) },
      { additionalProperties: false },
    )),
    /**
     * Every node mounts the same recordings root (a NAS): each node writes under `nodes/<nodeId>/`
     * and serves any segment it can read itself, without asking the node that wrote it.
     */
    sharedStorage: Type.Optional(Type.Boolean()),
    /** How often retention and the disk budget are applied. */
    retentionIntervalSeconds: Type.Number({ minimum: 0.5, maximum: 3600 }),
  },
  { additionalProperties: false },
);
export type RecordingConfig = Static<typeof RecordingConfig>;

/** A channel's own policy (the registry field `recording`); null: the configuration's default. */
export interface ChannelRecordingPolicy {
  mode: RecordingMode;
  retentionDays?: number;
  preRollSeconds?: number;
  postRollSeconds?: number;
}

const GIB = 1024 ** 3;

/** keepFreeBytes when unset: 5 GiB or 10 % of the file system, whichever is smaller. */
export const keepFreeBytes = (config: RecordingConfig, fsBytes: number): number =>
  config.disk.keepFreeBytes ?? Math.min(5 * GIB, Math.floor(fsBytes * 0.1));
