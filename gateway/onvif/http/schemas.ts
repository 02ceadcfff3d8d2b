// Bodies and answers of the ONVIF routes (routes.ts).
import { Type } from '@sinclair/typebox';

const Host = Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9.:\\[\\]_-]+$', 'x-message': 'must be an IP address or host name' });
const Port = Type.Integer({ minimum: 1, maximum: 65535 });

export const CameraBody = {
  host: Host,
  port: Type.Optional(Port),
  username: Type.String({ maxLength: 128 }),
  password: Type.String({ maxLength: 128, writeOnly: true }),
};

export const InspectBody = Type.Object(CameraBody, { additionalProperties: false });

const Profile = Type.Object({
  token: Type.String(), name: Type.String(), encoding: Type.String(),
  width: Type.Optional(Type.Number()), height: Type.Optional(Type.Number()), fps: Type.Optional(Type.Number()), bitrateKbps: Type.Optional(Type.Number()),
  ptz: Type.Boolean(),
  streamUri: Type.Optional(Type.String({ description: 'Credentials in it are shown [REDACTED]' })),
  snapshotUri: Type.Optional(Type.String({ description: 'Credentials in it are shown [REDACTED]' })),
});

const Warning = Type.Object({ code: Type.String(), message: Type.String(), params: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]))) });

export const InspectAnswer = Type.Object({
  xaddr: Type.String({ description: 'The device service URL' }),
  facts: Type.Object({
    manufacturer: Type.String(), model: Type.String(), firmware: Type.String(), serial: Type.String(), hardwareId: Type.Optional(Type.String()),
    clockSkewMs: Type.Number({ description: 'The camera\'s clock minus the gateway\'s' }),
    clockSource: Type.Optional(Type.Union(['utc', 'local+tz', 'http-date', 'none'].map((s) => Type.Literal(s)), { description: 'How the skew was measured: UTCDateTime, LocalDateTime + TZ, the HTTP Date header, or not at all' })),
    capabilities: Type.Object({ ptz: Type.Boolean(), events: Type.Boolean() }),
    profiles: Type.Array(Profile),
  }),
  main: Type.String({ description: 'The profile that would feed the channel\'s source' }),
  sub: Type.Optional(Type.String({ description: 'The profile that would feed its subSource (none with a single profile)' })),
  warnings: Type.Array(Warning),
  registered: Type.Union([Type.String(), Type.Null()], { description: 'The channel already added from this camera (in the caller\'s scope), or null' }),
});

export const CreateBody = Type.Object(
  {
    ...CameraBody,
    id: Type.Optional(Type.String()),
    name: Type.String(),
    gridCode: Type.Optional(Type.String()),
    tags: Type.Optional(Type.Array(Type.String())),
    location: Type.Optional(Type.Object({}, { additionalProperties: true })),
    enabled: Type.Optional(Type.Boolean()),
    mode: Type.Optional(Type.String()),
    detectionProfile: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    video: Type.Optional(Type.Object({}, { additionalProperties: true })),
    recording: Type.Optional(Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()])),
    events: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'onvif.events: the event types that raise incidents' })),
  },
  { additionalProperties: false, description: 'The camera, then the channel fields of POST /api/channels (checked by its schema)' },
);

export const DiscoverBody = Type.Object(
  { timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 30000, description: 'How long answers are collected (default from config)' })) },
  { additionalProperties: false },
);

export const DiscoverAnswer = Type.Object({
  devices: Type.Array(Type.Object({
    endpoint: Type.String(), address: Type.String(), xaddrs: Type.Array(Type.String()), scopes: Type.Array(Type.String()),
    host: Type.Optional(Type.String()), port: Type.Optional(Type.Integer()),
    name: Type.Optional(Type.String()), hardware: Type.Optional(Type.String()), manufacturer: Type.Optional(Type.String()), location: Type.Optional(Type.String()),
    registered: Type.Union([Type.String(), Type.Null()], { description: 'The channel added from this device (in the caller\'s scope), or null' }),
  })),
  tookMs: Type.Integer(),
});
