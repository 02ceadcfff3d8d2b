// SUBSCRIBE from an upper platform (Event: Catalog): our catalog NOTIFYs then
// go in its dialog until it expires or is ended with Expires: 0. Without one
// they go outside any dialog, which most platforms take as well.
import { formatUri, newTag, parseNameAddr, tagOf, type SipEndpoint, type SipRemote, type SipRequest } from '../sip/index.ts';
import type { UpperDialog } from './upper-requests.ts';

export type Subscription = UpperDialog & { event: string; expiresAt: number };

const MAX_EXPIRES = 86_400;

export class CatalogSubscriptions {
  private readonly byUpper = new Map<string, Subscription>();

  constructor(private readonly sip: SipEndpoint) {}

  /** The live subscription of an upper platform, if any. */
  of(upperId: string): Subscription | undefined {
    const s = this.byUpper.get(upperId);
    if (s && s.expiresAt <= Date.now()) this.byUpper.delete(upperId);
    return this.byUpper.get(upperId);
  }

  async handle(req: SipRequest, remote: SipRemote, upperId: string): Promise<void> {
    const event = req.headers.get('Event') ?? '';
    if (!/^catalog\b/i.test(event.trim())) {
      await this.sip.respond(req, remote, 489, 'Bad Event (only Catalog is offered)', { headers: { 'Allow-Events': 'Catalog' } });
      return;
    }
    const asked = Number(req.headers.get('Expires') ?? 3600);
    const expires = Number.isFinite(asked) ? Math.min(Math.max(0, Math.round(asked)), MAX_EXPIRES) : 3600;
    const to = req.headers.get('To') ?? '';
    const callId = req.headers.get('Call-ID') ?? '';
    const known = this.byUpper.get(upperId);
    const localTag = tagOf(to) ?? (known?.callId === callId ? known.localTag : newTag());
    await this.sip.respond(req, remote, 200, undefined, { toTag: localTag, headers: { Expires: expires } });
    if (expires === 0) {
      this.byUpper.delete(upperId);
      return;
    }
    const contact = req.headers.get('Contact') ?? req.headers.get('From') ?? '';
    this.byUpper.set(upperId, {
      callId, localTag, remoteFrom: req.headers.get('From') ?? '', remoteTarget: formatUri(parseNameAddr(contact).uri),
      localUri: to.replace(/;\s*tag=[^;]*/i, ''), cseq: known?.callId === callId ? known.cseq : 0, remote, event: event.trim(), expiresAt: Date.now() + expires * 1000,
    });
  }
}
