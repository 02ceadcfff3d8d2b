// Token buckets per source address: a REGISTER flood from one address is
// refused without costing the others. Idle buckets are forgotten.

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  limited = 0;

  constructor(private readonly perSecond: number, private readonly burst: number, private readonly now = () => Date.now()) {}

  allow(key: string): boolean {
    const t = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: t };
    b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.perSecond);
    b.at = t;
    this.buckets.set(key, b);
    if (this.buckets.size > 10_000) this.forgetFull(t);
    if (b.tokens < 1) {
      this.limited++;
      return false;
    }
    b.tokens -= 1;
    return true;
  }

  /** Drops buckets that have refilled: they behave exactly like new ones. */
  private forgetFull(t: number): void {
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((t - b.at) / 1000) * this.perSecond >= this.burst) this.buckets.delete(key);
    }
  }
}
