// GB/T 28181 device (an IPC, DVR or NVR that registers with our SIP server).
// Its channels are camera channels of kind gb28181, created by catalog sync.
// The SIP digest needs the password itself, so it is stored (write-only).
import { Type, type Static } from '@sinclair/typebox';
import { Code20, DeviceStatus, GridCode, Location, Meta, Name, Tags } from './common.ts';

const Transport = Type.Union([Type.Literal('udp'), Type.Literal('tcp')]);

/** What the device told us about itself (DeviceInfo), kept for engineers. */
export const GbDeviceInfo = Type.Object({
  manufacturer: Type.Optional(Type.String({ maxLength: 256 })),
  model: Type.Optional(Type.String({ maxLength: 256 })),
  firmware: Type.Optional(Type.String({ maxLength: 256 })),
  channelCount: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
});

const deviceFields = {
  name: Name,
  password: Type.Optional(
    Type.String({ minLength: 1, maxLength: 64, writeOnly: true, description: 'SIP digest password; the global gb28181.password when absent' }),
  ),
  gridCode: Type.Optional(GridCode),
  location: Type.Optional(Location),
  tags: Type.Optional(Tags),
  enabled: Type.Optional(Type.Boolean({ default: true, description: 'A disabled device is refused at REGISTER' })),
  mediaTransport: Type.Optional(Type.Union([Type.Literal('udp'), Type.Literal('tcp')], { description: 'RTP over udp (default) or tcp (the device connects to us)' })),
  charset: Type.Optional(Type.Union([Type.Literal('UTF-8'), Type.Literal('GB2312')], { description: 'Encoding of the XML bodies we send it' })),
  info: Type.Optional(Type.Object(GbDeviceInfo.properties, { additionalProperties: false, description: "Filled in from the device's DeviceInfo answer" })),
};

export const GbDeviceInput = Type.Object({ id: Code20, ...deviceFields }, { additionalProperties: false });
export type GbDeviceInput = Static<typeof GbDeviceInput>;

export const GbDevicePatch = Type.Object(
  {
    ...Type.Partial(Type.Object(deviceFields)).properties,
    gridCode: Type.Optional(Type.Union([GridCode, Type.Null()])),
    location: Type.Optional(Type.Union([Location, Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const GbDevice = Type.Object({
  id: Code20,
  name: Name,
  passwordSet: Type.Boolean({ description: 'A per-device password is stored (never returned)' }),
  gridCode: Type.Optional(GridCode),
  location: Type.Optional(Location),
  tags: Tags,
  enabled: Type.Boolean(),
  mediaTransport: Transport,
  charset: Type.Union([Type.Literal('UTF-8'), Type.Literal('GB2312')]),
  info: Type.Optional(GbDeviceInfo),
  status: DeviceStatus,
  ...Meta,
});
export type GbDevice = Static<typeof GbDevice>;
