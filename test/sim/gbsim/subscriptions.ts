// The platform's subscriptions as a simulated device holds them: SUBSCRIBE
// answered 200 (with the Expires it grants), refreshes counted in the same
// dialog, and NOTIFYs sent in that dialog (catalog changes, positions).
import { buildCatalogNotify, buildMobilePositionNotify, childText, encodeXmlBody, parseManscdp, type CatalogItem, type MobilePosition } from '../../../gateway/gb28181/manscdp/index.ts';
import { buildRequest, newTag, tagOf, type SipEndpoint, type SipRemote, type SipRequest, type SipResponse } from '../../../gateway/gb28181/sip/index.ts';
import type { GbDeviceSim } from './device.ts';

export type SimSubscriptionKind = 'Catalog' | 'Alarm' | 'MobilePosition';

export interface SimSubscription {
  kind: SimSubscriptionKind;
  event: string;
  callId: string;
  /** The platform's From (with its tag): our NOTIFY's To. */
  platformFrom: string;
  localTag: string;
  expires: number;
  /** SUBSCRIBEs in this dialog, the first included. */
  requests: number;
  /** MobilePosition: the Interval the platform asked for. */
  interval?: string;
  cseq: number;
}

export class SimSubscriptions {
  readonly byKind = new Map<SimSubscriptionKind, SimSubscription>();
  /** Every SUBSCRIBE received, in order (refreshes and new dialogs alike). */
  readonly received: Array<{ kind: string; event: string; callId: string; expires: number }> = [];
  /** Kinds answered 489 Bad Event, as a device that offers no such subscription. */
  refuse = new Set<SimSubscriptionKind>();
  /** Expires granted at most (a device may grant less than asked). */
  grantSeconds?: number;

  async handle(device: GbDeviceSim, sip: SipEndpoint, req: SipRequest, remote: SipRemote): Promise<void> {
    const msg = parseManscdp(req.body);
    const kind = msg.cmdType as SimSubscriptionKind;
    const event = req.headers.get('Event') ?? '';
    const asked = Number(req.headers.get('Expires') ?? 3600);
    const callId = req.headers.get('Call-ID') ?? '';
    this.received.push({ kind, event, callId, expires: asked });
    if (this.refuse.has(kind)) {
      await sip.respond(req, remote, 489, 'Bad Event');
      return;
    }
    const expires = Math.min(asked, this.grantSeconds ?? asked);
    const known = this.byKind.get(kind);
    const sameDialog = known?.callId === callId;
    const localTag = tagOf(req.headers.get('To')) ?? (sameDialog ? known.localTag : newTag());
    const { host, port } = device.link.via;
    await sip.respond(req, remote, 200, undefined, { toTag: localTag, headers: { Expires: String(expires), Contact: `<sip:${device.deviceId}@${host}:${port}>` } });
    if (expires === 0) {
      this.byKind.delete(kind);
      return;
    }
    this.byKind.set(kind, {
      kind, event, callId, platformFrom: req.headers.get('From') ?? '', localTag, expires, requests: sameDialog ? known.requests + 1 : 1,
      interval: childText(msg.fields, 'Interval'),
      cseq: sameDialog ? known.cseq : 0,
    });
  }

  /** Catalog changes (items with Event ADD, DEL, UPDATE, ON, OFF) in the Catalog subscription's dialog. */
  notifyCatalog(device: GbDeviceSim, items: CatalogItem[]): Promise<SipResponse> {
    return this.notify(device, 'Catalog', buildCatalogNotify(device.nextSn(), device.deviceId, items));
  }

  /** A position (of the device or one of its channels) in the MobilePosition subscription's dialog. */
  notifyPosition(device: GbDeviceSim, p: MobilePosition): Promise<SipResponse> {
    return this.notify(device, 'MobilePosition', buildMobilePositionNotify(device.nextSn(), p));
  }

  private notify(device: GbDeviceSim, kind: SimSubscriptionKind, xml: string): Promise<SipResponse> {
    const sub = this.byKind.get(kind);
    if (!sub) throw new Error(`the platform has no ${kind} subscription with ${device.deviceId}`);
    const { id, domain } = device.link.platform;
    return device.link.request(buildRequest({
      method: 'NOTIFY', uri: `sip:${id}@${domain}`, from: `<sip:${device.deviceId}@${domain}>;tag=${sub.localTag}`, to: sub.platformFrom,
      callId: sub.callId, cseq: ++sub.cseq, via: device.link.via,
      headers: { Event: sub.event, 'Subscription-State': `active;expires=${sub.expires}` },
      body: encodeXmlBody(xml, device.charset), contentType: 'Application/MANSCDP+xml',
    }));
  }
}
