// Sensor: an MQTT device (gas, water level, smoke, manhole cover…) with its own
// credentials and topic. The password is hashed at once and never returned.
import { Type, type Static } from '@sinclair/typebox';
import { DeviceStatus, GridCode, Id, Location, Meta, Name, Severity, Tags } from './common.ts';

const say = (message: string) => ({ 'x-message': message });

export const KNOWN_SENSOR_KINDS = ['gas', 'water_level', 'smoke', 'temperature', 'humidity', 'manhole'] as const;

export const SensorKind = Type.String({
  pattern: '^[a-z][a-z0-9_]{1,31}$',
  description: `Known kinds: ${KNOWN_SENSOR_KINDS.join(', ')}; others may be added (lower_snake_case)`,
  ...say('must be lower_snake_case, 2-32 characters'),
});

// MQTT identifiers: printable, no wildcard or topic separators in ids.
const MqttId = Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,64}$', ...say('must be 1-64 letters, digits, _ . : -') });
export const Topic = Type.String({
  pattern: '^[^#+\\u0000]{1,256}$',
  ...say('must be an MQTT topic without wildcards (+ #), up to 256 characters'),
});

/** Per-sensor override of a kind's default rule (the sensor issue evaluates them). */
export const RuleOverride = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    above: Type.Optional(Type.Number()),
    below: Type.Optional(Type.Number()),
    recover: Type.Optional(Type.Number({ description: 'Recovery threshold (hysteresis)' })),
    forSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 86400 })),
    ratePerMinute: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Alarm on a rise faster than this per minute (a fall never raises it)' })),
    fallPerMinute: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Alarm on a fall faster than this per minute (its own incident type, <kind>_falling by default)' })),
    staleSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 604800 })),
    severity: Type.Optional(Severity),
  },
  { additionalProperties: false },
);

const RuleOverrides = Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]{0,31}$' }), RuleOverride, {
  description: 'Keyed by metric name (e.g. ch4, level)',
  maxProperties: 32,
});

const MqttInput = Type.Object(
  {
    clientId: MqttId,
    username: MqttId,
    password: Type.Optional(Type.String({ minLength: 8, maxLength: 128, writeOnly: true, ...say('must be 8-128 characters') })),
  },
  { additionalProperties: false },
);

const sensorFields = {
  name: Name,
  kind: SensorKind,
  mqtt: MqttInput,
  topic: Type.Optional(Topic),
  unit: Type.Optional(Type.String({ maxLength: 16 })),
  location: Type.Optional(Location),
  gridCode: Type.Optional(GridCode),
  tags: Type.Optional(Tags),
  enabled: Type.Optional(Type.Boolean()),
  rules: Type.Optional(RuleOverrides),
};

export const SensorInput = Type.Object({ id: Type.Optional(Id), ...sensorFields }, { additionalProperties: false });
export type SensorInput = Static<typeof SensorInput>;

export const SensorPatch = Type.Object(
  {
    ...Type.Partial(Type.Object(sensorFields)).properties,
    mqtt: Type.Optional(Type.Partial(MqttInput, { additionalProperties: false })),
    location: Type.Optional(Type.Union([Location, Type.Null()])),
    gridCode: Type.Optional(Type.Union([GridCode, Type.Null()])),
    unit: Type.Optional(Type.Union([Type.String({ maxLength: 16 }), Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const Sensor = Type.Object({
  id: Id,
  name: Name,
  kind: SensorKind,
  mqtt: Type.Object({ clientId: Type.String(), username: Type.String(), passwordSet: Type.Boolean() }),
  topic: Topic,
  unit: Type.Optional(Type.String()),
  location: Type.Optional(Location),
  gridCode: Type.Optional(GridCode),
  tags: Tags,
  enabled: Type.Boolean(),
  rules: RuleOverrides,
  status: DeviceStatus,
  ...Meta,
});
export type Sensor = Static<typeof Sensor>;
