// Starts channels one after another with a gap, so a restart of the gateway
// with hundreds of cameras does not spawn hundreds of ffmpegs in one tick.
export class StartQueue {
  private readonly pending = new Map<string, () => void>();
  private timer: NodeJS.Timeout | undefined;
  private lastStart = 0;

  constructor(private readonly gapMs: number) {}

  add(key: string, start: () => void): void {
    this.pending.set(key, start);
    this.schedule();
  }

  cancel(key: string): void {
    this.pending.delete(key);
  }

  clear(): void {
    this.pending.clear();
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer || this.pending.size === 0) return;
    const wait = Math.max(0, this.lastStart + this.gapMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const next = this.pending.entries().next().value;
      if (!next) return;
      this.pending.delete(next[0]);
      this.lastStart = Date.now();
      next[1]();
      this.schedule();
    }, wait);
  }
}
