// RecordInfo (GB/T 28181-2016 §9.7): the platform asks a channel for the
// recordings it keeps in a time range; the device answers in one or more
// MESSAGEs, each `<SumNum>` (the total) and `<RecordList Num=k>` (this
// message's share). Times are local time without a zone, as devices write them.
import { localTime } from '../cascade/local-time.ts';
import { childElement, childList, childText, escapeXml, ManscdpError, type ManscdpMessage, type XmlElement } from '../manscdp/index.ts';

export type RecordType = 'time' | 'alarm' | 'manual' | 'all';

export interface DeviceRecord {
  /** The channel that recorded it. */
  deviceId: string;
  name?: string;
  filePath?: string;
  address?: string;
  /** Epoch ms. */
  startAt: number;
  endAt: number;
  secrecy?: number;
  type?: string;
  recorderId?: string;
}

export interface RecordInfoPart {
  sumNum: number;
  records: DeviceRecord[];
  /** Items without a usable start and end (counted towards SumNum, not kept). */
  skipped: number;
}

export function buildRecordInfoQuery(sn: number, channelId: string, from: number, to: number, type: RecordType = 'all'): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\r\n<Query>\r\n<CmdType>RecordInfo</CmdType>\r\n<SN>${sn}</SN>\r\n<DeviceID>${escapeXml(channelId)}</DeviceID>\r\n`
    + `<StartTime>${localTime(new Date(from))}</StartTime>\r\n<EndTime>${localTime(new Date(to))}</EndTime>\r\n<Secrecy>0</Secrecy>\r\n<Type>${type}</Type>\r\n</Query>\r\n`;
}

/** The device side (simulator): one message of an answer. */
export function buildRecordInfoResponse(sn: number, channelId: string, sumNum: number, records: readonly DeviceRecord[]): string {
  const items = records.map((r) => '<Item>\r\n'
    + `<DeviceID>${escapeXml(r.deviceId)}</DeviceID>\r\n<Name>${escapeXml(r.name ?? '')}</Name>\r\n<FilePath>${escapeXml(r.filePath ?? '')}</FilePath>\r\n`
    + `<Address>${escapeXml(r.address ?? '')}</Address>\r\n<StartTime>${localTime(new Date(r.startAt))}</StartTime>\r\n<EndTime>${localTime(new Date(r.endAt))}</EndTime>\r\n`
    + `<Secrecy>${r.secrecy ?? 0}</Secrecy>\r\n<Type>${escapeXml(r.type ?? 'time')}</Type>\r\n</Item>\r\n`).join('');
  const list = sumNum === 0 ? '' : `<RecordList Num="${records.length}">\r\n${items}</RecordList>\r\n`;
  return `<?xml version="1.0" encoding="UTF-8"?>\r\n<Response>\r\n<CmdType>RecordInfo</CmdType>\r\n<SN>${sn}</SN>\r\n<DeviceID>${escapeXml(channelId)}</DeviceID>\r\n`
    + `<Name>${escapeXml(channelId)}</Name>\r\n<SumNum>${sumNum}</SumNum>\r\n${list}</Response>\r\n`;
}

/** Reads one answer MESSAGE. A missing or broken SumNum is malformed (we could never know when the answer is complete). */
export function decodeRecordInfo(msg: ManscdpMessage): RecordInfoPart {
  if (msg.root !== 'Response' || msg.cmdType !== 'RecordInfo') {
    throw new ManscdpError('MANSCDP_WRONG_TYPE', `expected Response RecordInfo, got ${msg.root} ${msg.cmdType.slice(0, 40)}`, 'CmdType');
  }
  const sumText = childText(msg.fields, 'SumNum');
  if (sumText === undefined || !/^\d{1,7}$/.test(sumText)) throw new ManscdpError('MANSCDP_BAD_VALUE', '<SumNum> is missing or not an integer', 'SumNum');
  const list = childElement(msg.fields, 'RecordList');
  const records: DeviceRecord[] = [];
  let skipped = 0;
  for (const node of list ? childList(list, 'Item') : []) {
    const record = typeof node === 'string' ? undefined : decodeRecordItem(node, msg.deviceId);
    if (record) records.push(record);
    else skipped++;
  }
  return { sumNum: Number(sumText), records, skipped };
}

function decodeRecordItem(el: XmlElement, channelId: string): DeviceRecord | undefined {
  const startAt = parseDeviceTime(childText(el, 'StartTime'));
  const endAt = parseDeviceTime(childText(el, 'EndTime'));
  if (startAt === undefined || endAt === undefined || endAt < startAt) return undefined;
  const secrecy = childText(el, 'Secrecy');
  const record: DeviceRecord = { deviceId: childText(el, 'DeviceID') ?? channelId, startAt, endAt };
  const text = { name: childText(el, 'Name'), filePath: childText(el, 'FilePath'), address: childText(el, 'Address'), type: childText(el, 'Type'), recorderId: childText(el, 'RecorderID') };
  for (const [k, v] of Object.entries(text)) if (v !== undefined) (record as unknown as Record<string, string>)[k] = v;
  if (secrecy !== undefined && /^\d$/.test(secrecy)) record.secrecy = Number(secrecy);
  return record;
}

/** `2026-01-01T08:00:00` (or with a space) in local time → epoch ms. */
export function parseDeviceTime(text: string | undefined): number | undefined {
  if (!text || !/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}$/.test(text)) return undefined;
  const ms = Date.parse(text.replace(' ', 'T'));
  return Number.isFinite(ms) ? ms : undefined;
}
