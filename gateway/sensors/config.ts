// The `sensors:` config section: one TypeBox schema gives the type and the
// start-up check; SENSORS_DEFAULTS holds every default (README.md has the same
// values as YAML, and a test keeps the two equal).
import { Type, type Static } from '@sinclair/typebox';
import { Severity } from '../incidents/candidate.ts';
import { RuleOverride } from '../../device-registry/index.ts';

const Port = Type.Integer({ minimum: 0, maximum: 65535, description: '0 picks a free port (tests)' });
const Path = Type.Union([Type.String({ minLength: 1 }), Type.Null()]);
const Text = Type.Union([Type.String({ minLength: 1 }), Type.Null()]);
const Backoff = Type.Object({ initialMs: Type.Integer({ minimum: 10 }), maxMs: Type.Integer({ minimum: 10 }) }, { additionalProperties: false });
const MetricName = Type.String({ pattern: '^[a-z][a-z0-9_]{0,31}$' });
const IncidentType = Type.String({ pattern: '^[a-z][a-z0-9_]{1,63}$' });

/** A kind's default rule for one metric; a sensor's `rules` override it field by field. */
export const KindRule = Type.Object(
  {
    ...RuleOverride.properties,
    /** Incident types; default `<kind>_high`, `<kind>_low`, `<kind>_rising` (rate: a rise), `<kind>_falling` (fall). */
    types: Type.Optional(
      Type.Object({ above: Type.Optional(IncidentType), below: Type.Optional(IncidentType), rate: Type.Optional(IncidentType), fall: Type.Optional(IncidentType) }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false },
);
export type KindRule = Static<typeof KindRule>;

/** Physically possible range and unit of a metric; values outside are refused as impossible. */
export const MetricSpec = Type.Object(
  { unit: Text, min: Type.Union([Type.Number(), Type.Null()]), max: Type.Union([Type.Number(), Type.Null()]) },
  { additionalProperties: false },
);

/** Where a vendor's JSON keeps the timestamp and the values (dotted paths). */
export const PayloadMapping = Type.Object(
  {
    ts: Text,
    tsUnit: Type.Union([Type.Literal('auto'), Type.Literal('ms'), Type.Literal('s'), Type.Literal('iso')]),
    metrics: Type.Record(MetricName, Type.String({ minLength: 1, maxLength: 128 }), { additionalProperties: false }),
  },
  { additionalProperties: false },
);
export type PayloadMapping = Static<typeof PayloadMapping>;

export const KindConfig = Type.Object(
  {
    /** The metric of the short form {"value": 12.5}. */
    defaultMetric: MetricName,
    metrics: Type.Record(MetricName, MetricSpec, { additionalProperties: false }),
    rules: Type.Record(MetricName, KindRule, { additionalProperties: false }),
    mapping: Type.Union([PayloadMapping, Type.Null()]),
  },
  { additionalProperties: false },
);
export type KindConfig = Static<typeof KindConfig>;

export const SensorsConfig = Type.Object(
  {
    enabled: Type.Boolean(),
    broker: Type.Object(
      {
        enabled: Type.Boolean(),
        host: Type.String({ minLength: 1 }),
        port: Port,
        websocket: Type.Object({ enabled: Type.Boolean(), path: Type.String({ pattern: '^/' }) }, { additionalProperties: false }),
        tls: Type.Object({ cert: Path, key: Path, port: Port }, { additionalProperties: false }),
        limits: Type.Object(
          {
            maxPayloadBytes: Type.Integer({ minimum: 64, maximum: 268435455 }),
            maxConnections: Type.Integer({ minimum: 1 }),
            messagesPerSecond: Type.Number({ exclusiveMinimum: 0 }),
            burst: Type.Integer({ minimum: 1 }),
          },
          { additionalProperties: false },
        ),
        authCacheSeconds: Type.Integer({ minimum: 0, maximum: 86400 }),
        /** Wall clients log in with this username and an API key as the password. */
        wallUsername: Type.String({ minLength: 1 }),
        connectTimeoutMs: Type.Integer({ minimum: 100 }),
        drainTimeoutMs: Type.Integer({ minimum: 100 }),
      },
      { additionalProperties: false },
    ),
    bridge: Type.Object(
      {
        enabled: Type.Boolean(),
        url: Text,
        username: Text,
        password: Text,
        clientId: Text,
        /** Shared-subscription group ($share/<group>/…) so several gateways split the load; null subscribes plainly. */
        group: Type.Union([Type.String({ pattern: '^[^/#+]{1,64}$' }), Type.Null()]),
        topics: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
        qos: Type.Union([Type.Literal(0), Type.Literal(1)]),
        /** Copy bridged messages into the embedded broker, so wall clients see one place. */
        republish: Type.Boolean(),
        backoff: Backoff,
      },
      { additionalProperties: false },
    ),
    ingest: Type.Object(
      {
        maxReadingsPerMessage: Type.Integer({ minimum: 1, maximum: 1000 }),
        futureSkewSeconds: Type.Integer({ minimum: 0 }),
        maxAgeDays: Type.Number({ exclusiveMinimum: 0 }),
        /** Readings older than this on arrival (a device's backlog) are stored but not evaluated by rules. */
        lateSeconds: Type.Integer({ minimum: 1 }),
      },
      { additionalProperties: false },
    ),
    series: Type.Object(
      {
        sink: Type.Union([Type.Literal('sqlite'), Type.Literal('influx')]),
        sqlite: Type.Object(
          {
            file: Type.String({ minLength: 1 }),
            retentionDays: Type.Number({ exclusiveMinimum: 0 }),
            rollupRetentionDays: Type.Number({ exclusiveMinimum: 0 }),
            batchMaxRows: Type.Integer({ minimum: 1 }),
          },
          { additionalProperties: false },
        ),
        influx: Type.Object(
          {
            url: Text,
            token: Text,
            org: Text,
            bucket: Text,
            db: Text,
            retentionPolicy: Text,
            measurement: Type.String({ minLength: 1 }),
            batchLines: Type.Integer({ minimum: 1 }),
            flushMs: Type.Integer({ minimum: 10 }),
            maxBufferLines: Type.Integer({ minimum: 1 }),
            timeoutMs: Type.Integer({ minimum: 100 }),
            backoff: Backoff,
          },
          { additionalProperties: false },
        ),
      },
      { additionalProperties: false },
    ),
    rules: Type.Object(
      {
        staleSeconds: Type.Integer({ minimum: 1 }),
        offlineSeverity: Severity,
        tickMs: Type.Integer({ minimum: 10, maximum: 10000 }),
        evidenceReadings: Type.Integer({ minimum: 1, maximum: 1000 }),
        rateWindowSeconds: Type.Integer({ minimum: 1 }),
      },
      { additionalProperties: false },
    ),
    alarms: Type.Object({ retry: Backoff }, { additionalProperties: false }),
    kinds: Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]{1,31}$' }), KindConfig, { additionalProperties: false }),
  },
  { additionalProperties: false },
);
export type SensorsConfig = Static<typeof SensorsConfig>;

const range = (unit: string | null, min: number | null, max: number | null) => ({ unit, min, max });

export const SENSORS_DEFAULTS: SensorsConfig = {
  enabled: true,
  broker: {
    enabled: true,
    host: '0.0.0.0',
    port: 1883,
    websocket: { enabled: true, path: '/mqtt' },
    tls: { cert: null, key: null, port: 8883 },
    limits: { maxPayloadBytes: 16384, maxConnections: 10000, messagesPerSecond: 50, burst: 100 },
    authCacheSeconds: 300,
    wallUsername: 'apikey',
    connectTimeoutMs: 10000,
    drainTimeoutMs: 10000,
  },
  bridge: {
    enabled: false,
    url: null,
    username: null,
    password: null,
    clientId: null,
    group: 'city-gateway',
    topics: ['sensors/+/telemetry', 'sensors/+/availability'],
    qos: 1,
    republish: true,
    backoff: { initialMs: 1000, maxMs: 30000 },
  },
  ingest: { maxReadingsPerMessage: 64, futureSkewSeconds: 300, maxAgeDays: 7, lateSeconds: 300 },
  series: {
    sink: 'sqlite',
    sqlite: { file: 'sensor-series.db', retentionDays: 30, rollupRetentionDays: 400, batchMaxRows: 5000 },
    influx: {
      url: null, token: null, org: null, bucket: null, db: null, retentionPolicy: null, measurement: 'sensor',
      batchLines: 5000, flushMs: 1000, maxBufferLines: 100000, timeoutMs: 10000, backoff: { initialMs: 1000, maxMs: 30000 },
    },
  },
  rules: { staleSeconds: 300, offlineSeverity: 'minor', tickMs: 250, evidenceReadings: 20, rateWindowSeconds: 60 },
  alarms: { retry: { initialMs: 1000, maxMs: 60000 } },
  kinds: {
    gas: {
      defaultMetric: 'ch4',
      metrics: { ch4: range('%LEL', 0, 100), co: range('ppm', 0, 5000), h2s: range('ppm', 0, 1000), o2: range('%VOL', 0, 30), battery: range('%', 0, 100) },
      rules: { ch4: { above: 20, recover: 10, forSeconds: 5, severity: 'critical', types: { above: 'gas_leak' } }, co: { above: 50, recover: 30, forSeconds: 10, severity: 'major', types: { above: 'gas_leak' } } },
      mapping: null,
    },
    water_level: {
      defaultMetric: 'level',
      metrics: { level: range('m', -20, 200), battery: range('%', 0, 100) },
      rules: { level: { ratePerMinute: 0.5, severity: 'major', types: { above: 'water_level_high', below: 'water_level_low', rate: 'water_level_rising' } } },
      mapping: null,
    },
    smoke: {
      defaultMetric: 'smoke',
      metrics: { smoke: range(null, 0, 1), obscuration: range('%/m', 0, 100), battery: range('%', 0, 100) },
      rules: { smoke: { above: 0.5, recover: 0.5, forSeconds: 0, severity: 'critical', types: { above: 'smoke_alarm' } } },
      mapping: null,
    },
    temperature: {
      defaultMetric: 'temp',
      metrics: { temp: range('Cel', -60, 200), battery: range('%', 0, 100) },
      rules: { temp: { above: 60, recover: 50, forSeconds: 30, ratePerMinute: 10, severity: 'major', types: { above: 'temperature_high', below: 'temperature_low', rate: 'temperature_rising' } } },
      mapping: null,
    },
    humidity: {
      defaultMetric: 'rh',
      metrics: { rh: range('%RH', 0, 100), temp: range('Cel', -60, 200), battery: range('%', 0, 100) },
      rules: {},
      mapping: null,
    },
    manhole: {
      defaultMetric: 'tilt',
      metrics: { tilt: range('deg', 0, 180), open: range(null, 0, 1), battery: range('%', 0, 100) },
      rules: {
        tilt: { above: 15, recover: 5, forSeconds: 0, severity: 'major', types: { above: 'manhole_open' } },
        open: { above: 0.5, recover: 0.5, forSeconds: 0, severity: 'major', types: { above: 'manhole_open' } },
      },
      mapping: null,
    },
  },
};
