// Who wants a channel running beyond its configuration: when a viewer last
// asked for it (an on-demand channel runs while watched and stops once nobody
// has asked for `idleMs`), whether an encoder pushes it now (RTMP), and which
// channels run all the time whatever their viewers (always-on, detection,
// recording), as the last decision on each found.
import type { IngestSpec } from './ingest/supervisor.ts';

/** How often a long-lived viewer (an FLV stream) asks for its channel again: well below the smallest idle time (5 s), so a sweep between two asks never finds it idle. */
export const VIEWER_TOUCH_MS = 2000;

/** The reason of an on-demand channel nobody watches (incidents treat it as no fault). */
export const IDLE = 'idle (on demand)';

export class ChannelDemand {
  private readonly lastViewed = new Map<string, number>();
  private readonly pushing = new Set<string>();
  private readonly alwaysOn = new Set<string>();

  constructor(private readonly idleMs: number) {}

  /** A viewer asked for the channel now. */
  viewed(channelId: string): void {
    this.lastViewed.set(channelId, Date.now());
  }

  /** Someone asked for the channel within the idle time. */
  watched(channelId: string): boolean {
    return Date.now() - (this.lastViewed.get(channelId) ?? 0) < this.idleMs;
  }

  setPushing(channelId: string, active: boolean): void {
    if (active) this.pushing.add(channelId);
    else this.pushing.delete(channelId);
  }

  isPushing(channelId: string): boolean {
    return this.pushing.has(channelId);
  }

  setAlwaysOn(channelId: string, always: boolean): void {
    if (always) this.alwaysOn.add(channelId);
    else this.alwaysOn.delete(channelId);
  }

  /** An on-demand pulled channel stops when nobody watches; a push runs while pushed, the others always. */
  runsWhileWatched(spec: IngestSpec): boolean {
    return spec.input.kind !== 'rtmp' && !this.alwaysOn.has(spec.channelId);
  }

  /** Of the running ingests, the ones that run while watched and nobody asked for over the idle time. */
  idle(running: Iterable<IngestSpec>): string[] {
    const out: string[] = [];
    for (const spec of running) {
      if (!this.runsWhileWatched(spec)) continue;
      if (Date.now() - (this.lastViewed.get(spec.channelId) ?? 0) > this.idleMs) out.push(spec.channelId);
    }
    return out;
  }
}
