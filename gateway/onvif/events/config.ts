// onvif.events: the PullPoint subscription kept with every ONVIF camera that
// has events, and which event types raise incidents when a channel does not say.
import { Type, type Static } from '@sinclair/typebox';
import { Severity } from '../../incidents/candidate.ts';

const Seconds = (min: number, max: number, description: string) => Type.Number({ minimum: min, maximum: max, description });
const EventType = Type.Union([Type.Literal('camera_motion'), Type.Literal('camera_tamper'), Type.Literal('line_crossing'), Type.Literal('field_detection')]);

export const OnvifEventsConfig = Type.Object(
  {
    enabled: Type.Boolean({ description: 'Subscribe to the events of ONVIF cameras that have them' }),
    terminationSeconds: Seconds(10, 3600, 'InitialTerminationTime asked for, and each Renew; renewed at two thirds of it'),
    pullTimeoutSeconds: Seconds(1, 60, 'PullMessages Timeout: how long the camera may hold a pull open'),
    messageLimit: Type.Integer({ minimum: 1, maximum: 1000, description: 'PullMessages MessageLimit' }),
    backoffSeconds: Type.Object(
      { min: Seconds(0.1, 600, 'first pause before subscribing again'), max: Seconds(0.1, 3600, 'the pause doubles up to this') },
      { additionalProperties: false },
    ),
    snapshotEverySeconds: Seconds(0, 3600, 'one snapshot per channel and event type at most this often (repeats of an open incident add no picture in between)'),
    defaultTypes: Type.Array(EventType, { uniqueItems: true, maxItems: 4, description: 'The types that raise incidents on a channel whose onvif.events.types is not set' }),
    severity: Severity,
  },
  { additionalProperties: false },
);
export type OnvifEventsConfig = Static<typeof OnvifEventsConfig>;

export const ONVIF_EVENTS_DEFAULTS: OnvifEventsConfig = {
  enabled: true,
  terminationSeconds: 60,
  pullTimeoutSeconds: 5,
  messageLimit: 50,
  backoffSeconds: { min: 2, max: 60 },
  snapshotEverySeconds: 10,
  // Motion off: a camera's own motion detection fires on rain, headlights and leaves all day; detectors do that job.
  defaultTypes: ['camera_tamper', 'line_crossing', 'field_detection'],
  severity: 'minor',
};
