// The gateway's configuration: one schema gives the type, the defaults check
// and the error messages (by path) at start-up.
import { Type, type Static } from '@sinclair/typebox';
import { OidcConfig } from '../../device-registry/auth/oidc/index.ts';
import { AdminPasswordConfig, LockoutConfigSchema, SessionConfigSchema } from '../../device-registry/auth/accounts-config.ts';
import { ClusterConfig, StoreConfig } from '../cluster/config.ts';
import { DetectionConfig } from '../detection/config.ts';
import { EvidenceConfig } from '../evidence/config.ts';
import { Gb28181Config } from '../gb28181/config.ts';
import { IncidentsConfig } from '../incidents/config.ts';
import { MapConfig, WallConfig } from '../map/config.ts';
import { OnvifConfig } from '../onvif/config.ts';
import { RecordingConfig } from '../recording/config.ts';
import { SensorsConfig } from '../sensors/config.ts';
import { VideoQualityConfig } from '../video/quality/config.ts';

const Port = Type.Integer({ minimum: 0, maximum: 65535, description: '0 picks a free port (tests)' });

const SeedList = Type.Array(Type.Object({}, { additionalProperties: true }));

const Seconds = (min: number, max: number) => Type.Number({ minimum: min, maximum: max });

export const VideoConfig = Type.Object(
  {
    enabled: Type.Boolean(),
    hls: Type.Object({ segmentSeconds: Seconds(0.5, 10), listSize: Type.Integer({ minimum: 3, maximum: 30 }) }, { additionalProperties: false }),
    watchdogSeconds: Seconds(2, 300),
    ioTimeoutSeconds: Seconds(1, 120),
    startStaggerMs: Type.Integer({ minimum: 0, maximum: 10000 }),
    onDemandIdleSeconds: Seconds(5, 3600),
    tap: Type.Object({ fps: Seconds(0.2, 30), width: Type.Integer({ minimum: 64, maximum: 3840 }) }, { additionalProperties: false }),
    backoff: Type.Object({ initialMs: Type.Integer({ minimum: 100 }), maxMs: Type.Integer({ minimum: 100 }) }, { additionalProperties: false }),
    rtmp: Type.Object(
      { enabled: Type.Boolean(), host: Type.String({ minLength: 1 }), port: Port, flvHttpPort: Port },
      { additionalProperties: false },
    ),
    mediaTokenTtlSeconds: Type.Integer({ minimum: 60, maximum: 7 * 86400 }),
  },
  { additionalProperties: false },
);
export type VideoConfig = Static<typeof VideoConfig>;

export const GatewayConfig = Type.Object(
  {
    dataDir: Type.String({ minLength: 1 }),
    http: Type.Object(
      {
        host: Type.String({ minLength: 1 }),
        port: Port,
        bodyLimit: Type.Integer({ minimum: 1024, maximum: 64 * 1024 * 1024 }),
        trustProxy: Type.Boolean(),
        wallDir: Type.Union([Type.String({ minLength: 1 }), Type.Null()], { description: 'The built web wall; null for web-wall/dist' }),
      },
      { additionalProperties: false },
    ),
    log: Type.Object(
      { level: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l))) },
      { additionalProperties: false },
    ),
    auth: Type.Object(
      {
        adminKey: Type.Union([Type.String({ minLength: 24, 'x-message': 'must be at least 24 characters' }), Type.Null()]),
        urlTokenTtlSeconds: Type.Integer({ minimum: 30, maximum: 86400, description: 'Lifetime of the ?access_token= URL tokens (event stream, snapshots)' }),
        adminPassword: AdminPasswordConfig,
        session: SessionConfigSchema,
        lockout: LockoutConfigSchema,
        /** Single sign-on through the city's OpenID Connect provider. */
        oidc: OidcConfig,
      },
      { additionalProperties: false },
    ),
    store: StoreConfig,
    cluster: ClusterConfig,
    seed: Type.Union([
      Type.Null(),
      Type.Object(
        {
          departments: Type.Optional(SeedList),
          grids: Type.Optional(SeedList),
          channels: Type.Optional(SeedList),
          sensors: Type.Optional(SeedList),
          gbDevices: Type.Optional(SeedList),
        },
        { additionalProperties: false },
      ),
    ]),
    shutdown: Type.Object({ graceMs: Type.Integer({ minimum: 0, maximum: 600000 }) }, { additionalProperties: false }),
    video: VideoConfig,
    videoQuality: VideoQualityConfig,
    incidents: IncidentsConfig,
    detection: DetectionConfig,
    evidence: EvidenceConfig,
    recording: RecordingConfig,
    sensors: SensorsConfig,
    gb28181: Gb28181Config,
    onvif: OnvifConfig,
    map: MapConfig,
    wall: WallConfig,
  },
  { additionalProperties: false },
);

export type GatewayConfig = Static<typeof GatewayConfig>;
