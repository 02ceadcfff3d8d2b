// Repeated warnings rolled up: the first of a kind is logged at once, the
// rest are counted and summarised once per interval, so a sensor sending
// garbage 50 times a second writes one line per interval, not 50.
import type { Logger } from 'pino';

interface Entry {
  fields: Record<string, unknown>;
  msg: string;
  repeated: number;
}

const MAX_KEYS = 10_000;

export class WarnRollup {
  private entries = new Map<string, Entry>();
  private dropped = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly log: Logger,
    private readonly intervalMs = 10_000,
  ) {
    this.timer = setInterval(() => this.flush(), intervalMs);
    this.timer.unref();
  }

  warn(key: string, fields: Record<string, unknown>, msg: string): void {
    const hit = this.entries.get(key);
    if (hit) {
      hit.repeated++;
      hit.fields = fields;
      return;
    }
    if (this.entries.size >= MAX_KEYS) {
      this.dropped++;
      return;
    }
    this.entries.set(key, { fields, msg, repeated: 0 });
    this.log.warn(fields, msg);
  }

  flush(): void {
    const seconds = Math.round(this.intervalMs / 1000);
    for (const e of this.entries.values()) {
      if (e.repeated > 0) this.log.warn({ ...e.fields, repeated: e.repeated }, `${e.msg} (${e.repeated} more in ${seconds} s)`);
    }
    if (this.dropped) this.log.warn({ dropped: this.dropped }, `${this.dropped} further warnings in ${seconds} s not shown`);
    this.entries = new Map();
    this.dropped = 0;
  }

  stop(): void {
    clearInterval(this.timer);
    this.flush();
  }
}
