// The GB28181 room's configuration section: our SIP server's identity and
// listeners, how devices are admitted, and the media (RTP) side.
import { Type, type Static } from '@sinclair/typebox';
import { UpperPlatformConfig } from './cascade/config.ts';

const Port = Type.Integer({ minimum: 0, maximum: 65535, description: '0 picks a free port (tests)' });
const Seconds = (min: number, max: number) => Type.Number({ minimum: min, maximum: max });

export const Gb28181Config = Type.Object(
  {
    enabled: Type.Boolean(),
    /** Our platform's 20-digit id (type code 200: central signalling server). */
    id: Type.String({ pattern: '^[0-9]{20}$', 'x-message': 'must be a 20-digit GB/T 28181 code' }),
    /** SIP domain / digest realm, usually the first 10 digits of the id. */
    domain: Type.String({ pattern: '^[0-9A-Za-z.-]{1,64}$', 'x-message': 'must be 1-64 letters, digits, . or -' }),
    host: Type.String({ minLength: 1 }),
    port: Port,
    transports: Type.Array(Type.Union([Type.Literal('udp'), Type.Literal('tcp')]), { minItems: 1, uniqueItems: true }),
    /** The address devices reach us at, put in Contact and SDP; null = this host's first LAN IPv4. */
    announceAddress: Type.Union([Type.String({ minLength: 1 }), Type.Null()]),
    /**
     * SIP proxies in front of the nodes (Kamailio, docker/kamailio): a request
     * from one of these addresses is a device's request relayed. Its REGISTER's
     * Path is the route back to the device, and the device's own address is
     * read from the Via below the proxy's. Empty: devices reach this node directly.
     */
    edgeProxies: Type.Array(Type.String({ minLength: 1 }), { uniqueItems: true }),
    /** Digest password for devices that have none of their own; null = such devices are refused. */
    password: Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()]),
    /** A device not in the registry: refuse it (403) or create it (and then authenticate with the global password). */
    unknownDevices: Type.Union([Type.Literal('refuse'), Type.Literal('create')]),
    register: Type.Object(
      {
        /** Expires a device asks for is clamped to this range. */
        minExpiresSeconds: Seconds(30, 86400),
        maxExpiresSeconds: Seconds(60, 7 * 86400),
        /** REGISTERs per second allowed from one address (bucket refill) and the burst size. */
        ratePerSecond: Seconds(0.1, 10000),
        burst: Type.Integer({ minimum: 1, maximum: 100000 }),
        nonceTtlSeconds: Seconds(10, 3600),
      },
      { additionalProperties: false },
    ),
    keepalive: Type.Object(
      {
        /** The interval devices are configured with (GB/T 28181 default 60 s). */
        intervalSeconds: Seconds(1, 3600),
        /** Offline after this many intervals without a keepalive. */
        missed: Type.Integer({ minimum: 1, maximum: 100 }),
      },
      { additionalProperties: false },
    ),
    /** Upper platforms this gateway registers with as a lower platform (级联, gateway/gb28181/cascade); absent: none. */
    upper: Type.Optional(Type.Array(UpperPlatformConfig, { maxItems: 32 })),
    /** The 8-digit civil code of channel codes we assign (RTSP, RTMP); null or absent: the first 8 digits of `id`. */
    civilCode: Type.Optional(Type.Union([Type.String({ pattern: '^[0-9]{8}$', 'x-message': 'must be an 8-digit civil code' }), Type.Null()])),
    /** Subscriptions to every registered device (§9.11): its catalog changes, alarms and positions; absent: all three, 3600 s, 5 s. */
    subscribe: Type.Optional(Type.Object(
      {
        kinds: Type.Array(Type.Union([Type.Literal('Catalog'), Type.Literal('Alarm'), Type.Literal('MobilePosition')]), { uniqueItems: true }),
        /** Asked for in each SUBSCRIBE; refreshed at two thirds of what the device grants. */
        expiresSeconds: Seconds(10, 86400),
        /** How often a moving device is asked to report its position. */
        positionIntervalSeconds: Seconds(1, 3600),
      },
      { additionalProperties: false },
    )),
    /** Ask for the catalog (and DeviceInfo) whenever a device registers afresh. */
    catalogOnRegister: Type.Boolean(),
    /** How long to wait for a device's answer to a query, and for all catalog messages. */
    queryTimeoutSeconds: Seconds(1, 300),
    inviteTimeoutSeconds: Seconds(1, 120),
    media: Type.Object(
      {
        /** RTP receive ports (one per live session); 0 and 0 = any free port. */
        portMin: Port,
        portMax: Port,
        /** A session that receives no RTP this long is ended (and the ingest restarts it). */
        rtpTimeoutSeconds: Seconds(1, 300),
        /** Packets held to put reordered RTP back in sequence. */
        reorderWindow: Type.Integer({ minimum: 1, maximum: 1024 }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type Gb28181Config = Static<typeof Gb28181Config>;
