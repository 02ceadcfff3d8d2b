// MobilePosition (GB/T 28181 §9.11, A.2.5): where a moving device (a vehicle,
// a drone, a body camera) is, sent as Notify in a subscription or a MESSAGE;
// and the subscription bodies the platform sends (Query with CmdType Catalog,
// Alarm or MobilePosition, in a SUBSCRIBE).
import { message } from './build.ts';
import { ManscdpError } from './errors.ts';
import { expectType } from './parse.ts';
import type { ManscdpMessage } from './types.ts';
import { compact, coordinates, requireText } from './values.ts';
import { childText } from './xml.ts';

export interface MobilePosition {
  /** The device or channel whose position this is. */
  deviceId: string;
  /** As the device wrote it (local time, `YYYY-MM-DDTHH:mm:ss`). */
  time: string;
  longitude: number;
  latitude: number;
  /** km/h. */
  speed?: number;
  /** Degrees clockwise from north, 0–360. */
  direction?: number;
  /** Metres. */
  altitude?: number;
}

const decimal = (v: string | undefined, min: number, max: number): number | undefined => {
  if (v === undefined || !/^[+-]?\d{1,9}(?:\.\d{1,15})?$/.test(v)) return undefined;
  const n = Number(v);
  return n >= min && n <= max ? n : undefined;
};

export function decodeMobilePosition(msg: ManscdpMessage): MobilePosition {
  expectType(msg, 'MobilePosition', ['Notify']);
  const f = msg.fields;
  const at = coordinates(f);
  if (!at) throw new ManscdpError('MANSCDP_BAD_VALUE', '<Longitude>/<Latitude> are not a position', 'Longitude');
  return compact<MobilePosition>({
    deviceId: msg.deviceId,
    time: requireText(f, 'Time'),
    ...at,
    speed: decimal(childText(f, 'Speed'), 0, 100_000),
    direction: decimal(childText(f, 'Direction'), 0, 360),
    altitude: decimal(childText(f, 'Altitude'), -10_000, 100_000),
  });
}

export function buildMobilePositionNotify(sn: number, p: MobilePosition): string {
  return message('Notify', 'MobilePosition', sn, p.deviceId, [
    ['Time', p.time], ['Longitude', p.longitude], ['Latitude', p.latitude], ['Speed', p.speed], ['Direction', p.direction], ['Altitude', p.altitude],
  ]);
}

export type SubscribeCmdType = 'Catalog' | 'Alarm' | 'MobilePosition';

/** The body of a SUBSCRIBE: Alarm asks for every priority and method, MobilePosition names the report interval. */
export function buildSubscribeQuery(cmdType: SubscribeCmdType, sn: number, deviceId: string, o: { intervalSeconds?: number } = {}): string {
  if (cmdType === 'Alarm') {
    return message('Query', 'Alarm', sn, deviceId, [['StartAlarmPriority', 0], ['EndAlarmPriority', 0], ['AlarmMethod', 0]]);
  }
  if (cmdType === 'MobilePosition') return message('Query', 'MobilePosition', sn, deviceId, [['Interval', o.intervalSeconds ?? 5]]);
  return message('Query', 'Catalog', sn, deviceId);
}
