// From a MESSAGE body to a checked MANSCDP header (root, CmdType, SN, DeviceID)
// plus the element tree for the typed decoders. Devices disagree on the case
// of tag names (`DeviceId`, `Sumnum`, `deviceList`), so every name we know is
// folded to its canonical spelling while parsing; unknown names stay as sent.
import { decodeXmlBody } from './charset.ts';
import type { DecodeOptions } from './charset.ts';
import { ManscdpError } from './errors.ts';
import type { ManscdpMessage, ManscdpRoot } from './types.ts';
import { requireId, requireInt, requireText } from './values.ts';
import { MAX_BODY_BYTES, parseXml } from './xml.ts';

const ROOTS: readonly ManscdpRoot[] = ['Notify', 'Query', 'Control', 'Response'];

export const KNOWN_CMD_TYPES = [
  'Keepalive', 'Catalog', 'DeviceInfo', 'DeviceStatus', 'Alarm', 'DeviceControl', 'DeviceConfig', 'ConfigDownload',
  'RecordInfo', 'MobilePosition', 'PresetQuery', 'Broadcast', 'MediaStatus', 'HomePositionQuery', 'CruiseTrackListQuery',
  'PTZPosition', 'SDCardStatus',
] as const;

const KNOWN_NAMES = [
  ...ROOTS, 'CmdType', 'SN', 'DeviceID', 'Status', 'Info', 'Result', 'Reason', 'Num',
  // Catalog
  'SumNum', 'DeviceList', 'Item', 'Name', 'Manufacturer', 'Model', 'Owner', 'CivilCode', 'Block', 'Address', 'Parental',
  'ParentID', 'SafetyWay', 'RegisterWay', 'CertNum', 'Certifiable', 'ErrCode', 'EndTime', 'Secrecy', 'IPAddress', 'Port',
  'Password', 'Longitude', 'Latitude', 'Event', 'BusinessGroupID',
  // DeviceInfo / DeviceStatus
  'DeviceName', 'Firmware', 'Channel', 'Online', 'Encode', 'Record', 'DeviceTime', 'Alarmstatus', 'DutyStatus',
  // Alarm
  'AlarmPriority', 'AlarmMethod', 'AlarmTime', 'AlarmDescription', 'AlarmType', 'AlarmTypeParam', 'EventType',
  // DeviceControl
  'PTZCmd', 'ControlPriority', 'TeleBoot', 'RecordCmd', 'GuardCmd', 'AlarmCmd', 'IFameCmd',
];

const CANONICAL = new Map<string, string>([...KNOWN_NAMES, ...KNOWN_CMD_TYPES].map((n) => [n.toLowerCase(), n]));
const ARRAY_TAGS: ReadonlySet<string> = new Set(['Item']);

export const canonicalName = (name: string): string => CANONICAL.get(name.toLowerCase()) ?? name;

/**
 * Parses and checks a MANSCDP body. A Buffer is decoded by its declared (or
 * guessed) charset first; pass `opts.force` for devices known to mislabel it.
 */
export function parseManscdp(body: Buffer | string, opts: DecodeOptions = {}): ManscdpMessage {
  if (Buffer.isBuffer(body) && body.length > MAX_BODY_BYTES) {
    throw new ManscdpError('MANSCDP_TOO_LARGE', `the MANSCDP body is ${body.length} bytes, over ${MAX_BODY_BYTES}`);
  }
  const text = Buffer.isBuffer(body) ? decodeXmlBody(body, opts) : body;
  const doc = parseXml(text, { canonicalName, arrayTags: ARRAY_TAGS });
  const root = ROOTS.find((r) => r === doc.name);
  if (!root) throw new ManscdpError('MANSCDP_BAD_ROOT', `root element <${doc.name.slice(0, 40)}> is not Notify, Query, Control or Response`);
  return {
    root,
    cmdType: canonicalName(requireText(doc.root, 'CmdType')),
    sn: requireInt(doc.root, 'SN'),
    deviceId: requireId(doc.root, 'DeviceID'),
    fields: doc.root,
  };
}

/** Throws MANSCDP_WRONG_TYPE unless `msg` is one of the (root, CmdType) pairs a decoder reads. */
export function expectType(msg: ManscdpMessage, cmdType: string, roots: readonly ManscdpRoot[]): void {
  if (msg.cmdType !== cmdType || !roots.includes(msg.root)) {
    throw new ManscdpError('MANSCDP_WRONG_TYPE', `expected ${roots.join('/')} ${cmdType}, got ${msg.root} ${msg.cmdType.slice(0, 40)}`, 'CmdType');
  }
}
