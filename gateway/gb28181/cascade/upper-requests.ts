// The requests we send to one upper platform: REGISTER (as a lower platform,
// the way a device does), MANSCDP MESSAGEs, Catalog NOTIFYs and BYE. From is
// our platform id; Via and Contact carry the address the upper reaches us at.
import { encodeXmlBody } from '../manscdp/index.ts';
import type { PlatformIdentity } from '../outgoing.ts';
import { buildRequest, newCallId, newTag, type SipRemote, type SipRequest } from '../sip/index.ts';
import type { UpperPlatform } from './config.ts';

const MANSCDP = 'Application/MANSCDP+xml';

/** What an INVITE from above leaves behind to end the call from our side. */
export interface UpperDialog {
  callId: string;
  /** Our tag (the To tag of our 200). */
  localTag: string;
  /** The upper's From header (its tag included): our BYE's To. */
  remoteFrom: string;
  /** The upper's Contact URI: our BYE's Request-URI. */
  remoteTarget: string;
  /** Our To header value without the tag: our BYE's From. */
  localUri: string;
  cseq: number;
  remote: SipRemote;
}

export class UpperRequests {
  private cseq = 1;
  /** One Call-ID for every REGISTER of this binding (RFC 3261 §10.2). */
  private readonly registerCallId: string;
  private readonly registerTag = newTag();

  constructor(readonly me: PlatformIdentity, readonly upper: UpperPlatform) {
    this.registerCallId = newCallId(me.address);
  }

  get remote(): SipRemote {
    return { transport: this.upper.transport, address: this.upper.address, port: this.upper.port };
  }

  get registrarUri(): string {
    return `sip:${this.upper.id}@${this.upper.domain}`;
  }

  get contact(): string {
    const host = this.me.address.includes(':') ? `[${this.me.address}]` : this.me.address;
    return `<sip:${this.me.id}@${host}:${this.me.port}>`;
  }

  register(expires: number, authorization?: string): SipRequest {
    const self = `<sip:${this.me.id}@${this.me.domain}>`;
    return buildRequest({
      method: 'REGISTER', uri: this.registrarUri, from: `${self};tag=${this.registerTag}`, to: self, callId: this.registerCallId,
      cseq: this.cseq++, via: this.via(), contact: this.contact,
      headers: { Expires: expires, 'User-Agent': 'CityGW', ...(authorization ? { Authorization: authorization } : {}) },
    });
  }

  /** A MANSCDP MESSAGE outside any dialog (keepalive, answers, alarms), in GB2312 as devices send. */
  message(xml: string): SipRequest {
    return this.outOfDialog('MESSAGE', xml);
  }

  /** A Catalog change NOTIFY (GB/T 28181 §9.11.3): in the upper's subscription when it made one, else outside any dialog. */
  catalogNotify(xml: string, subscription?: UpperDialog & { event: string; expiresAt: number }): SipRequest {
    if (!subscription) return this.outOfDialog('NOTIFY', xml, { Event: 'Catalog', 'Subscription-State': 'active' });
    const left = Math.max(0, Math.round((subscription.expiresAt - Date.now()) / 1000));
    return buildRequest({
      method: 'NOTIFY', uri: subscription.remoteTarget, from: `${subscription.localUri};tag=${subscription.localTag}`, to: subscription.remoteFrom,
      callId: subscription.callId, cseq: ++subscription.cseq, via: { transport: subscription.remote.transport, host: this.me.address, port: this.me.port },
      contact: this.contact, headers: { Event: subscription.event, 'Subscription-State': `active;expires=${left}` },
      body: encodeXmlBody(xml, 'GB2312'), contentType: MANSCDP,
    });
  }

  bye(d: UpperDialog): SipRequest {
    return buildRequest({
      method: 'BYE', uri: d.remoteTarget, from: `${d.localUri};tag=${d.localTag}`, to: d.remoteFrom, callId: d.callId,
      cseq: ++d.cseq, via: { transport: d.remote.transport, host: this.me.address, port: this.me.port }, contact: this.contact,
    });
  }

  private outOfDialog(method: string, xml: string, headers: Record<string, string> = {}): SipRequest {
    return buildRequest({
      method, uri: this.registrarUri, from: `<sip:${this.me.id}@${this.me.domain}>;tag=${newTag()}`, to: `<sip:${this.upper.id}@${this.upper.domain}>`,
      callId: newCallId(this.me.address), cseq: this.cseq++, via: this.via(), headers, body: encodeXmlBody(xml, 'GB2312'), contentType: MANSCDP,
    });
  }

  private via() {
    return { transport: this.upper.transport, host: this.me.address, port: this.me.port };
  }
}
