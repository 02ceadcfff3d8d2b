// The ONVIF room's configuration section: adding cameras (inspect, discovery,
// bulk import). The events keys are the PTZ/events side's.
import { Type, type Static } from '@sinclair/typebox';
import { RANGE_PATTERN } from './discovery-ranges.ts';
import { OnvifEventsConfig } from './events/config.ts';

const Port = Type.Integer({ minimum: 1, maximum: 65535 });

export const OnvifConfig = Type.Object(
  {
    enabled: Type.Boolean(),
    /** One SOAP request to a camera (connect, answer). */
    requestTimeoutMs: Type.Integer({ minimum: 200, maximum: 120000 }),
    discovery: Type.Object(
      {
        /** Local IPv4 addresses the Probe is sent from; empty: every non-internal IPv4 interface. */
        interfaces: Type.Array(Type.String({ minLength: 1 }), { uniqueItems: true }),
        /** How long answers are collected. */
        timeoutMs: Type.Integer({ minimum: 100, maximum: 60000 }),
        /** Answers kept in all, and from one host (a flooding host is cut off). */
        maxDevices: Type.Integer({ minimum: 1, maximum: 100000 }),
        maxPerHost: Type.Integer({ minimum: 1, maximum: 64 }),
        /** Responders probed by unicast as well (a simulator on loopback, a camera in another subnet). */
        unicastTo: Type.Array(Type.Object({ host: Type.String({ minLength: 1 }), port: Port }, { additionalProperties: false })),
        /** Subnets multicast does not reach (behind routers): every address probed by unicast, at rangePort. */
        ranges: Type.Array(Type.String({ pattern: RANGE_PATTERN, 'x-message': 'must be a.b.c.d, a.b.c.d/nn (nn 8–32) or a.b.c.d-e.f.g.h' }), { maxItems: 256 }),
        rangePort: Port,
      },
      { additionalProperties: false },
    ),
    import: Type.Object(
      {
        /** Cameras read at once while importing ONVIF rows. */
        concurrency: Type.Integer({ minimum: 1, maximum: 64 }),
      },
      { additionalProperties: false },
    ),
    /** PullPoint subscriptions and which camera events raise incidents (events/config.ts). */
    events: OnvifEventsConfig,
  },
  { additionalProperties: false },
);
export type OnvifConfig = Static<typeof OnvifConfig>;
