// Catalog changes for one upper platform: each shared channel that appears,
// goes, is renamed or changes status becomes a NOTIFY item (ADD, DEL, UPDATE,
// ON, OFF); items are gathered briefly and sent a page at a time, inside the
// upper's subscription dialog when it made one.
import type { Logger } from 'pino';
import { buildCatalogNotify, type CatalogItem } from '../manscdp/index.ts';
import type { ChannelView } from './channel-book.ts';
import { catalogItem, type ItemContext } from './catalog-items.ts';
import type { CatalogSubscriptions } from './subscriptions.ts';
import type { UpperLink } from './upper-link.ts';

type CatalogEvent = 'ADD' | 'DEL' | 'UPDATE' | 'ON' | 'OFF';

export class CatalogNotifier {
  /** Items for the next NOTIFY, by channel. */
  private readonly pending = new Map<string, CatalogItem>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly link: UpperLink,
    private readonly ctx: ItemContext,
    private readonly subscriptions: CatalogSubscriptions,
    private readonly log: Logger,
    private readonly delayMs: number,
  ) {}

  /** A channel as this upper saw it before (undefined: not shared) and sees it now. */
  change(was: ChannelView | undefined, is: ChannelView | undefined): void {
    const event = catalogEvent(was, is);
    if (!event) return;
    // A code change is the old code gone and the new one added.
    if (was && is && was.code !== is.code) {
      this.queue(`${was.id}:old`, catalogItem(was, this.ctx, 'DEL'));
      this.queue(is.id, catalogItem(is, this.ctx, 'ADD'));
    } else {
      const v = (is ?? was)!;
      this.queue(v.id, catalogItem(v, this.ctx, event));
    }
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private queue(key: string, item: CatalogItem): void {
    if (!this.link.registered) return;
    // An item added and changed before the NOTIFY goes is still an ADD; added and removed, nothing.
    const earlier = this.pending.get(key)?.event;
    if (earlier === 'ADD' && item.event === 'DEL') this.pending.delete(key);
    else this.pending.set(key, earlier === 'ADD' ? { ...item, event: 'ADD' } : item);
    this.timer ??= setTimeout(() => void this.flush(), this.delayMs);
  }

  private async flush(): Promise<void> {
    this.timer = undefined;
    const items = [...this.pending.values()];
    this.pending.clear();
    const upperId = this.link.upper.id;
    const size = this.link.upper.catalogPageSize;
    for (let i = 0; i < items.length; i += size) {
      try {
        const subscription = this.subscriptions.of(upperId);
        const notify = this.link.out.catalogNotify(buildCatalogNotify(this.link.nextSn(), this.ctx.platformId, items.slice(i, i + size)), subscription);
        const res = await this.link.request(notify, undefined, subscription?.remote);
        this.link.counts.catalogNotifies++;
        if (res.status >= 300) this.log.info({ upperId, status: res.status }, 'GB28181 upper platform refused a catalog NOTIFY');
      } catch (err) {
        this.log.info({ upperId, err: (err as Error).message }, 'GB28181 catalog NOTIFY not answered');
      }
    }
  }
}

function catalogEvent(was: ChannelView | undefined, is: ChannelView | undefined): CatalogEvent | undefined {
  if (!was && !is) return undefined;
  if (!was) return 'ADD';
  if (!is) return 'DEL';
  if (was.status !== is.status) return is.status;
  const same = was.code === is.code && was.name === is.name && was.latitude === is.latitude && was.longitude === is.longitude
    && was.manufacturer === is.manufacturer && was.model === is.model && was.address === is.address;
  return same ? undefined : 'UPDATE';
}
