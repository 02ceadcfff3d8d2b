// The ONVIF contract: what the registry and the PTZ/events rooms code against.
import type { Logger } from 'pino';

export interface OnvifTarget {
  /** Device service URL, e.g. http://10.0.0.8/onvif/device_service */
  xaddr: string;
  username: string;
  password: string;
}

export interface OnvifProfile {
  token: string;
  name: string;
  /** H264 | H265 | JPEG | MPEG4 … as the camera names it */
  encoding: string;
  width?: number;
  height?: number;
  fps?: number;
  bitrateKbps?: number;
  ptz: boolean;
  streamUri?: string;
  snapshotUri?: string;
}

export interface OnvifFacts {
  manufacturer: string;
  model: string;
  firmware: string;
  serial: string;
  hardwareId?: string;
  /** Camera clock minus ours, from GetSystemDateAndTime (or the HTTP Date header, see clockSource). */
  clockSkewMs: number;
  /** How clockSkewMs was measured. */
  clockSource: ClockSource;
  services: { media?: string; media2?: string; ptz?: string; events?: string };
  capabilities: { ptz: boolean; events: boolean };
  /** Main (largest resolution) first, then sub. */
  profiles: OnvifProfile[];
}

/**
 * utc: GetSystemDateAndTime's UTCDateTime; local+tz: its LocalDateTime and POSIX TZ;
 * http-date: the HTTP Date header of the camera's answer (whole seconds; the camera
 * refused GetSystemDateAndTime or gave no readable time); none: skew 0 assumed.
 */
export type ClockSource = 'utc' | 'local+tz' | 'http-date' | 'none';

export type OnvifErrorKind = 'auth' | 'unreachable' | 'timeout' | 'fault' | 'malformed' | 'unsupported';

export interface OnvifFault {
  code?: string;
  subcode?: string;
  reason?: string;
}

/** Messages name host:port and the operation, never a credential. */
export class OnvifError extends Error {
  constructor(
    readonly kind: OnvifErrorKind,
    message: string,
    readonly fault?: OnvifFault,
  ) {
    super(message);
    this.name = 'OnvifError';
  }
}

/** Each in [-1, 1]. */
export interface PtzVelocity {
  x: number;
  y: number;
  zoom: number;
}

export interface OnvifPreset {
  token: string;
  name: string;
}

export interface OnvifEvent {
  /** e.g. tns1:RuleEngine/CellMotionDetector/Motion */
  topic: string;
  /** epoch ms */
  at: number;
  source: Record<string, string>;
  /** IsMotion: 'true', State: 'false' … */
  data: Record<string, string>;
  /** The message's UtcTime exactly as the camera wrote it (the same for every subscriber, whatever skew each measured). */
  cameraTime?: string;
  /** PropertyOperation: Initialized (a state restated to a new subscription), Changed, Deleted. */
  operation?: string;
}

export interface PullPoint {
  address: string;
  terminationAt: number;
  pull(timeoutSec: number, limit: number): Promise<OnvifEvent[]>;
  renew(seconds: number): Promise<number>;
  unsubscribe(): Promise<void>;
}

export interface OnvifClient {
  /** GetSystemDateAndTime, GetDeviceInformation, GetCapabilities/GetServices, GetProfiles, GetStreamUri + GetSnapshotUri of each profile. */
  facts(): Promise<OnvifFacts>;
  snapshot(profileToken: string): Promise<Buffer>;
  continuousMove(profileToken: string, v: PtzVelocity, timeoutSec?: number): Promise<void>;
  stop(profileToken: string): Promise<void>;
  presets(profileToken: string): Promise<OnvifPreset[]>;
  gotoPreset(profileToken: string, presetToken: string): Promise<void>;
  setPreset(profileToken: string, name: string, presetToken?: string): Promise<string>;
  removePreset(profileToken: string, presetToken: string): Promise<void>;
  createPullPoint(terminationSec: number): Promise<PullPoint>;
}

export interface OnvifClientOptions {
  timeoutMs?: number;
  log?: Logger;
  /** A refused call re-reads the camera clock (then retries once) when the skew is older than this; default 60 s. */
  resyncAfterMs?: number;
}

export interface DiscoveredDevice {
  /** urn:uuid:… */
  endpoint: string;
  address: string;
  xaddrs: string[];
  scopes: string[];
  name?: string;
  hardware?: string;
  manufacturer?: string;
  location?: string;
}

export interface DiscoverOptions {
  timeoutMs: number;
  /** Addresses to send from; default all IPv4 non-internal. */
  interfaces?: string[];
  /** Responders probed by unicast too (a camera in another subnet; the simulator in tests). */
  unicastTo?: Array<{ host: string; port: number }>;
  /** Address ranges probed by unicast, one Probe per address ('10.1.2.0/24', '10.1.3.10-10.1.3.200'): subnets multicast does not reach. */
  ranges?: string[];
  /** The WS-Discovery port of the range addresses (default 3702). */
  rangePort?: number;
  maxDevices?: number;
  maxPerHost?: number;
}
