// Camera channel: one video source, pulled over RTSP, pushed over RTMP, or a
// channel of a GB/T 28181 device. Passwords and push keys are write-only.
import { Type, type Static } from '@sinclair/typebox';
import { jsonBounds } from '../bounds.ts';
import { Code20, DeviceStatus, Discriminated, GridCode, Id, Location, Meta, Name, Tags } from './common.ts';
import { OnvifBlock, OnvifPatch } from './onvif.ts';

const say = (message: string) => ({ 'x-message': message });

const RtspSourceInput = Type.Object(
  {
    url: Type.String({ format: 'rtsp-url', maxLength: 2048, description: 'rtsp:// or rtsps:// URL; credentials in it are moved to username/password' }),
    username: Type.Optional(Type.String({ maxLength: 128 })),
    password: Type.Optional(Type.String({ maxLength: 128, writeOnly: true })),
  },
  { additionalProperties: false },
);

// A camera's second, smaller stream (sub-stream, 子码流) for small tiles. Same
// credential handling as `source`; without its own, the main source's are used.
const RtspSubSourceInput = Type.Object(
  {
    url: Type.String({ format: 'rtsp-url', maxLength: 2048, description: 'rtsp:// or rtsps:// URL of the sub-stream; credentials in it are moved to username/password' }),
    username: Type.Optional(Type.String({ maxLength: 128 })),
    password: Type.Optional(Type.String({ maxLength: 128, writeOnly: true })),
  },
  { additionalProperties: false, description: 'The sub-stream (子码流) the wall plays in 9- and 16-tile layouts; credentials default to the main source\'s' },
);

const RtmpSourceInput = Type.Object(
  {
    pushKey: Type.Optional(
      Type.String({ pattern: '^[A-Za-z0-9_-]{16,64}$', writeOnly: true, ...say('must be 16-64 letters, digits, _ or -') }),
    ),
  },
  { additionalProperties: false, description: 'The encoder pushes to rtmp://<gateway>/live/<pushKey>; a key is generated when absent' },
);

const CatalogText = Type.String({ maxLength: 256 });

const Gb28181SourceInput = Type.Object(
  {
    deviceId: Code20,
    channelId: Code20,
    // What the device's catalog says; kept up to date by catalog sync.
    manufacturer: Type.Optional(CatalogText),
    model: Type.Optional(CatalogText),
    parentId: Type.Optional(CatalogText),
    civilCode: Type.Optional(CatalogText),
    address: Type.Optional(CatalogText),
    catalogStatus: Type.Optional(Type.Union([Type.Literal('ON'), Type.Literal('OFF')], { description: 'The device reports the channel as on or off' })),
    catalogName: Type.Optional(Type.String({ maxLength: 128, description: 'The name the catalog gave; a rename by hand stops it following the device' })),
  },
  { additionalProperties: false },
);

export const VideoSettings = Type.Object(
  {
    transcode: Type.Optional(
      Type.Union([Type.Literal('auto'), Type.Literal('always'), Type.Literal('never')], {
        description: 'auto: copy H.264, transcode anything else (e.g. H.265, which browsers do not play); always: also to force a short GOP',
      }),
    ),
    gopSeconds: Type.Optional(Type.Number({ minimum: 0.5, maximum: 10, description: 'Keyframe interval when transcoding (default 1 s)' })),
    tapFps: Type.Optional(Type.Number({ minimum: 0.2, maximum: 30, description: 'Decoded frames per second for detection (default from config)' })),
    tapWidth: Type.Optional(Type.Integer({ minimum: 64, maximum: 3840, description: 'Width of decoded frames, height keeps the aspect' })),
    tapDecode: Type.Optional(Type.Union([Type.Literal('all'), Type.Literal('nonref'), Type.Literal('keyframes')], {
      description: 'Frames decoded for detection when the video is copied: nonref (default) skips frames nothing refers to; keyframes only, when tapFps ≤ 1 / the source GOP in seconds',
    })),
    detectOn: Type.Optional(Type.Union([Type.Literal('main'), Type.Literal('sub')], { description: 'The stream detection decodes: sub (default when there is a subSource), boxes mapped onto the main stream; or main' })),
  },
  { additionalProperties: false },
);

// A channel's recording policy (gateway/recording); null or absent: the configuration's default.
export const RecordingPolicy = Type.Object(
  {
    mode: Type.Union([Type.Literal('off'), Type.Literal('events'), Type.Literal('continuous')], {
      description: 'off; events: kept only around incidents (pre/post-roll); continuous: everything, kept retentionDays',
    }),
    retentionDays: Type.Optional(Type.Number({ minimum: 0, maximum: 3650, description: 'Days the footage is kept (default from config, by class)' })),
    preRollSeconds: Type.Optional(Type.Number({ minimum: 0, maximum: 300, description: 'events: seconds kept before an incident' })),
    postRollSeconds: Type.Optional(Type.Number({ minimum: 0, maximum: 300, description: 'events: seconds kept after an incident' })),
  },
  { additionalProperties: false },
);

const PtzPreset = Type.Object({
  index: Type.Integer({ minimum: 1, maximum: 255 }),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
  /** The grid cell this preset looks at: alarm linkage turns the camera there for an incident in that cell. */
  gridCode: Type.Optional(GridCode),
  /** ONVIF: the camera's preset token this index stands for (gateway/onvif/ptz-driver.ts keeps it). */
  token: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
}, { additionalProperties: false });

const channelFields = {
  id: Type.Optional(Id),
  name: Name,
  location: Type.Optional(Location),
  gridCode: Type.Optional(GridCode),
  tags: Type.Optional(Tags),
  enabled: Type.Optional(Type.Boolean({ default: true })),
  mode: Type.Optional(
    Type.Union([Type.Literal('always-on'), Type.Literal('on-demand')], { description: 'on-demand starts on the first viewer' }),
  ),
  detectionProfile: Type.Optional(Type.Union([Id, Type.Null()], { description: 'Detection profile reference; null for none' })),
  video: Type.Optional(VideoSettings),
  recording: Type.Optional(Type.Union([RecordingPolicy, Type.Null()], { description: 'Recording policy; null for the configuration\'s default' })),
  gbCode: Type.Optional(Type.String({ pattern: '^[0-9]{20}$', ...say('must be a 20-digit GB/T 28181 code'), description: 'The 20-digit GB/T 28181 code this channel is shared upward under (unique; assigned when first shared, GB28181 channels keep their channel id)' })),
  ptzPresets: Type.Optional(Type.Array(PtzPreset, { maxItems: 255, description: 'PTZ presets set on the camera (GB28181, ONVIF), by index, with the names people gave them (and an ONVIF camera\'s token)' })),
};

export const ChannelInput = Discriminated('kind', [
  Type.Object({ kind: Type.Literal('rtsp'), source: RtspSourceInput, subSource: Type.Optional(RtspSubSourceInput), onvif: Type.Optional(OnvifBlock), ...channelFields }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('rtmp'), source: RtmpSourceInput, ...channelFields }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('gb28181'), source: Gb28181SourceInput, ...channelFields }, { additionalProperties: false }),
]);
export type ChannelInput = Static<typeof ChannelInput>;
export type ChannelKind = ChannelInput['kind'];

/** PATCH body: a JSON merge patch of the input; the merged result is validated as a whole. */
export const ChannelPatch = Type.Object(
  {
    kind: Type.Optional(Type.Union([Type.Literal('rtsp'), Type.Literal('rtmp'), Type.Literal('gb28181')])),
    // Merged into the stored source, then the whole channel is checked against ChannelInput.
    source: Type.Optional(Type.Object({}, { additionalProperties: true, maxProperties: 16, ...jsonBounds({ maxDepth: 2, maxBytes: 8192 }) })),
    // Merged like source; null removes the sub-stream.
    subSource: Type.Optional(Type.Union([Type.Object({}, { additionalProperties: true, maxProperties: 8, ...jsonBounds({ maxDepth: 2, maxBytes: 8192 }) }), Type.Null()])),
    name: Type.Optional(Name),
    location: Type.Optional(Type.Union([Location, Type.Null()])),
    gridCode: Type.Optional(Type.Union([GridCode, Type.Null()])),
    tags: Type.Optional(Tags),
    enabled: Type.Optional(Type.Boolean()),
    mode: channelFields.mode,
    detectionProfile: channelFields.detectionProfile,
    video: Type.Optional(Type.Union([VideoSettings, Type.Null()])),
    recording: channelFields.recording,
    // null: forget it (a channel shared upward is given a new one).
    gbCode: Type.Optional(Type.Union([channelFields.gbCode, Type.Null()])),
    ptzPresets: channelFields.ptzPresets,
    // The event switches only (or null: no longer ONVIF); the rest is the gateway's (onvif.ts).
    onvif: Type.Optional(OnvifPatch),
  },
  { additionalProperties: false, minProperties: 1 },
);

const PublicSource = Type.Object({
  url: Type.Optional(Type.String({ description: 'RTSP URL without credentials' })),
  username: Type.Optional(Type.String()),
  deviceId: Type.Optional(Type.String()),
  channelId: Type.Optional(Type.String()),
  manufacturer: Type.Optional(Type.String()),
  model: Type.Optional(Type.String()),
  parentId: Type.Optional(Type.String()),
  civilCode: Type.Optional(Type.String()),
  address: Type.Optional(Type.String()),
  catalogStatus: Type.Optional(Type.String()),
  catalogName: Type.Optional(Type.String()),
  credentialsSet: Type.Boolean({ description: 'A password or push key is stored (never returned)' }),
});

const PublicSubSource = Type.Object({
  url: Type.String({ description: 'Sub-stream RTSP URL without credentials' }),
  username: Type.Optional(Type.String()),
  credentialsSet: Type.Boolean({ description: 'A password of its own is stored (never returned); without one the main source\'s credentials are used' }),
});

export const Channel = Type.Object({
  id: Id,
  kind: Type.Union([Type.Literal('rtsp'), Type.Literal('rtmp'), Type.Literal('gb28181')]),
  name: Name,
  source: PublicSource,
  subSource: Type.Optional(PublicSubSource),
  location: Type.Optional(Location),
  gridCode: Type.Optional(GridCode),
  tags: Tags,
  enabled: Type.Boolean(),
  mode: Type.Union([Type.Literal('always-on'), Type.Literal('on-demand')]),
  detectionProfile: Type.Union([Id, Type.Null()]),
  video: Type.Optional(VideoSettings),
  recording: Type.Optional(Type.Union([RecordingPolicy, Type.Null()])),
  gbCode: Type.Optional(Type.String({ description: 'GB/T 28181 code shared upward' })),
  ptzPresets: channelFields.ptzPresets,
  onvif: Type.Optional(OnvifBlock),
  status: DeviceStatus,
  ...Meta,
});
export type Channel = Static<typeof Channel>;
