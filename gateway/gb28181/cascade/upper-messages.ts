// MESSAGEs from an upper platform: Catalog (paged up to SumNum), DeviceInfo
// and DeviceStatus of our platform, DeviceControl forwarded to a GB28181
// channel's device. Each is answered 200 first, the Response follows as its own
// MESSAGE; an unknown CmdType is 200 and logged, a malformed body 400.
import type { Logger } from 'pino';
import {
  buildCatalogResponse, buildDeviceControlResponse, buildDeviceInfoResponse, buildDeviceStatusResponse, childText, decodeDeviceControl, ManscdpError, parseManscdp,
  type ManscdpMessage,
} from '../manscdp/index.ts';
import { buildRecordInfoResponse, parseDeviceTime, type DeviceRecord, type RecordType } from '../records/record-info.ts';
import type { SipEndpoint, SipRemote, SipRequest } from '../sip/index.ts';
import type { ChannelView } from './channel-book.ts';
import { catalogItem, type ItemContext } from './catalog-items.ts';
import type { UpperLink } from './upper-link.ts';
import { localTime } from './local-time.ts';

export interface MessageDeps {
  sip: SipEndpoint;
  ctx: ItemContext;
  /** The channels shared with this upper platform, in a stable order. */
  shared(upperId: string): ChannelView[];
  /** A shared channel by its code, or undefined. */
  sharedByCode(upperId: string, code: string): ChannelView | undefined;
  /** Sends a PTZCmd to a GB28181 channel's device; throws with the reason when it cannot. */
  ptz(channel: ChannelView, ptzCmd: string): Promise<void>;
  /** RecordInfo of a shared GB28181 channel, asked of its device. */
  recordInfo?(channel: ChannelView, from: number, to: number, type: RecordType): Promise<DeviceRecord[]>;
  /** RecordInfo of a shared RTSP/RTMP channel from the gateway's own recordings (own-records.ts); undefined while none are kept. */
  ownRecordInfo?(channel: ChannelView, from: number, to: number, type: RecordType): Promise<DeviceRecord[]> | undefined;
  log: Logger;
}

export class UpperMessages {
  constructor(private readonly deps: MessageDeps) {}

  async handle(req: SipRequest, remote: SipRemote, link: UpperLink): Promise<void> {
    let msg: ManscdpMessage;
    try {
      msg = parseManscdp(req.body);
    } catch (err) {
      if (!(err instanceof ManscdpError)) throw err;
      this.deps.log.warn({ upperId: link.upper.id, code: err.code, reason: err.message }, 'GB28181 upper platform MESSAGE body refused');
      await this.deps.sip.respond(req, remote, 400, `Bad Request (${err.code})`);
      return;
    }
    await this.deps.sip.respond(req, remote, 200);
    const key = `${msg.root}:${msg.cmdType}`;
    try {
      if (key === 'Query:Catalog') await this.catalog(msg, link);
      else if (key === 'Query:DeviceInfo') await this.deviceInfo(msg, link);
      else if (key === 'Query:DeviceStatus') await this.deviceStatus(msg, link);
      else if (key === 'Control:DeviceControl') await this.control(msg, link);
      else if (key === 'Query:RecordInfo' && (this.deps.recordInfo || this.deps.ownRecordInfo)) await this.recordInfo(msg, link);
      else this.deps.log.info({ upperId: link.upper.id, root: msg.root, cmdType: msg.cmdType }, 'GB28181 upper platform MESSAGE not handled (answered 200)');
    } catch (err) {
      // The 200 is sent; a Response that could not follow is logged with why.
      this.deps.log.warn({ upperId: link.upper.id, cmdType: msg.cmdType, err: (err as Error).message }, 'GB28181 answer to the upper platform not delivered');
    }
  }

  /** Every shared channel, `catalogPageSize` items per MESSAGE, each MESSAGE after the last was answered. */
  private async catalog(msg: ManscdpMessage, link: UpperLink): Promise<void> {
    link.counts.catalogQueries++;
    const items = this.deps.shared(link.upper.id).map((v) => catalogItem(v, this.deps.ctx));
    const size = link.upper.catalogPageSize;
    const pages = Math.max(1, Math.ceil(items.length / size));
    for (let p = 0; p < pages; p++) {
      const xml = buildCatalogResponse(msg.sn, this.deps.ctx.platformId, items.length, items.slice(p * size, (p + 1) * size));
      const res = await link.request(link.out.message(xml));
      if (res.status >= 300) throw new Error(`the upper platform answered ${res.status} to catalog page ${p + 1} of ${pages}`);
    }
  }

  private async deviceInfo(msg: ManscdpMessage, link: UpperLink): Promise<void> {
    link.counts.deviceInfoQueries++;
    const channel = this.deps.sharedByCode(link.upper.id, msg.deviceId);
    const info = channel
      ? { deviceId: msg.deviceId, deviceName: channel.name, manufacturer: channel.manufacturer ?? 'CityGW', model: channel.model ?? channel.kind, firmware: '1', result: 'OK' }
      : { deviceId: this.deps.ctx.platformId, deviceName: 'CityGW', manufacturer: 'CityGW', model: 'CityGW gateway', firmware: '1', channelCount: this.deps.shared(link.upper.id).length, result: 'OK' };
    await this.answer(link, buildDeviceInfoResponse(msg.sn, info));
  }

  private async deviceStatus(msg: ManscdpMessage, link: UpperLink): Promise<void> {
    link.counts.deviceStatusQueries++;
    const channel = this.deps.sharedByCode(link.upper.id, msg.deviceId);
    const online = channel ? channel.status === 'ON' : true;
    const deviceId = channel ? msg.deviceId : this.deps.ctx.platformId;
    await this.answer(link, buildDeviceStatusResponse(msg.sn, { deviceId, online, status: 'OK', encode: 'ON', record: 'OFF', deviceTime: localTime(new Date()), result: 'OK' }));
  }

  /** PTZ (moves, presets) for a shared GB28181 channel goes to its device; anything else is answered ERROR with the reason logged. */
  private async control(msg: ManscdpMessage, link: UpperLink): Promise<void> {
    link.counts.controls++;
    const control = decodeDeviceControl(msg);
    const channel = this.deps.sharedByCode(link.upper.id, msg.deviceId);
    let problem: string | undefined;
    if (!channel) problem = `no shared channel with code ${msg.deviceId}`;
    else if (!control.ptzCmd) problem = 'only PTZCmd controls are forwarded';
    else if (!channel.gb) problem = `channel ${channel.id} is a ${channel.kind} channel: it takes no PTZ commands`;
    if (!problem) {
      try {
        await this.deps.ptz(channel!, control.ptzCmd!);
      } catch (err) {
        problem = (err as Error).message;
      }
    }
    if (problem) this.deps.log.info({ upperId: link.upper.id, code: msg.deviceId, problem }, 'GB28181 DeviceControl from the upper platform not carried out');
    await this.answer(link, buildDeviceControlResponse(msg.sn, msg.deviceId, problem ? 'ERROR' : 'OK'));
  }

  /**
   * RecordInfo for a shared GB28181 channel: forwarded down to its device and
   * answered up under the channel's code, paged up to SumNum; for an RTSP/RTMP
   * channel, from the gateway's own recordings. Anything else (no such channel,
   * no recordings kept, the device failed) is SumNum 0 with the reason logged.
   */
  private async recordInfo(msg: ManscdpMessage, link: UpperLink): Promise<void> {
    const channel = this.deps.sharedByCode(link.upper.id, msg.deviceId);
    const from = parseDeviceTime(childText(msg.fields, 'StartTime'));
    const to = parseDeviceTime(childText(msg.fields, 'EndTime'));
    const asked = childText(msg.fields, 'Type');
    const type: RecordType = asked === 'time' || asked === 'alarm' || asked === 'manual' ? asked : 'all';
    let records: DeviceRecord[] = [];
    let problem: string | undefined;
    if (!channel) problem = `no shared channel with code ${msg.deviceId}`;
    else if (from === undefined || to === undefined || to <= from) problem = 'StartTime and EndTime must be device times, the end after the start';
    if (!problem) {
      try {
        const own = channel!.gb ? undefined : this.deps.ownRecordInfo?.(channel!, from!, to!, type);
        if (!channel!.gb && !own) problem = `channel ${channel!.id} is a ${channel!.kind} channel and the gateway keeps no recordings (recording off)`;
        else if (own) records = await own;
        else if (this.deps.recordInfo) records = await this.deps.recordInfo(channel!, from!, to!, type);
        else problem = 'recordings kept on devices are not asked here';
      } catch (err) {
        problem = (err as Error).message;
      }
    }
    if (problem) this.deps.log.info({ upperId: link.upper.id, code: msg.deviceId, problem }, 'GB28181 RecordInfo from the upper platform answered empty');
    const named = records.map((r) => ({ ...r, deviceId: msg.deviceId }));
    const size = link.upper.catalogPageSize;
    for (let at = 0; at < named.length || at === 0; at += size) {
      const res = await link.request(link.out.message(buildRecordInfoResponse(msg.sn, msg.deviceId, named.length, named.slice(at, at + size))));
      if (res.status >= 300) throw new Error(`the upper platform answered ${res.status} to a RecordInfo page`);
    }
  }

  private async answer(link: UpperLink, xml: string): Promise<void> {
    const res = await link.request(link.out.message(xml));
    if (res.status >= 300) throw new Error(`the upper platform answered ${res.status}`);
  }
}
