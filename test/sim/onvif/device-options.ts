// What a simulated camera is made with (identity, credentials, clock, streams,
// what it supports) and the fault switches tests flip at run time.
import type { XmlElement } from './xml.ts';
import type { AuthBy, AuthMode } from './auth.ts';
import type { HostileKind } from './hostile.ts';
import type { SimProfile } from './media-service.ts';
import type { ServiceName } from './operation.ts';
import type { SimNotification } from './pull-points.ts';
import type { SimFault } from './soap.ts';

export interface OnvifFaultOptions {
  /** No PTZ service (capabilities say so; PTZ calls answer ActionNotSupported). */
  noPtz?: boolean;
  /** No event service (CreatePullPointSubscription answers ActionNotSupported). */
  noEvents?: boolean;
  /** A SOAP Fault instead of the answer, by operation (after authentication). */
  fault?: Partial<Record<string, SimFault>>;
  /** A hostile answer by operation. */
  hostile?: Partial<Record<string, HostileKind>>;
  hugeBodyBytes?: number;
  /** Renew answered with a fault (`true`/'fault') or never answered ('silent'). */
  failRenewals?: boolean | 'fault' | 'silent';
  /** Every request: the connection is accepted and never answered. */
  silent?: boolean;
  /** Operations never answered. */
  mute?: string[];
}

export interface OnvifDeviceOptions {
  name?: string;
  manufacturer?: string;
  model?: string;
  firmware?: string;
  serial?: string;
  hardwareId?: string;
  location?: string;
  username: string;
  password: string;
  /** Camera clock minus ours. */
  clockSkewMs?: number;
  /** How far a UsernameToken's Created may be from the camera clock; default 5 s. */
  authWindowMs?: number;
  /** Default ws-security. `both` accepts either; a request with neither gets a 401 challenge. */
  authMode?: AuthMode;
  /** Operations answered without credentials; default only GetSystemDateAndTime ([] for cameras that want them even there). */
  openOperations?: string[];
  /** GetSystemDateAndTime with UTC and local time (default), or local time and zone only, as some older cameras answer. */
  clockFormat?: 'utc' | 'local-only';
  /** The zone the camera shows local time in: its POSIX TZ, the offset (ms east of UTC) that TZ means now, the DaylightSavings flag. Default CST-8, +8 h, false. */
  timeZone?: { tz: string; offsetMs: number; daylightSavings?: boolean };
  /** HTTP status of a ter:NotAuthorized fault: 400 (the SOAP binding) or 401 (what several cameras send). Default 400. */
  authFaultStatus?: 400 | 401;
  /** The camera simulator's RTSP URLs of the main and sub-streams. */
  rtsp: { main: string; sub?: string };
  /** Replaces the default main/sub profiles. */
  profiles?: SimProfile[];
  snapshotJpeg?: Buffer;
  /** How the snapshot URL is protected; default digest with the same credentials. */
  snapshotAuth?: 'digest' | 'basic' | 'none';
  ptz?: boolean;
  events?: boolean;
  maxPullPoints?: number;
  /**
   * Property states sent as PropertyOperation="Initialized" to each new pull
   * point, as cameras do: `true` replays the last state emitted per topic and
   * source; a list also seeds those states. Default: no initial messages.
   */
  initialState?: boolean | SimNotification[];
  /** false: PullMessages answers at once with what is queued, whatever its Timeout (cameras without long-poll). */
  longPoll?: boolean;
  /** Where a subscription lives: its own path (default) or the event service URL with `?SubscriptionId=` (gSOAP cameras). */
  subscriptionAddress?: 'path' | 'query';
  /** The envelope's prefix in answers (SOAP-ENV like gSOAP cameras, or env, s). */
  soapPrefix?: string;
  /** WS-Discovery endpoint reference, urn:uuid:…; random by default. */
  endpoint?: string;
  /** Answers WS-Discovery probes (default true). */
  discoverable?: boolean;
  faults?: OnvifFaultOptions;
  host?: string;
  port?: number;
}

export interface ReceivedRequest {
  service: ServiceName;
  operation: string;
  at: number;
  auth: AuthBy | 'refused';
  /** Why authentication failed (never a secret). */
  refusal?: string;
  answer: 'ok' | 'fault' | 'challenge' | 'silent' | 'hostile';
  body: XmlElement;
}
