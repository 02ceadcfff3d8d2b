// The gateway's API as the wall sees it. These mirror the gateway's public
// shapes (device-registry/schemas, gateway/incidents/view.ts); the wall shares
// types with the gateway, never code.

export type Role = 'admin' | 'engineer' | 'operator' | 'dispatcher';

/** Params of a coded message (device-registry/messages.ts) or reason (vocabulary.ts). */
export type Params = Record<string, string | number>;
/** A text the gateway sends with its code: the wall says the code in the operator's language, `message` is the English for API users. */
export interface Coded { code?: string; params?: Params; message?: string }
/** A field's problem: `{field, message}` with its catalogue code and params. */
export interface FieldError { field: string; message: string; code?: string; params?: Params }
export interface Me { keyId: string | null; name: string; role: Role }

export interface Page<T> { items: T[]; total: number; limit?: number; offset?: number }

export interface DeviceStatus { state: 'online' | 'offline' | 'idle' | 'unknown'; reason?: string; since?: string }
/** Why a camera is not online, coded (`reasonCode` from the shared vocabulary's REASONS) beside the English `reason`. */
export interface CodedReason { reason?: string; reasonCode?: string; reasonParams?: Params }
export interface LatLng { lat: number; lng: number }

export interface Channel {
  id: string;
  kind: 'rtsp' | 'rtmp' | 'gb28181';
  name: string;
  source: { url?: string; username?: string; deviceId?: string; channelId?: string; manufacturer?: string; model?: string; credentialsSet: boolean };
  /** The sub-stream (子码流) of an RTSP camera, played in small tiles. */
  subSource?: { url: string; username?: string; credentialsSet: boolean };
  location?: LatLng;
  gridCode?: string;
  tags: string[];
  enabled: boolean;
  mode: 'always-on' | 'on-demand';
  detectionProfile: string | null;
  /** GB28181: the presets set on the camera, with the names people gave them. */
  ptzPresets?: Array<{ index: number; name?: string }>;
  /** Added from an ONVIF camera: its device service, profiles, facts and event switches. */
  onvif?: ChannelOnvif;
  status: DeviceStatus;
  version: number;
}

export interface OnvifProfileFacts { token: string; name: string; encoding: string; width?: number; height?: number; fps?: number; bitrateKbps?: number; ptz: boolean }

export interface ChannelOnvif {
  xaddr: string;
  profiles: { main: string; sub?: string };
  facts?: {
    manufacturer: string; model: string; firmware: string; serial: string; hardwareId?: string;
    clockSkewMs: number; capabilities: { ptz: boolean; events: boolean }; profiles: OnvifProfileFacts[]; readAt: string;
  };
  events?: { enabled?: boolean; types?: string[] };
}

/** POST /api/onvif/discover: a device that answered the probe, with the channel it is registered as. */
export interface DiscoveredOnvif {
  endpoint: string; address: string; xaddrs: string[]; scopes: string[];
  host?: string; port?: number; name?: string; hardware?: string; manufacturer?: string; location?: string;
  registered: string | null;
}

export interface ChannelVideoStatus extends CodedReason {
  channelId: string;
  state: string;
  restarts: number;
  running: boolean;
  /** The registry's mode: always-on or on-demand. */
  mode: string;
  /** pull (RTSP, GB28181) or push (RTMP). */
  feed?: 'pull' | 'push';
  /** When a failed channel is tried again (ISO time). */
  retryAt?: string;
  transcoding: boolean;
  input?: { codec: string; width: number; height: number; fps?: number };
  hls?: { segmentSeconds: number; bitrateKbps: number; segments: number; lastSegmentAt?: string };
  lastError?: string;
  /** The last fault since it was last online, kept while it restarts or rests idle. */
  lastProblem?: CodedReason & { reason: string; at: string; line?: string };
  uptimeSeconds: number;
  note?: string;
}

export interface PlayUrls { hls: string; flv?: string; expiresAt: string; /** Which stream the URLs play (a channel without a sub-stream answers main). */ stream?: 'main' | 'sub' }

export interface Grid { code: string; name: string; level: string; parentCode: string | null; departmentId: string | null; version: number }
export interface Department { id: string; name: string; contact?: { person?: string; phone?: string } }

export interface Sensor {
  id: string;
  name: string;
  kind: string;
  mqtt: { clientId: string; username?: string; passwordSet: boolean };
  topic: string;
  unit?: string;
  location?: LatLng;
  gridCode?: string;
  tags: string[];
  enabled: boolean;
  rules: Record<string, SensorRuleSpec>;
  status: DeviceStatus;
  version: number;
}
/** ratePerMinute: a rise faster than this per minute; fallPerMinute: a fall faster than this. */
export interface SensorRuleSpec { above?: number; below?: number; recover?: number; forSeconds?: number; severity?: Severity; ratePerMinute?: number; fallPerMinute?: number }

export interface SensorState {
  id: string;
  name: string;
  kind: string;
  gridCode?: string;
  health: 'online' | 'offline' | 'stale' | string;
  /** Why it is not online, in the server's English (`no reading for 300 s`, `LWT offline`): its code from the shared vocabulary's REASONS. */
  reason?: string;
  connected: boolean;
  lastSeen: string | null;
  values: Record<string, { value: number; unit?: string; ts: string }>;
  alarms: Array<{ rule: string; state: string }>;
  /** The last bad message: `reason` is a SENSOR_PROBLEMS code (malformed, impossible…), `message` the English detail. */
  lastProblem: { reason: string; message: string; at: string } | null;
}

export interface SensorAlarm { sensorId: string; rule: string; describe: string; state: 'pending' | 'firing' | 'recovering' | string; since: string; value: number | null }

export interface ReadingSeries {
  sensorId: string;
  from: string;
  to: string;
  stepSeconds: number;
  series: Array<{ metric: string; unit?: string; points: Array<{ t: string; avg: number; min: number; max: number; n: number }> }>;
}

export type Severity = 'critical' | 'major' | 'minor' | 'warning';
export type IncidentStatus = 'reported' | 'accepted' | 'dispatched' | 'handling' | 'feedback' | 'verified' | 'rated' | 'archived' | 'rejected' | 'invalid';

/** One detection as every room writes it: box is [x, y, w, h] in source pixels of frameSize. */
export interface Detection { label: string; score: number; box: [number, number, number, number]; trackId?: number }

/** The live `detection` event on /api/events. */
export interface DetectionEvent { channelId: string; frameTs: number; frameSize: [number, number]; detections: Detection[] }

export interface Incident {
  id: string;
  code: string;
  type: string;
  category: string;
  severity: Severity;
  status: IncidentStatus;
  title: string;
  /** The title's code and params when the system wrote it (camera_offline_title, sensor_rising_title…); null for a title a person typed. */
  titleMessage?: Coded | null;
  description: string | null;
  source: { kind: string; id: string };
  count: number;
  firstSeen: string;
  lastSeen: string;
  location: LatLng | null;
  gridCode: string | null;
  departmentId: string | null;
  assignee: string | null;
  dispatchedAt: string | null;
  slaDeadline: string | null;
  escalated: boolean;
  claim: { by: string; until: string } | null;
  evidence?: {
    snapshots?: string[];
    detections?: Detection[];
    frameSize?: [number, number];
    frameTs?: number;
    readings?: Array<{ metric: string; value: number; unit?: string; ts: number }>;
    /** The incident's clips (pre-roll to post-roll; repeats add follow-ups), made by the gateway. */
    clips?: Array<{ url: string; thumbnailUrl?: string; channelId: string; from: string; to: string; durationSeconds: number }>;
    model?: { name: string; sha256: string };
    rule?: string;
    /** The sensor rule, coded (rule_above, rule_rising…), beside the English `rule`. */
    ruleMessage?: Coded;
  } | null;
  dedupeKey: string;
  clearedAt: string | null;
  rating: number | null;
  version: number;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

export interface FlowRecord {
  seq: number;
  at: string;
  actor: { keyId: string | null; name: string; role: Role | null };
  action: string;
  from: IncidentStatus | null;
  /** null for records that change no status (escalate, severity, clear). */
  to: IncidentStatus | null;
  note: string | null;
  attachments: string[];
  /** `message`: the system's note, coded (condition_ended, severity_changed…). */
  data?: { message?: Coded; [key: string]: unknown } | null;
}
export interface IncidentDetail extends Incident { flow: FlowRecord[] }

export interface Transition { action: string; from: IncidentStatus[]; to: IncidentStatus; roles: Role[]; needs?: Array<'note' | 'departmentId' | 'rating'>; label: string }

export interface ImportReport {
  entity: 'channels' | 'sensors';
  dryRun: boolean;
  mode: 'all' | 'valid';
  total: number;
  valid: number;
  invalid: number;
  written: number;
  rows: Array<{ row: number; id?: string; action: string; errors?: FieldError[] }>;
  problems: string[];
  /** How a CSV was read; `detected` when not as the request said (a GBK file sent as UTF-8). */
  encoding?: { charset: string; detected?: string; detectedCode?: string };
}

/** The gateway's error body: `{code, message, field}`, the message's catalogue code and params (`messageCode`, `messageParams`), every field's problem. */
export interface ErrorBody { code: string; message: string; field?: string; statusCode?: number; messageCode?: string; messageParams?: Params; errors?: FieldError[] }

/** POST /api/channels/test: codec and size, or why not (the reason coded). */
export interface ConnectionTest extends CodedReason { ok: boolean; input?: { codec: string; width: number; height: number; fps?: number }; detail?: string; ms: number }
