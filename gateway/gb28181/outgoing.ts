// Requests the platform sends to devices: MANSCDP MESSAGEs, INVITE and BYE.
// From is always our platform id in our domain; the Via and Contact carry the
// address devices reach us at, so their answers come back to us. A device
// registered through an edge proxy is reached through it: the Request-URI
// names the device's own address, the Route its REGISTER's Path; in a dialog,
// the route set is the Record-Route of the device's 200 (RFC 3261 §12.2.1.1).
import type { DeviceRemote } from './devices.ts';
import { deviceAddressOf, routeTo } from './edge-proxy.ts';
import type { OutgoingCharset } from './manscdp/index.ts';
import { encodeXmlBody } from './manscdp/index.ts';
import { buildRequest, newCallId, newTag, type SipRemote, type SipRequest } from './sip/index.ts';

export interface PlatformIdentity {
  id: string;
  domain: string;
  /** Announced address and SIP port (Via, Contact, SDP). */
  address: string;
  port: number;
}

/** What a confirmed INVITE leaves behind to end the call with a BYE. */
export interface Dialog {
  callId: string;
  localTag: string;
  /** The device's To header from the 200, with its tag. */
  remoteTo: string;
  /** The device's Contact URI from the 200 (the BYE's Request-URI). */
  remoteTarget: string;
  cseq: number;
  remote: SipRemote;
  /** The dialog's route set: the 200's Record-Route, reversed. */
  routes: string[];
}

export const MANSCDP = 'Application/MANSCDP+xml';

export class OutgoingRequests {
  private cseq = 1;

  constructor(readonly me: PlatformIdentity) {}

  private via(remote: SipRemote) {
    return { transport: remote.transport, host: this.me.address, port: this.me.port };
  }

  private from(tag: string): string {
    return `<sip:${this.me.id}@${this.me.domain}>;tag=${tag}`;
  }

  get contact(): string {
    return `<sip:${this.me.id}@${this.me.address}:${this.me.port}>`;
  }

  /** A MANSCDP MESSAGE to a device (or one of its channels), body in the device's charset. */
  message(remote: DeviceRemote, targetId: string, xml: string, charset: OutgoingCharset): SipRequest {
    return buildRequest({
      method: 'MESSAGE',
      uri: `sip:${targetId}@${hostPort(remote)}`,
      from: this.from(newTag()),
      to: `<sip:${targetId}@${this.me.domain}>`,
      callId: newCallId(this.me.address),
      cseq: this.cseq++,
      via: this.via(remote),
      headers: routeTo(remote),
      body: encodeXmlBody(xml, charset),
      contentType: MANSCDP,
    });
  }

  /** A live-play INVITE for one channel; the Subject names the channel and the SSRC (GB/T 28181 §9.2). */
  invite(remote: DeviceRemote, channelId: string, ssrc: string, sdp: string): { request: SipRequest; localTag: string; callId: string } {
    const localTag = newTag();
    const callId = newCallId(this.me.address);
    const request = buildRequest({
      method: 'INVITE',
      uri: `sip:${channelId}@${hostPort(remote)}`,
      from: this.from(localTag),
      to: `<sip:${channelId}@${this.me.domain}>`,
      callId,
      cseq: 1,
      via: this.via(remote),
      contact: this.contact,
      headers: { Subject: `${channelId}:${ssrc},${this.me.id}:0`, ...routeTo(remote) },
      body: sdp,
      contentType: 'APPLICATION/SDP',
    });
    return { request, localTag, callId };
  }

  bye(dialog: Dialog): SipRequest {
    return buildRequest({
      method: 'BYE',
      uri: dialog.remoteTarget,
      from: this.from(dialog.localTag),
      to: dialog.remoteTo,
      callId: dialog.callId,
      cseq: ++dialog.cseq,
      via: this.via(dialog.remote),
      contact: this.contact,
      headers: dialog.routes.length ? { Route: dialog.routes.join(', ') } : undefined,
    });
  }
}

function hostPort(remote: DeviceRemote): string {
  const { address, port } = deviceAddressOf(remote);
  const host = address.includes(':') ? `[${address}]` : address;
  return `${host}:${port}`;
}
