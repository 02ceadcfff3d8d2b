// The incident room's configuration section.
import { Type, type Static } from '@sinclair/typebox';

const Minutes = Type.Number({ minimum: 0.01, maximum: 60 * 24 * 30 });

export const IncidentsConfig = Type.Object(
  {
    /** A repeat within this long after closing is counted on the closed incident, not opened anew. */
    cooldownSeconds: Type.Integer({ minimum: 0, maximum: 86400 * 7 }),
    /** Time to handle, from dispatch, per severity. */
    slaMinutes: Type.Object({ critical: Minutes, major: Minutes, minor: Minutes, warning: Minutes }, { additionalProperties: false }),
    claimLeaseSeconds: Type.Integer({ minimum: 10, maximum: 86400 }),
    /** For the daily incident codes (20261122-00017). */
    timeZone: Type.String({ minLength: 1 }),
    eventRetentionHours: Type.Number({ minimum: 0.1, maximum: 24 * 30 }),
    health: Type.Object(
      {
        /** A camera offline this long raises camera_offline. */
        channelOfflineSeconds: Type.Number({ minimum: 0.1, maximum: 86400 }),
        /** It must stay online this long before the alarm clears (flapping is one alarm, not many). */
        stableSeconds: Type.Number({ minimum: 0, maximum: 3600 }),
      },
      { additionalProperties: false },
    ),
    webhooks: Type.Object(
      {
        timeoutMs: Type.Integer({ minimum: 100, maximum: 60000 }),
        maxAttempts: Type.Integer({ minimum: 1, maximum: 50 }),
        backoffMs: Type.Integer({ minimum: 10, maximum: 600000 }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type IncidentsConfig = Static<typeof IncidentsConfig>;
