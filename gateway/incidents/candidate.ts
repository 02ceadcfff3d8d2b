// What every producer hands to the incident door: detectors, sensor rules,
// GB28181 alarms, device health and manual reports. Validated at the door, so
// a malformed candidate from any producer is refused with a reason.
import { Type, type Static } from '@sinclair/typebox';
import { EpochMs, jsonBounds, type TimeWindow } from '../../device-registry/index.ts';

/** onvif: a camera's own analytics (motion, tamper, line crossing …) over ONVIF events. */
export const SOURCE_KINDS = ['detector', 'sensor', 'gb28181', 'onvif', 'channel-health', 'sensor-health', 'manual'] as const;

/**
 * When an incident's times may lie: up to 30 days back (a late report, an
 * alarm held in an outbox through an outage), up to 5 minutes ahead (clock
 * skew), as sensor readings are bounded. A year-3000 report is refused.
 */
export const INCIDENT_TIME_WINDOW: TimeWindow = { pastMs: 30 * 86_400_000, futureMs: 5 * 60_000 };
const IncidentTime = (description: string) => EpochMs(INCIDENT_TIME_WINDOW, { description });

/** Evidence is stored with the incident and sent to every client: bounded in depth and size. */
export const EVIDENCE_BOUNDS = { maxDepth: 16, maxBytes: 128 * 1024 };

export const Severity = Type.Union([Type.Literal('critical'), Type.Literal('major'), Type.Literal('minor'), Type.Literal('warning')]);
export type Severity = Static<typeof Severity>;

export const Reading = Type.Object(
  { ts: IncidentTime('When the reading was taken'), metric: Type.String({ maxLength: 64 }), value: Type.Number(), unit: Type.Optional(Type.String({ maxLength: 16 })) },
  { additionalProperties: false },
);

export const Detection = Type.Object(
  {
    label: Type.String({ maxLength: 64 }),
    score: Type.Number({ minimum: 0, maximum: 1 }),
    box: Type.Tuple([Type.Number(), Type.Number(), Type.Number(), Type.Number()], { description: '[x, y, w, h] in source pixels' }),
    trackId: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);

/** A message by its code in the catalogue, for clients that say it in their language. */
const CodedMessage = Type.Object(
  { code: Type.String({ maxLength: 64 }), params: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String({ maxLength: 256 }), Type.Number()]))) },
  { additionalProperties: false },
);

export const IncidentCandidate = Type.Object(
  {
    source: Type.Object(
      { kind: Type.Union(SOURCE_KINDS.map((k) => Type.Literal(k))), id: Type.String({ minLength: 1, maxLength: 128 }) },
      { additionalProperties: false },
    ),
    /** e.g. intrusion, gas_leak, water_level_high, sensor_offline, camera_offline, gb28181_alarm */
    type: Type.String({ pattern: '^[a-z][a-z0-9_]{1,63}$' }),
    category: Type.Optional(Type.String({ maxLength: 64 })),
    severity: Severity,
    title: Type.Optional(Type.String({ maxLength: 256 })),
    description: Type.Optional(Type.String({ maxLength: 4000 })),
    occurredAt: IncidentTime('When the condition was observed'),
    location: Type.Optional(Type.Object({ lat: Type.Number({ minimum: -90, maximum: 90 }), lng: Type.Number({ minimum: -180, maximum: 180 }) }, { additionalProperties: false })),
    /** Set when the producer knows the cell; otherwise the door places the location. */
    gridCode: Type.Optional(Type.String({ maxLength: 32 })),
    evidence: Type.Optional(
      Type.Object(
        {
          snapshots: Type.Optional(Type.Array(Type.String({ maxLength: 2048 }), { maxItems: 20 })),
          detections: Type.Optional(Type.Array(Detection, { maxItems: 100 })),
          frameSize: Type.Optional(Type.Tuple([Type.Integer({ minimum: 1, maximum: 65535 }), Type.Integer({ minimum: 1, maximum: 65535 })])),
          frameTs: Type.Optional(IncidentTime('Capture time of the frame the detections were made on')),
          readings: Type.Optional(Type.Array(Reading, { maxItems: 1000 })),
          model: Type.Optional(Type.Object({ name: Type.String({ maxLength: 128 }), sha256: Type.String({ maxLength: 64 }) }, { additionalProperties: false })),
          rule: Type.Optional(Type.String({ maxLength: 128 })),
          /** The title's and the rule's codes and params in the message catalogue (device-registry/messages.ts; title-message.ts). */
          titleMessage: Type.Optional(CodedMessage),
          ruleMessage: Type.Optional(CodedMessage),
        },
        {
          additionalProperties: true, maxProperties: 32, ...jsonBounds(EVIDENCE_BOUNDS),
          description: `Known fields and any others a producer adds: at most ${EVIDENCE_BOUNDS.maxDepth} levels deep and ${EVIDENCE_BOUNDS.maxBytes / 1024} KiB as JSON`,
        },
      ),
    ),
    /** Defaults to `${source.kind}:${source.id}:${type}`. */
    dedupeKey: Type.Optional(Type.String({ maxLength: 256 })),
    /** The condition ended (a sensor back to normal): recorded on the open incident, never opens one. */
    clear: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type IncidentCandidate = Static<typeof IncidentCandidate>;

/**
 * How producers reach the door (detectors and sensors are given this, not the whole incident room).
 * `candidateId`: a queue's message id; raising the same one again changes nothing.
 */
export type RaiseIncident = (candidate: IncidentCandidate, opts?: { candidateId?: string }) => Promise<unknown>;
