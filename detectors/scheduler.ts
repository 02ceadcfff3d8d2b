// Shares inference between channels: each channel holds at most one waiting
// frame (a newer one replaces it and the older is counted as skipped), one
// frame per channel runs at a time, and channels take turns.
export type Work<T> = (item: T) => Promise<void>;

interface Slot<T> {
  item: T;
  work: Work<T>;
}

export interface ChannelCounts {
  submitted: number;
  processed: number;
  skipped: number;
  failed: number;
}

export class DetectionScheduler<T> {
  private readonly waiting = new Map<string, Slot<T>>();
  private readonly busy = new Set<string>();
  private readonly order: string[] = [];
  private readonly counts = new Map<string, ChannelCounts>();
  private running = 0;

  constructor(private readonly concurrency: number, private readonly onError: (channelId: string, err: unknown) => void) {}

  private countsOf(channelId: string): ChannelCounts {
    let c = this.counts.get(channelId);
    if (!c) this.counts.set(channelId, (c = { submitted: 0, processed: 0, skipped: 0, failed: 0 }));
    return c;
  }

  submit(channelId: string, item: T, work: Work<T>): void {
    const c = this.countsOf(channelId);
    c.submitted++;
    if (this.waiting.has(channelId)) c.skipped++; // stale: replaced by the newer frame
    else this.order.push(channelId);
    this.waiting.set(channelId, { item, work });
    this.pump();
  }

  stats(channelId: string): ChannelCounts {
    return { ...this.countsOf(channelId) };
  }

  forget(channelId: string): void {
    this.waiting.delete(channelId);
    this.counts.delete(channelId);
  }

  private pump(): void {
    while (this.running < this.concurrency) {
      // the first waiting channel in turn that is not already running
      const index = this.order.findIndex((id) => !this.busy.has(id) && this.waiting.has(id));
      if (index < 0) return;
      const [channelId] = this.order.splice(index, 1) as [string];
      const slot = this.waiting.get(channelId)!;
      this.waiting.delete(channelId);
      this.busy.add(channelId);
      this.running++;
      slot.work(slot.item).then(
        () => void this.countsOf(channelId).processed++,
        (err: unknown) => {
          this.countsOf(channelId).failed++;
          this.onError(channelId, err);
        },
      ).finally(() => {
        this.busy.delete(channelId);
        this.running--;
        if (this.waiting.has(channelId) && !this.order.includes(channelId)) this.order.push(channelId);
        this.pump();
      });
    }
  }
}
