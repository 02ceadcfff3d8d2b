// The gateway's configuration: one schema gives the type, the defaults check
// and the error messages (by path) at start-up.
import { Type, type Static } from '@sinclair/typebox';

const Port = Type.Integer({ minimum: 0, maximum: 65535, description: '0 picks a free port (tests)' });

const SeedList = Type.Array(Type.Object({}, { additionalProperties: true }));

export const GatewayConfig = Type.Object(
  {
    dataDir: Type.String({ minLength: 1 }),
    http: Type.Object(
      {
        host: Type.String({ minLength: 1 }),
        port: Port,
        bodyLimit: Type.Integer({ minimum: 1024, maximum: 64 * 1024 * 1024 }),
        trustProxy: Type.Boolean(),
      },
      { additionalProperties: false },
    ),
    log: Type.Object(
      { level: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l))) },
      { additionalProperties: false },
    ),
    auth: Type.Object(
      { adminKey: Type.Union([Type.String({ minLength: 24, 'x-message': 'must be at least 24 characters' }), Type.Null()]) },
      { additionalProperties: false },
    ),
    registry: Type.Object({ store: Type.Literal('sqlite') }, { additionalProperties: false }),
    seed: Type.Union([
      Type.Null(),
      Type.Object(
        {
          departments: Type.Optional(SeedList),
          grids: Type.Optional(SeedList),
          channels: Type.Optional(SeedList),
          sensors: Type.Optional(SeedList),
        },
        { additionalProperties: false },
      ),
    ]),
    shutdown: Type.Object({ graceMs: Type.Integer({ minimum: 0, maximum: 600000 }) }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);

export type GatewayConfig = Static<typeof GatewayConfig>;
