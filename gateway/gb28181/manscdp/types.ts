// The shapes of the MANSCDP messages we read and write (GB/T 28181 appendix A).
// Decoders fill them from device bodies; the simulator's builders take them.
import type { PtzMove } from './ptz.ts';
import type { XmlElement } from './xml.ts';

export type ManscdpRoot = 'Notify' | 'Query' | 'Control' | 'Response';
export type QueryCmdType = 'Catalog' | 'DeviceInfo' | 'DeviceStatus';

/** Any MANSCDP body: the common header plus the root element as parsed. */
export interface ManscdpMessage {
  root: ManscdpRoot;
  /** Canonical spelling for the command types we know (`keepalive` → `Keepalive`), else as sent. */
  cmdType: string;
  sn: number;
  deviceId: string;
  /** The root element; tag names in canonical case, all values strings. */
  fields: XmlElement;
}

export interface Keepalive {
  deviceId: string;
  /** As sent, upper-cased (`OK`, `ERROR`); absent on a few devices. */
  status?: string;
  /** False only when the device reports a status other than OK. */
  ok: boolean;
  /** `<Info><DeviceID>` entries: channels the device reports as faulty (2016 edition). */
  faultyDeviceIds: string[];
}

export interface CatalogItem {
  deviceId: string;
  name?: string;
  manufacturer?: string;
  model?: string;
  owner?: string;
  civilCode?: string;
  address?: string;
  parental?: boolean;
  parentId?: string;
  status?: 'ON' | 'OFF';
  longitude?: number;
  latitude?: number;
  /** Only in catalog Notify (subscriptions): ADD, DEL, UPDATE, ON, OFF, VLOST, DEFECT. */
  event?: string;
}

export interface CatalogResponse {
  /** The device (NVR/DVR/IPC) answering; the items are its channels and groups. */
  deviceId: string;
  /** Items the whole answer has, across all its messages. */
  sumNum: number;
  /** `DeviceList Num=` of this message, as declared (may disagree with items.length). */
  listNum?: number;
  items: CatalogItem[];
  /** Items in this message we could not use (no valid DeviceID); count them towards sumNum. */
  skippedItems: number;
}

export interface DeviceInfo {
  deviceId: string;
  deviceName?: string;
  manufacturer?: string;
  model?: string;
  firmware?: string;
  channelCount?: number;
  result?: string;
}

export interface AlarmChannelStatus {
  deviceId: string;
  /** ONDUTY, OFFDUTY or ALARM. */
  dutyStatus?: string;
}

export interface DeviceStatus {
  deviceId: string;
  online: boolean;
  result?: string;
  status?: string;
  encode?: string;
  record?: string;
  deviceTime?: string;
  alarms?: AlarmChannelStatus[];
}

/** 1 phone, 2 device, 3 SMS, 4 GPS, 5 video analysis, 6 device fault, 7 other. */
export type AlarmMethod = number;

export interface AlarmNotify {
  deviceId: string;
  priority: 1 | 2 | 3 | 4;
  method: AlarmMethod;
  type?: number;
  /** `AlarmTypeParam/EventType` for video alarms (1 begin, 2 end). */
  eventType?: number;
  /** As the device sent it, typically `2024-05-01T08:30:00` in its local time. */
  time: string;
  description?: string;
  longitude?: number;
  latitude?: number;
}

export interface DeviceControl {
  deviceId: string;
  /** Upper-cased 16 hex chars, when the control is a PTZ command. */
  ptzCmd?: string;
  /** Decoded ptzCmd when it is a pan/tilt/zoom motion (not preset, focus or cruise). */
  ptz?: PtzMove;
}

export interface QueryRequest {
  cmdType: string;
  sn: number;
  deviceId: string;
}

export interface ResultResponse {
  cmdType: string;
  deviceId: string;
  result?: string;
  ok: boolean;
}
