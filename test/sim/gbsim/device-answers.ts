// How a simulated device answers the platform: Catalog (in pages), DeviceInfo,
// DeviceStatus, PTZ DeviceControl; INVITE → 200 with its SDP, ACK → stream,
// BYE → stop.
import {
  buildCatalogResponse, buildDeviceControlResponse, buildDeviceInfoResponse, buildDeviceStatusResponse, decodeDeviceControl, encodeXmlBody, parseManscdp,
} from '../../../gateway/gb28181/manscdp/index.ts';
import { buildRecordInfoResponse, parseDeviceTime } from '../../../gateway/gb28181/records/record-info.ts';
import { parsePlayAnswer } from '../../../gateway/gb28181/sdp.ts';
import { childText } from '../../../gateway/gb28181/manscdp/index.ts';
import type { SipEndpoint, SipRemote, SipRequest } from '../../../gateway/gb28181/sip/index.ts';
import type { GbDeviceSim } from './device.ts';
import { GB_CLIP_FPS } from './clip.ts';
import { RtpStream, type HistoryPlay, type Pacer } from './media-streams.ts';
import { parseMansrtsp } from '../../../gateway/gb28181/records/mansrtsp.ts';
import { parseHistoryOffer } from '../../../gateway/gb28181/records/playback-sdp.ts';

interface PendingPlay {
  channelId: string;
  stream: RtpStream;
}

export class DeviceAnswers {
  private readonly pending = new Map<string, PendingPlay>();

  constructor(private readonly sip: SipEndpoint, private readonly pacer: Pacer, private readonly bindHost: string) {}

  async handle(device: GbDeviceSim, req: SipRequest, remote: SipRemote, target: string): Promise<void> {
    const callId = req.headers.get('Call-ID') ?? '';
    switch (req.method) {
      case 'MESSAGE':
        return this.message(device, req, remote);
      case 'SUBSCRIBE':
        return device.subscriptions.handle(device, this.sip, req, remote);
      case 'INVITE':
        return this.invite(device, req, remote, target, callId);
      case 'ACK': {
        device.received.acks++;
        const play = this.pending.get(callId);
        if (!play) return;
        this.pending.delete(callId);
        device.streams.set(callId, play.stream);
        this.pacer.add(play.stream);
        device.emit('streaming', play.channelId);
        return;
      }
      case 'INFO': {
        const stream = device.streams.get(callId);
        const control = parseMansrtsp(req.body.toString('utf8'));
        if (!stream?.target.history || !control) {
          await this.sip.respond(req, remote, stream ? 400 : 481);
          return;
        }
        device.received.controls.push(control);
        const h = stream.target.history;
        if (control.action === 'pause') h.paused = true;
        else if (control.action === 'resume') h.paused = false;
        else if (control.action === 'speed') h.scale = control.scale;
        else {
          stream.seek(control.seconds);
          h.paused = false;
        }
        await this.sip.respond(req, remote, 200);
        return;
      }
      case 'BYE': {
        device.received.byes++;
        const stream = device.streams.get(callId) ?? this.pending.get(callId)?.stream;
        await this.sip.respond(req, remote, stream ? 200 : 481);
        stream?.end('BYE');
        return;
      }
      default:
        await this.sip.respond(req, remote, 405);
    }
  }

  private async message(device: GbDeviceSim, req: SipRequest, remote: SipRemote): Promise<void> {
    const msg = parseManscdp(req.body);
    device.received.queries[msg.cmdType] = (device.received.queries[msg.cmdType] ?? 0) + 1;
    const mute = device.options.mute?.[msg.cmdType];
    if (mute === 'silent') return;
    await this.sip.respond(req, remote, 200);
    if (mute === 'no-response') return;
    const reply = (xml: string) => device.link.request(device.toPlatform('MESSAGE', encodeXmlBody(xml, device.charset), 'Application/MANSCDP+xml'));
    if (msg.root === 'Query' && msg.cmdType === 'Catalog') {
      const page = device.options.catalogPageSize ?? 2;
      const items = device.channels;
      for (let at = 0; at < items.length || at === 0; at += page) {
        await reply(buildCatalogResponse(msg.sn, device.deviceId, items.length, items.slice(at, at + page)));
      }
    } else if (msg.root === 'Query' && msg.cmdType === 'DeviceInfo') {
      await reply(buildDeviceInfoResponse(msg.sn, {
        deviceId: device.deviceId, deviceName: `SIM ${device.deviceId}`, manufacturer: 'CityGW-Sim', model: 'SIM-NVR-1', firmware: 'V1.0.0', channelCount: device.channels.length, result: 'OK',
      }));
    } else if (msg.root === 'Query' && msg.cmdType === 'DeviceStatus') {
      await reply(buildDeviceStatusResponse(msg.sn, { deviceId: device.deviceId, online: true, result: 'OK', status: 'OK', encode: 'ON', record: 'OFF' }));
    } else if (msg.root === 'Query' && msg.cmdType === 'RecordInfo') {
      await this.recordInfo(device, msg.sn, msg.deviceId, childText(msg.fields, 'StartTime'), childText(msg.fields, 'EndTime'), childText(msg.fields, 'Type'), reply);
    } else if (msg.root === 'Control' && msg.cmdType === 'DeviceControl') {
      const control = decodeDeviceControl(msg);
      let result: 'OK' | 'ERROR' = 'OK';
      if (control.ptzCmd) {
        const seen = { channelId: msg.deviceId, ptzCmd: control.ptzCmd };
        device.received.ptz.push(seen);
        if (!device.ptzState.apply(msg.deviceId, control.ptzCmd)) result = 'ERROR';
        device.emit('ptz', seen);
      }
      await reply(buildDeviceControlResponse(msg.sn, msg.deviceId, result));
    }
  }

  /** The channel's recordings overlapping the asked range, in pages up to SumNum (SumNum 0 and no list when none). */
  private async recordInfo(
    device: GbDeviceSim, sn: number, channelId: string, startText: string | undefined, endText: string | undefined, type: string | undefined,
    reply: (xml: string) => Promise<unknown>,
  ): Promise<void> {
    if (device.options.malformedRecordInfo) {
      await reply(`<?xml version="1.0" encoding="UTF-8"?>\r\n<Response><CmdType>RecordInfo</CmdType><SN>${sn}</SN><DeviceID>${channelId}</DeviceID><RecordList Num="1"><Item><StartTime>yesterday</StartTime></Item></RecordList></Response>\r\n`);
      return;
    }
    const from = parseDeviceTime(startText) ?? 0;
    const to = parseDeviceTime(endText) ?? Infinity;
    const records = (device.options.recordings ?? [])
      .filter((r) => r.endAt > from && r.startAt < to && (!type || type === 'all' || type === r.type))
      .map((r, i) => ({ deviceId: channelId, name: `录像 ${i + 1}`, filePath: `/sim/${channelId}/${r.startAt}.ps`, address: '模拟点位', startAt: r.startAt, endAt: r.endAt, type: r.type }));
    const page = device.options.recordPageSize ?? 3;
    for (let at = 0; at < records.length || at === 0; at += page) {
      await reply(buildRecordInfoResponse(sn, channelId, records.length, records.slice(at, at + page)));
    }
  }

  private async invite(device: GbDeviceSim, req: SipRequest, remote: SipRemote, channelId: string, callId: string): Promise<void> {
    device.received.invites++;
    device.emit('invite', channelId);
    if (!device.channelIds.includes(channelId) || !device.options.clip) {
      await this.sip.respond(req, remote, 404);
      return;
    }
    const offer = parsePlayAnswer(req.body.toString('utf8'));
    if (!offer.address || !offer.port || offer.ssrc === undefined) {
      await this.sip.respond(req, remote, 488, 'Not Acceptable Here (no c=, m= or y=)');
      return;
    }
    const transport = offer.transport ?? 'udp';
    device.received.inviteTransports.push(transport);
    const ssrc = device.options.streamSsrcOverride ?? offer.ssrc;
    const asked = parseHistoryOffer(req.body.toString('utf8'));
    let history: HistoryPlay | undefined;
    if (asked.mode === 'Playback' || asked.mode === 'Download') {
      device.received.history.push({ mode: asked.mode, channelId: asked.channelId, from: asked.from, to: asked.to, downloadSpeed: asked.downloadSpeed, ssrc: offer.ssrc });
      const from = asked.from ?? 0;
      const to = asked.to ?? 0;
      const kept = (device.options.recordings ?? []).filter((r) => r.endAt > from && r.startAt < to);
      if (!kept.length || asked.channelId !== channelId) {
        await this.sip.respond(req, remote, 404, 'Not Found (no recording in that range)');
        return;
      }
      const end = Math.min(to, Math.max(...kept.map((r) => r.endAt)));
      history = {
        endFrame: Math.ceil((end - from) / 1000) * GB_CLIP_FPS, scale: asked.mode === 'Download' ? asked.downloadSpeed ?? 1 : 1, paused: false, credit: 0, ended: false,
        onEndOfFile: () => {
          device.received.endOfFile.push(channelId);
          const xml = `<?xml version="1.0" encoding="UTF-8"?>\r\n<Notify>\r\n<CmdType>MediaStatus</CmdType>\r\n<SN>${device.nextSn()}</SN>\r\n<DeviceID>${channelId}</DeviceID>\r\n<NotifyType>121</NotifyType>\r\n</Notify>\r\n`;
          device.link.request(device.toPlatform('MESSAGE', encodeXmlBody(xml, device.charset), 'Application/MANSCDP+xml')).catch(() => undefined);
        },
      };
    }
    const stream = new RtpStream({
      transport, address: offer.address, port: offer.port, ssrc, clip: device.options.clip, bindHost: this.bindHost, format: device.options.mediaFormat ?? 'ps', history,
    }, () => {
      this.pacer.remove(stream);
      device.streams.delete(callId);
      device.emit('stopped', channelId);
    });
    try {
      await stream.open();
    } catch (err) {
      await this.sip.respond(req, remote, 500, `Server Internal Error (media: ${(err as Error).message})`);
      return;
    }
    this.pending.set(callId, { channelId, stream });
    const { host, port } = device.link.via;
    const sdp = [
      'v=0', `o=${channelId} 0 0 IN IP4 ${this.bindHost}`, `s=${asked.mode ?? 'Play'}`, `c=IN IP4 ${this.bindHost}`, 't=0 0',
      `m=video ${port} ${transport === 'tcp' ? 'TCP/RTP/AVP' : 'RTP/AVP'} 96`, 'a=sendonly', 'a=rtpmap:96 PS/90000',
      // y= repeats the offer even when the override sends with another SSRC (a device that lies).
      ...(transport === 'tcp' ? ['a=setup:active', 'a=connection:new'] : []), `y=${String(offer.ssrc).padStart(10, '0')}`, '',
    ].join('\r\n');
    await this.sip.respond(req, remote, 200, undefined, { headers: { Contact: `<sip:${channelId}@${host}:${port}>` }, body: sdp, contentType: 'APPLICATION/SDP' });
  }
}
