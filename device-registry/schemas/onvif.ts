// The ONVIF block of an RTSP channel added from an ONVIF camera: where its
// device service is, which profiles feed `source` (main) and `subSource`
// (sub), what the camera said about itself (facts, written by the gateway on
// add and refresh) and which camera events raise incidents. Credentials are
// the channel's source credentials: no secret lives here.
import { Type, type Static } from '@sinclair/typebox';

const Text = (maxLength: number) => Type.String({ maxLength });
const Token = Type.String({ minLength: 1, maxLength: 64 });
const ServiceUrl = Type.String({ pattern: '^https?://', maxLength: 2048, 'x-message': 'must be an http:// or https:// URL' });

export const OnvifEventType = Type.Union([
  Type.Literal('camera_motion'), Type.Literal('camera_tamper'), Type.Literal('line_crossing'), Type.Literal('field_detection'),
]);
export type OnvifEventType = Static<typeof OnvifEventType>;

export const OnvifProfileFacts = Type.Object(
  {
    token: Token,
    name: Text(128),
    encoding: Text(32),
    width: Type.Optional(Type.Integer({ minimum: 0, maximum: 16384 })),
    height: Type.Optional(Type.Integer({ minimum: 0, maximum: 16384 })),
    fps: Type.Optional(Type.Number({ minimum: 0, maximum: 1000 })),
    bitrateKbps: Type.Optional(Type.Number({ minimum: 0, maximum: 1e7 })),
    ptz: Type.Boolean(),
  },
  { additionalProperties: false },
);

/** What the camera said about itself when it was last read (GetDeviceInformation, GetCapabilities/GetServices, GetProfiles). */
export const OnvifFactsBlock = Type.Object(
  {
    manufacturer: Text(256),
    model: Text(256),
    firmware: Text(256),
    serial: Text(256),
    hardwareId: Type.Optional(Text(256)),
    clockSkewMs: Type.Number({ description: 'The camera\'s clock minus the gateway\'s when last read' }),
    capabilities: Type.Object({ ptz: Type.Boolean(), events: Type.Boolean() }, { additionalProperties: false }),
    profiles: Type.Array(OnvifProfileFacts, { maxItems: 32, description: 'Main first' }),
    readAt: Type.String({ format: 'date-time', description: 'When the gateway read them' }),
  },
  { additionalProperties: false },
);
export type OnvifFactsBlock = Static<typeof OnvifFactsBlock>;

export const OnvifEventSwitches = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean({ description: 'Subscribe to the camera\'s events at all (default true when it has events)' })),
    types: Type.Optional(Type.Array(OnvifEventType, { uniqueItems: true, maxItems: 4, description: 'The event types that raise incidents (default: onvif.events.defaultTypes in the configuration, tamper, line crossing and field detection; motion off)' })),
  },
  { additionalProperties: false },
);

export const OnvifBlock = Type.Object(
  {
    xaddr: ServiceUrl,
    profiles: Type.Object(
      { main: Token, sub: Type.Optional(Token) },
      { additionalProperties: false, description: 'The profile tokens whose stream URIs are source (main) and subSource (sub)' },
    ),
    facts: Type.Optional(OnvifFactsBlock),
    events: Type.Optional(OnvifEventSwitches),
  },
  { additionalProperties: false, description: 'An ONVIF camera: its device service, profiles, facts and event switches; credentials are the source\'s' },
);
export type OnvifBlock = Static<typeof OnvifBlock>;

/**
 * What a PATCH may change: the event switches only, or null to forget the
 * camera is ONVIF. The service URL, profiles and facts are the gateway's to
 * write (`POST /api/onvif/channels/{id}/refresh`); a PATCH naming them is refused.
 */
export const OnvifPatch = Type.Union([
  Type.Object({ events: Type.Optional(Type.Union([OnvifEventSwitches, Type.Null()])) }, { additionalProperties: false }),
  Type.Null(),
]);

/** One camera, one channel: the key is the device service's host and port (an import or add twice is a duplicate). */
export function onvifAltKey(xaddr: string): string | null {
  try {
    const url = new URL(xaddr);
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    return `onvif:${url.hostname.toLowerCase()}:${port}`;
  } catch {
    return null;
  }
}
