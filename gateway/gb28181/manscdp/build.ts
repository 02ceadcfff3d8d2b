// Outgoing MANSCDP bodies: the platform's queries and controls, and what our
// device simulator answers. Each builder returns XML text with a UTF-8 prolog;
// encodeXmlBody(xml, charset) rewrites the prolog to the charset it encodes to,
// so the declaration always matches the bytes. Every text value is escaped.
import { ManscdpError } from './errors.ts';
import { checkPtzCmd } from './ptz.ts';
import type { AlarmNotify, CatalogItem, DeviceInfo, DeviceStatus, ManscdpRoot, QueryCmdType } from './types.ts';
import { isValidId } from './values.ts';
import { escapeXml } from './xml.ts';

type Content = string | number | readonly Child[] | undefined;
export type Child = readonly [name: string, content: Content, attrs?: Readonly<Record<string, string | number>>];

function render([name, content, attrs]: Child): string {
  const attrText = Object.entries(attrs ?? {}).map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`).join('');
  if (typeof content === 'object') return `<${name}${attrText}>\r\n${content.filter((c) => c[1] !== undefined).map(render).join('')}</${name}>\r\n`;
  return `<${name}${attrText}>${escapeXml(String(content ?? ''))}</${name}>\r\n`;
}

/** A MANSCDP body: root, CmdType, SN, DeviceID, then `body` (children with an undefined content are left out). */
export function message(root: ManscdpRoot, cmdType: string, sn: number, deviceId: string, body: readonly Child[] = []): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\r\n${render([root, [['CmdType', cmdType], ['SN', checkSn(sn)], ['DeviceID', checkId(deviceId, 'deviceId')], ...body]])}`;
}

function checkSn(sn: number): number {
  if (!Number.isSafeInteger(sn) || sn < 0) throw new ManscdpError('MANSCDP_BAD_VALUE', 'sn must be a non-negative integer', 'sn');
  return sn;
}

function checkId(id: string, field: string): string {
  if (!isValidId(id)) throw new ManscdpError('MANSCDP_BAD_VALUE', `${field} is not a device code`, field);
  return id;
}

function checkInt(v: number | undefined, field: string, min: number, max: number): number | undefined {
  if (v !== undefined && !(Number.isInteger(v) && v >= min && v <= max)) {
    throw new ManscdpError('MANSCDP_BAD_VALUE', `${field} must be an integer from ${min} to ${max}`, field);
  }
  return v;
}

// Platform → device.

export function buildQuery(cmdType: QueryCmdType, sn: number, deviceId: string): string {
  return message('Query', cmdType, sn, deviceId);
}

/** `ptzCmdHex` from encodePtzCmd, or any checked PTZCmd (presets too). */
export function buildPtzControl(sn: number, channelId: string, ptzCmdHex: string): string {
  return message('Control', 'DeviceControl', sn, channelId, [['PTZCmd', checkPtzCmd(ptzCmdHex)], ['Info', [['ControlPriority', 5]]]]);
}

export function buildAlarmResponse(sn: number, deviceId: string): string {
  return message('Response', 'Alarm', sn, deviceId, [['Result', 'OK']]);
}

// Device → platform (the simulator).

export function buildKeepalive(sn: number, deviceId: string, status: 'OK' | 'ERROR' = 'OK'): string {
  return message('Notify', 'Keepalive', sn, deviceId, [['Status', status]]);
}

/** One message of a catalog answer: `items` is this message's share, `sumNum` the total. */
export function buildCatalogResponse(sn: number, deviceId: string, sumNum: number, items: readonly CatalogItem[]): string {
  checkInt(sumNum, 'sumNum', items.length, 1_000_000);
  return message('Response', 'Catalog', sn, deviceId, [
    ['SumNum', sumNum],
    ['DeviceList', items.map((item, i): Child => ['Item', catalogItem(item, `items[${i}]`)]), { Num: items.length }],
  ]);
}

/** A catalog change (subscription or cascade NOTIFY): the same list, each item with its Event (ADD, DEL, UPDATE, ON, OFF). */
export function buildCatalogNotify(sn: number, deviceId: string, items: readonly CatalogItem[]): string {
  return message('Notify', 'Catalog', sn, deviceId, [
    ['SumNum', items.length],
    ['DeviceList', items.map((item, i): Child => ['Item', catalogItem(item, `items[${i}]`)]), { Num: items.length }],
  ]);
}

function catalogItem(item: CatalogItem, field: string): Child[] {
  const hasPosition = item.longitude !== undefined && item.latitude !== undefined;
  return [
    ['DeviceID', checkId(item.deviceId, `${field}.deviceId`)],
    ['Name', item.name],
    ['Manufacturer', item.manufacturer],
    ['Model', item.model],
    ['Owner', item.owner],
    ['CivilCode', item.civilCode],
    ['Address', item.address],
    ['Parental', item.parental ? 1 : 0],
    ['ParentID', item.parentId],
    ['RegisterWay', 1], // mandatory in the standard; 1 = IETF RFC 3261 digest
    ['Secrecy', 0],
    ['Status', item.status],
    ['Longitude', hasPosition ? item.longitude : undefined],
    ['Latitude', hasPosition ? item.latitude : undefined],
    ['Event', item.event],
  ];
}

export function buildDeviceInfoResponse(sn: number, info: DeviceInfo): string {
  return message('Response', 'DeviceInfo', sn, info.deviceId, [
    ['Result', info.result ?? 'OK'],
    ['DeviceName', info.deviceName],
    ['Manufacturer', info.manufacturer],
    ['Model', info.model],
    ['Firmware', info.firmware],
    ['Channel', checkInt(info.channelCount, 'channelCount', 0, 100_000)],
  ]);
}

export function buildDeviceStatusResponse(sn: number, status: DeviceStatus): string {
  const alarms = status.alarms?.map((a, i): Child => ['Item', [['DeviceID', checkId(a.deviceId, `alarms[${i}].deviceId`)], ['DutyStatus', a.dutyStatus]]]);
  return message('Response', 'DeviceStatus', sn, status.deviceId, [
    ['Result', status.result ?? 'OK'],
    ['Online', status.online ? 'ONLINE' : 'OFFLINE'],
    ['Status', status.status ?? 'OK'],
    ['Encode', status.encode],
    ['Record', status.record],
    ['DeviceTime', status.deviceTime],
    ['Alarmstatus', alarms, { Num: alarms?.length ?? 0 }],
  ]);
}

export function buildAlarmNotify(sn: number, alarm: AlarmNotify): string {
  const hasPosition = alarm.longitude !== undefined && alarm.latitude !== undefined;
  const info: Child[] = [
    ['AlarmType', checkInt(alarm.type, 'type', 0, 9999)],
    ['AlarmTypeParam', alarm.eventType === undefined ? undefined : [['EventType', checkInt(alarm.eventType, 'eventType', 0, 99)]]],
  ];
  return message('Notify', 'Alarm', sn, alarm.deviceId, [
    ['AlarmPriority', checkInt(alarm.priority, 'priority', 1, 4)],
    ['AlarmMethod', checkInt(alarm.method, 'method', 0, 99)],
    ['AlarmTime', alarm.time],
    ['AlarmDescription', alarm.description],
    ['Longitude', hasPosition ? alarm.longitude : undefined],
    ['Latitude', hasPosition ? alarm.latitude : undefined],
    ['Info', alarm.type === undefined && alarm.eventType === undefined ? undefined : info],
  ]);
}

export function buildDeviceControlResponse(sn: number, deviceId: string, result: 'OK' | 'ERROR' = 'OK'): string {
  return message('Response', 'DeviceControl', sn, deviceId, [['Result', result]]);
}
