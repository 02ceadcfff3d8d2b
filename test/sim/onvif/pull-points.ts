// A simulated camera's PullPoint subscriptions: each has a queue that
// dev.emit() fills, a termination time (our clock) that Renew moves, and at
// most one PullMessages waiting on it (a newer pull answers the older one
// empty, as cameras do). Expired subscriptions are forgotten when next looked up.
import { randomBytes } from 'node:crypto';

export interface SimNotification {
  /** e.g. tns1:RuleEngine/CellMotionDetector/Motion */
  topic: string;
  source?: Record<string, string>;
  data?: Record<string, string>;
  key?: Record<string, string>;
  /** Device clock, epoch ms; default now on the device clock. */
  at?: number;
  operation?: 'Initialized' | 'Changed' | 'Deleted';
}

export interface QueuedNotification extends Required<Omit<SimNotification, 'key'>> {
  key?: Record<string, string>;
}

/** Queued messages per pull point beyond which the oldest are dropped (counted). */
const MAX_QUEUE = 1000;

export class SimPullPoint {
  readonly id = randomBytes(6).toString('hex');
  readonly queue: QueuedNotification[] = [];
  readonly counts = { pulls: 0, renewals: 0, delivered: 0, dropped: 0 };
  private wake: (() => void) | undefined;

  constructor(public terminationAt: number, readonly topics: string[] | undefined) {}

  expired(now = Date.now()): boolean {
    return now >= this.terminationAt;
  }

  /** `topics` are filter paths without their prefix (RuleEngine/CellMotionDetector); topics match by path, whatever prefix each side bound. */
  accepts(topic: string): boolean {
    const path = topicPath(topic);
    return !this.topics || this.topics.some((t) => path === t || path.startsWith(`${t}/`));
  }

  push(n: QueuedNotification): void {
    if (!this.accepts(n.topic)) return;
    this.queue.push(n);
    if (this.queue.length > MAX_QUEUE) {
      this.queue.shift();
      this.counts.dropped++;
    }
    this.wakeUp();
  }

  /** Up to `limit` messages, waiting up to `timeoutMs` for the first; [] when the caller hung up. */
  async pull(timeoutMs: number, limit: number, signal: AbortSignal): Promise<QueuedNotification[]> {
    this.counts.pulls++;
    this.wakeUp(); // an older pull still waiting is answered now, empty
    if (this.queue.length === 0) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          if (this.wake === done) this.wake = undefined;
          resolve();
        };
        const timer = setTimeout(done, timeoutMs);
        signal.addEventListener('abort', done);
        this.wake = done;
      });
    }
    if (signal.aborted) return [];
    const out = this.queue.splice(0, limit);
    this.counts.delivered += out.length;
    return out;
  }

  /** Ends a waiting pull at once (unsubscribe, device closing). */
  wakeUp(): void {
    this.wake?.();
  }
}

export class SimPullPoints {
  private readonly points = new Map<string, SimPullPoint>();

  constructor(private readonly max: number) {}

  create(terminationAt: number, topics: string[] | undefined): SimPullPoint | undefined {
    this.sweep();
    if (this.points.size >= this.max) return undefined;
    const p = new SimPullPoint(terminationAt, topics);
    this.points.set(p.id, p);
    return p;
  }

  /** A live subscription; an expired one is removed and not returned. */
  get(id: string): SimPullPoint | undefined {
    const p = this.points.get(id);
    if (p?.expired()) {
      this.remove(id);
      return undefined;
    }
    return p;
  }

  remove(id: string): boolean {
    const p = this.points.get(id);
    p?.wakeUp();
    return this.points.delete(id);
  }

  /** The live subscriptions (expired ones dropped first). */
  live(): SimPullPoint[] {
    this.sweep();
    return [...this.points.values()];
  }

  push(n: QueuedNotification): number {
    const live = this.live();
    for (const p of live) p.push(n);
    return live.length;
  }

  clear(): void {
    for (const id of [...this.points.keys()]) this.remove(id);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, p] of this.points) if (p.expired(now)) this.remove(id);
  }
}

/** A topic without its namespace prefix: tns1:RuleEngine/LineDetector/Crossed → RuleEngine/LineDetector/Crossed. */
export function topicPath(topic: string): string {
  return topic.slice(topic.indexOf(':') + 1);
}
