// Upper platforms (级联): where this gateway registers as a lower platform,
// what it shares with each and which incidents it sends up as alarms.
import { Type, type Static } from '@sinclair/typebox';
import { Severity } from '../../incidents/candidate.ts';

const Code20 = Type.String({ pattern: '^[0-9]{20}$', 'x-message': 'must be a 20-digit GB/T 28181 code' });
const Seconds = (min: number, max: number, dflt: number) => Type.Number({ minimum: min, maximum: max, default: dflt });
const Codes = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 10_000, uniqueItems: true });

export const ShareConfig = Type.Union([
  Type.Object({ all: Type.Literal(true) }, { additionalProperties: false }),
  Type.Object(
    {
      /** Grid cells, each with every cell below it. */
      grids: Type.Optional(Codes),
      tags: Type.Optional(Codes),
      /** Registry channel ids. */
      channels: Type.Optional(Codes),
    },
    { additionalProperties: false },
  ),
]);
export type ShareConfig = Static<typeof ShareConfig>;

export const AlarmFilterConfig = Type.Object(
  {
    types: Type.Optional(Codes),
    severities: Type.Optional(Type.Array(Severity, { uniqueItems: true })),
    grids: Type.Optional(Codes),
  },
  { additionalProperties: false },
);
export type AlarmFilterConfig = Static<typeof AlarmFilterConfig>;

export const UpperPlatformConfig = Type.Object(
  {
    /** The upper platform's 20-digit id (type 200). */
    id: Code20,
    /** Its SIP domain (the Request-URI's host part), usually the first 10 digits of its id. */
    domain: Type.String({ pattern: '^[0-9A-Za-z.-]{1,64}$', 'x-message': 'must be 1-64 letters, digits, . or -' }),
    address: Type.String({ minLength: 1, maxLength: 253 }),
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    transport: Type.Union([Type.Literal('udp'), Type.Literal('tcp')]),
    /** Digest password the upper platform knows us by (a secret: never logged or shown). */
    password: Type.String({ minLength: 1, maxLength: 64, writeOnly: true }),
    /** Expires we ask for; re-registered at about two thirds of what is granted. */
    registerSeconds: Type.Optional(Seconds(60, 86400, 3600)),
    keepaliveSeconds: Type.Optional(Seconds(1, 3600, 60)),
    /** Keepalives unanswered in a row before the link counts as lost and we register again. */
    keepaliveMissed: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 3 })),
    /** Longest pause between registration attempts after a failure. */
    maxBackoffSeconds: Type.Optional(Seconds(1, 3600, 300)),
    /** Catalog items per Response MESSAGE. */
    catalogPageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    share: ShareConfig,
    /** Incidents sent up as Alarm NOTIFYs; absent: none. */
    alarms: Type.Optional(AlarmFilterConfig),
  },
  { additionalProperties: false },
);
export type UpperPlatformConfig = Static<typeof UpperPlatformConfig>;

/** An upper platform with every default filled in. */
export interface UpperPlatform extends Omit<UpperPlatformConfig, 'registerSeconds' | 'keepaliveSeconds' | 'keepaliveMissed' | 'maxBackoffSeconds' | 'catalogPageSize'> {
  registerSeconds: number;
  keepaliveSeconds: number;
  keepaliveMissed: number;
  maxBackoffSeconds: number;
  catalogPageSize: number;
}

export function withDefaults(u: UpperPlatformConfig): UpperPlatform {
  return {
    ...u, registerSeconds: u.registerSeconds ?? 3600, keepaliveSeconds: u.keepaliveSeconds ?? 60, keepaliveMissed: u.keepaliveMissed ?? 3,
    maxBackoffSeconds: u.maxBackoffSeconds ?? 300, catalogPageSize: u.catalogPageSize ?? 20,
  };
}

/** Checks the schema cannot make: one entry per upper id, type code 200, not ourselves; each problem names its path. */
export function upperProblems(gb: { id: string; upper?: readonly UpperPlatformConfig[] }): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  (gb.upper ?? []).forEach((u, i) => {
    const at = `gb28181.upper[${i}]`;
    if (seen.has(u.id)) problems.push(`${at}.id: ${u.id} is configured twice`);
    seen.add(u.id);
    if (u.id === gb.id) problems.push(`${at}.id: is our own platform id (gb28181.id)`);
    if (u.id.slice(10, 13) !== '200') problems.push(`${at}.id: must be a platform code (type 200 in digits 11-13), got type ${u.id.slice(10, 13)}`);
  });
  return problems;
}
