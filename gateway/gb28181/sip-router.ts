// Incoming SIP requests by method. GB/T 28181 devices send REGISTER, MESSAGE
// and BYE (a stream they end); an ACK needs no answer; the rest is refused
// with 405 and the list of what we accept.
import type { Logger } from 'pino';
import type { Cascade } from './cascade/index.ts';
import type { MessageHandler } from './messages.ts';
import type { LiveSessions } from './play/live-sessions.ts';
import type { RegisterHandler } from './register.ts';
import type { NotifyHandler } from './subscriptions/notify-handler.ts';
import type { SipEndpoint, SipRemote, SipRequest } from './sip/index.ts';

const ALLOW = 'REGISTER, MESSAGE, BYE, ACK, OPTIONS, NOTIFY';

export class SipRouter {
  constructor(
    private readonly sip: SipEndpoint,
    private readonly register: RegisterHandler,
    private readonly messages: MessageHandler,
    /** Live sessions and device playbacks: a device's BYE ends one of them. */
    private readonly live: Pick<LiveSessions, 'endByCallId'>,
    private readonly log: Logger,
    private readonly notify: NotifyHandler,
    private readonly cascade?: Cascade,
  ) {}

  readonly handle = async (req: SipRequest, remote: SipRemote): Promise<void> => {
    // Upper platforms we are registered with (级联) query, play and control through the cascade.
    if (req.method !== 'REGISTER' && this.cascade?.claims(req)) return this.cascade.handle(req, remote);
    switch (req.method) {
      case 'REGISTER':
        await this.register.handle(req, remote);
        return;
      case 'MESSAGE':
        await this.messages.handle(req, remote);
        return;
      case 'BYE': {
        const callId = req.headers.get('Call-ID') ?? '';
        const ended = this.live.endByCallId(callId);
        await this.sip.respond(req, remote, ended ? 200 : 481);
        return;
      }
      case 'ACK':
        return;
      case 'OPTIONS':
        await this.sip.respond(req, remote, 200, undefined, { headers: { Allow: ALLOW } });
        return;
      case 'NOTIFY':
        // Our subscriptions' catalog changes, alarms and positions (subscriptions/).
        await this.notify.handle(req, remote);
        return;
      default:
        this.log.debug({ method: req.method, address: remote.address }, 'GB28181 request method not supported');
        await this.sip.respond(req, remote, 405, undefined, { headers: { Allow: ALLOW } });
    }
  };
}
