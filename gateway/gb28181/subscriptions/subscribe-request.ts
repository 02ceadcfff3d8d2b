// The SUBSCRIBE requests the platform sends a device (RFC 6665 with GB/T 28181
// §9.11): the first one opens a dialog, refreshes and the final `Expires: 0`
// travel in it (same Call-ID and tags, CSeq counting up, the device's Contact
// as the Request-URI, its Record-Route as the route set).
import type { DeviceRemote } from '../devices.ts';
import { deviceAddressOf, routeTo } from '../edge-proxy.ts';
import { encodeXmlBody, type OutgoingCharset } from '../manscdp/index.ts';
import { MANSCDP, type PlatformIdentity } from '../outgoing.ts';
import { buildRequest, formatUri, newCallId, newTag, parseNameAddr, type SipRequest, type SipResponse } from '../sip/index.ts';

export interface SubscribeDialog {
  callId: string;
  localTag: string;
  /** The device's To with its tag, once its 200 came. */
  remoteTo: string;
  remoteTarget: string;
  routes: string[];
  cseq: number;
}

/** The Event header of each kind: Catalog has its own package, Alarm and MobilePosition ride on presence. */
export const EVENT_OF = { Catalog: 'Catalog', Alarm: 'presence', MobilePosition: 'presence' } as const;

export function subscribeRequest(
  me: PlatformIdentity, remote: DeviceRemote, deviceId: string, o: { event: string; expires: number; xml: string; charset: OutgoingCharset; dialog?: SubscribeDialog },
): { request: SipRequest; dialog: SubscribeDialog } {
  const { address, port } = deviceAddressOf(remote);
  const host = address.includes(':') ? `[${address}]` : address;
  const dialog: SubscribeDialog = o.dialog ?? {
    callId: newCallId(me.address), localTag: newTag(), remoteTo: `<sip:${deviceId}@${me.domain}>`, remoteTarget: `sip:${deviceId}@${host}:${port}`, routes: [], cseq: 0,
  };
  dialog.cseq++;
  const routes = dialog.routes.length ? { Route: dialog.routes.join(', ') } : o.dialog ? undefined : routeTo(remote);
  const request = buildRequest({
    method: 'SUBSCRIBE',
    uri: dialog.remoteTarget,
    from: `<sip:${me.id}@${me.domain}>;tag=${dialog.localTag}`,
    to: dialog.remoteTo,
    callId: dialog.callId,
    cseq: dialog.cseq,
    via: { transport: remote.transport, host: me.address, port: me.port },
    contact: `<sip:${me.id}@${me.address}:${me.port}>`,
    headers: { Event: o.event, Expires: String(o.expires), ...routes },
    body: encodeXmlBody(o.xml, o.charset),
    contentType: MANSCDP,
  });
  return { request, dialog };
}

/** A 2xx confirms the dialog: the device's tag, its Contact and route set are used from then on. */
export function confirmDialog(dialog: SubscribeDialog, res: SipResponse): void {
  dialog.remoteTo = res.headers.get('To') ?? dialog.remoteTo;
  const contact = res.headers.get('Contact');
  if (contact) dialog.remoteTarget = formatUri(parseNameAddr(contact).uri);
  const recordRoute = res.headers.getAll('Record-Route');
  if (recordRoute.length) dialog.routes = recordRoute.flatMap((v) => v.split(/,(?![^<]*>)/).map((s) => s.trim())).reverse();
}
