// GB28181 Alarm notifications as typed events and as incident candidates.
// Method and type codes follow GB/T 28181-2016 (A.2.6 / Table A.3 usage).
import { timeProblem } from '../../device-registry/index.ts';
import { INCIDENT_TIME_WINDOW } from '../incidents/candidate.ts';
import type { IncidentCandidate } from '../incidents/index.ts';

export interface GbAlarm {
  deviceId: string;
  /** The alarm's DeviceID: a channel (or the device itself). */
  sourceId: string;
  /** The registry channel it maps to, when it is a known channel. */
  channelId?: string;
  /** 1 (highest) to 4. */
  priority: number;
  /** 1 phone, 2 device, 3 SMS, 4 GPS, 5 video, 6 device fault, 7 other. */
  method: number;
  type?: number;
  /** When the device says it happened, epoch ms (the arrival time if it sent none we can read). */
  at: number;
  description?: string;
  location?: { lat: number; lng: number };
}

const DEVICE_TYPES: Record<number, string> = { 1: 'video_loss', 2: 'tamper', 3: 'disk_full', 4: 'high_temperature', 5: 'low_temperature' };
const VIDEO_TYPES: Record<number, string> = {
  1: 'manual_video_alarm', 2: 'motion', 3: 'left_object', 4: 'object_removed', 5: 'tripwire', 6: 'intrusion',
  7: 'wrong_way', 8: 'loitering', 9: 'flow_count', 10: 'crowd_density', 11: 'video_abnormal', 12: 'fast_moving',
};
const FAULT_TYPES: Record<number, string> = { 1: 'disk_fault', 2: 'fan_fault' };
const METHODS: Record<number, string> = { 1: 'phone_alarm', 2: 'device_alarm', 3: 'sms_alarm', 4: 'gps_alarm', 5: 'video_alarm', 6: 'device_fault', 7: 'other_alarm' };
const SEVERITY = ['critical', 'major', 'minor', 'warning'] as const;

/** The incident type: gb28181_<what>, from the method and type codes. */
export function alarmType(method: number, type: number | undefined): string {
  const table = method === 2 ? DEVICE_TYPES : method === 5 ? VIDEO_TYPES : method === 6 ? FAULT_TYPES : {};
  const what = (type !== undefined ? table[type] : undefined) ?? METHODS[method] ?? 'alarm';
  return `gb28181_${what}`;
}

/**
 * Device time "2026-11-22T13:05:01" is local time at the device; we read it as ours (devices keep NTP local time).
 * A clock that was never set (year 2000) or runs ahead (set to another zone) would keep the alarm out of the incident door: the arrival time stands in.
 */
export function parseAlarmTime(text: string | undefined, fallback: number): number {
  if (!text) return fallback;
  const ms = Date.parse(text.replace(' ', 'T'));
  return timeProblem(ms, INCIDENT_TIME_WINDOW, fallback) === undefined ? ms : fallback;
}

export function alarmCandidate(alarm: GbAlarm, deviceGrid?: string): IncidentCandidate {
  const severity = SEVERITY[Math.min(4, Math.max(1, alarm.priority)) - 1]!;
  const type = alarmType(alarm.method, alarm.type);
  const what = type.slice('gb28181_'.length).replace(/_/g, ' ');
  return {
    source: { kind: 'gb28181', id: alarm.channelId ?? alarm.sourceId },
    type,
    category: 'gb28181',
    severity,
    title: `GB28181 ${what} from ${alarm.sourceId}`,
    description: alarm.description?.slice(0, 4000),
    occurredAt: alarm.at,
    location: alarm.location,
    gridCode: alarm.channelId ? undefined : deviceGrid,
    evidence: {
      rule: `method ${alarm.method}${alarm.type !== undefined ? ` type ${alarm.type}` : ''} priority ${alarm.priority}`,
      titleMessage: { code: 'gb28181_alarm_title', params: { what, type, source: alarm.sourceId } },
    },
  };
}
