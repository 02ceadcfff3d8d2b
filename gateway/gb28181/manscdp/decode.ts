// Typed decoders for the small MANSCDP messages: keepalive, DeviceInfo and
// DeviceStatus answers, result-only answers, and (for the device simulator)
// the platform's queries and DeviceControl. Catalog and Alarm have their own files.
import { ManscdpError } from './errors.ts';
import { expectType } from './parse.ts';
import { decodePtzCmd } from './ptz.ts';
import type { DeviceControl, DeviceInfo, DeviceStatus, Keepalive, ManscdpMessage, QueryRequest, ResultResponse } from './types.ts';
import { compact, isValidId, lenientInt, upper } from './values.ts';
import { childElement, childList, childText } from './xml.ts';

export function decodeKeepalive(msg: ManscdpMessage): Keepalive {
  expectType(msg, 'Keepalive', ['Notify']);
  const status = upper(childText(msg.fields, 'Status'));
  const info = childElement(msg.fields, 'Info');
  const faultyDeviceIds = (info ? childList(info, 'DeviceID') : [])
    .map((n) => (typeof n === 'string' ? n.trim() : ''))
    .filter(isValidId);
  // A keepalive without a Status still proves the device is alive.
  return compact({ deviceId: msg.deviceId, status, ok: status === undefined || status === 'OK', faultyDeviceIds });
}

export function decodeDeviceInfo(msg: ManscdpMessage): DeviceInfo {
  expectType(msg, 'DeviceInfo', ['Response']);
  const f = msg.fields;
  return compact<DeviceInfo>({
    deviceId: msg.deviceId,
    deviceName: childText(f, 'DeviceName'),
    manufacturer: childText(f, 'Manufacturer'),
    model: childText(f, 'Model'),
    firmware: childText(f, 'Firmware'),
    channelCount: lenientInt(f, 'Channel', 0, 100_000),
    result: upper(childText(f, 'Result')),
  });
}

export function decodeDeviceStatus(msg: ManscdpMessage): DeviceStatus {
  expectType(msg, 'DeviceStatus', ['Response']);
  const f = msg.fields;
  const online = upper(childText(f, 'Online'));
  const status = upper(childText(f, 'Status'));
  const alarmList = childElement(f, 'Alarmstatus');
  const alarms = alarmList
    ? childList(alarmList, 'Item').flatMap((n) => {
        const deviceId = typeof n === 'string' ? undefined : childText(n, 'DeviceID');
        if (typeof n === 'string' || deviceId === undefined || !isValidId(deviceId)) return [];
        return [compact({ deviceId, dutyStatus: upper(childText(n, 'DutyStatus')) })];
      })
    : undefined;
  return compact<DeviceStatus>({
    deviceId: msg.deviceId,
    // Online is the field; devices that leave it out and say Status OK are online.
    online: online !== undefined ? online === 'ONLINE' || online === 'ON' : status === 'OK',
    result: upper(childText(f, 'Result')),
    status,
    encode: upper(childText(f, 'Encode')),
    record: upper(childText(f, 'Record')),
    deviceTime: childText(f, 'DeviceTime'),
    alarms,
  });
}

/** A `<Response>` carrying only a Result (DeviceControl, DeviceConfig, Alarm confirmations…). */
export function decodeResult(msg: ManscdpMessage): ResultResponse {
  if (msg.root !== 'Response') throw new ManscdpError('MANSCDP_WRONG_TYPE', `expected a Response, got ${msg.root}`, 'CmdType');
  const result = upper(childText(msg.fields, 'Result'));
  return compact({ cmdType: msg.cmdType, deviceId: msg.deviceId, result, ok: result === 'OK' });
}

/** For the simulator: the platform's Catalog / DeviceInfo / DeviceStatus query. */
export function decodeQuery(msg: ManscdpMessage): QueryRequest {
  if (msg.root !== 'Query') throw new ManscdpError('MANSCDP_WRONG_TYPE', `expected a Query, got ${msg.root}`, 'CmdType');
  return { cmdType: msg.cmdType, sn: msg.sn, deviceId: msg.deviceId };
}

/**
 * For the simulator: a DeviceControl. A malformed PTZCmd throws; a well-formed
 * one that is not a motion (preset, focus…) comes back as ptzCmd without ptz.
 */
export function decodeDeviceControl(msg: ManscdpMessage): DeviceControl {
  expectType(msg, 'DeviceControl', ['Control']);
  const raw = childText(msg.fields, 'PTZCmd');
  if (raw === undefined) return { deviceId: msg.deviceId };
  const ptzCmd = raw.toUpperCase();
  try {
    return { deviceId: msg.deviceId, ptzCmd, ptz: decodePtzCmd(ptzCmd) };
  } catch (err) {
    if (err instanceof ManscdpError && err.code === 'PTZ_UNSUPPORTED') return { deviceId: msg.deviceId, ptzCmd };
    throw err;
  }
}
