// MESSAGE from devices: keepalives, answers to our queries, alarms. Only a
// registered device, from the address it registered from, is heard; a body
// that does not parse is answered 400 with the reason and counted.
import type { Logger } from 'pino';
import type { DeviceSessions } from './devices.ts';
import { buildAlarmResponse, decodeAlarm, decodeKeepalive, ManscdpError, parseManscdp, type AlarmNotify, type ManscdpMessage } from './manscdp/index.ts';
import type { OutgoingRequests } from './outgoing.ts';
import type { DeviceQueries } from './queries.ts';
import { senderOf } from './sender.ts';
import type { NotifyHandler } from './subscriptions/notify-handler.ts';
import { type SipEndpoint, type SipRemote, type SipRequest } from './sip/index.ts';

export interface MessageCounts {
  keepalives: number;
  answers: number;
  alarms: number;
  unmatchedAnswers: number;
  unhandled: number;
  badBodies: number;
  notRegistered: number;
}

export class MessageHandler {
  readonly counts: MessageCounts = { keepalives: 0, answers: 0, alarms: 0, unmatchedAnswers: 0, unhandled: 0, badBodies: 0, notRegistered: 0 };

  constructor(
    private readonly sip: SipEndpoint,
    private readonly devices: DeviceSessions,
    private readonly queries: DeviceQueries,
    private readonly out: OutgoingRequests,
    private readonly log: Logger,
    private readonly onAlarm: (deviceId: string, alarm: AlarmNotify) => void,
    private readonly notify?: NotifyHandler,
    /** MediaStatus notifications (121: a device playback reached the end of its file). */
    private readonly onMediaStatus?: (deviceId: string, msg: ManscdpMessage) => void,
  ) {}

  async handle(req: SipRequest, remote: SipRemote): Promise<void> {
    const deviceId = senderOf(req);
    const session = deviceId ? this.devices.get(deviceId) : undefined;
    if (!deviceId || !session || session.remote.address !== remote.address) {
      this.counts.notRegistered++;
      // 403 tells a device that lost its registration (our restart) to register again.
      await this.sip.respond(req, remote, 403, 'Forbidden (not registered)');
      return;
    }
    let msg: ManscdpMessage;
    try {
      msg = parseManscdp(req.body);
    } catch (err) {
      if (!(err instanceof ManscdpError)) throw err;
      this.counts.badBodies++;
      this.log.warn({ deviceId, code: err.code, field: err.field, reason: err.message }, 'GB28181 MESSAGE body refused');
      await this.sip.respond(req, remote, 400, `Bad Request (${err.code}: ${ascii(err.message)})`);
      return;
    }
    try {
      await this.dispatch(deviceId, msg, req, remote);
    } catch (err) {
      if (!(err instanceof ManscdpError)) throw err;
      this.counts.badBodies++;
      this.log.warn({ deviceId, cmdType: msg.cmdType, code: err.code, field: err.field, reason: err.message }, 'GB28181 MESSAGE content refused');
      await this.sip.respond(req, remote, 400, `Bad Request (${err.code}: ${ascii(err.message)})`);
    }
  }

  private async dispatch(deviceId: string, msg: ManscdpMessage, req: SipRequest, remote: SipRemote): Promise<void> {
    if (msg.root === 'Notify' && msg.cmdType === 'Keepalive') {
      const keepalive = decodeKeepalive(msg);
      this.devices.touch(deviceId, { ...remote });
      this.counts.keepalives++;
      if (!keepalive.ok) this.log.warn({ deviceId, status: keepalive.status, faulty: keepalive.faultyDeviceIds }, 'GB28181 device reports a fault in its keepalive');
      await this.sip.respond(req, remote, 200);
      return;
    }
    if (msg.root === 'Response') {
      // Decoded (and so checked) before the 200, so a broken answer gets its 400.
      const matched = this.queries.receive(deviceId, msg);
      if (matched) this.counts.answers++;
      else this.counts.unmatchedAnswers++;
      await this.sip.respond(req, remote, 200);
      return;
    }
    if (msg.root === 'Notify' && msg.cmdType === 'Alarm') {
      const alarm = decodeAlarm(msg);
      this.counts.alarms++;
      await this.sip.respond(req, remote, 200);
      this.onAlarm(deviceId, alarm);
      // The platform confirms the alarm with a Response (GB/T 28181 §9.4.2); a lost one is no harm.
      const session = this.devices.get(deviceId);
      if (session) {
        const confirm = this.out.message(session.remote, deviceId, buildAlarmResponse(msg.sn, msg.deviceId), session.charset);
        this.sip.request(session.remote, confirm, { timeoutMs: 4000 }).catch((err: Error) => this.log.debug({ deviceId, err: err.message }, 'alarm response not answered'));
      }
      return;
    }
    if (msg.root === 'Notify' && msg.cmdType === 'MediaStatus' && this.onMediaStatus) {
      await this.sip.respond(req, remote, 200);
      this.onMediaStatus(deviceId, msg);
      return;
    }
    // Catalog changes and positions sent as MESSAGE rather than NOTIFY: the subscriptions' handler.
    if (this.notify?.claims(msg)) {
      this.notify.check(msg);
      await this.sip.respond(req, remote, 200);
      this.notify.take(deviceId, msg);
      return;
    }
    // The rest: acknowledged, not used.
    this.counts.unhandled++;
    this.log.debug({ deviceId, root: msg.root, cmdType: msg.cmdType }, 'GB28181 MESSAGE not handled');
    await this.sip.respond(req, remote, 200);
  }
}

const ascii = (s: string) => s.replace(/[^\x20-\x7e]/g, '?').slice(0, 120);
