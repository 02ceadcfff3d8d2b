// A Map with a size cap and an expiry per entry, for transaction state that a
// flood of requests must not grow without bound.

interface Slot<V> {
  value: V;
  expires: number;
}

export class ExpiringCache<V> {
  private readonly map = new Map<string, Slot<V>>();

  constructor(
    private readonly max: number,
    private readonly ttlMs: number,
    private readonly onEvict?: (value: V) => void,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.map.size;
  }

  get(key: string): V | undefined {
    const slot = this.map.get(key);
    if (!slot) return undefined;
    if (slot.expires <= this.now()) {
      this.remove(key, slot);
      return undefined;
    }
    return slot.value;
  }

  /** Adds or replaces; setting the same value again only renews its expiry. */
  set(key: string, value: V, ttlMs = this.ttlMs): void {
    const old = this.map.get(key);
    if (old && old.value === value) this.map.delete(key);
    else if (old) this.remove(key, old);
    this.map.set(key, { value, expires: this.now() + ttlMs });
    this.sweep();
  }

  delete(key: string): void {
    const slot = this.map.get(key);
    if (slot) this.remove(key, slot);
  }

  values(): V[] {
    return [...this.map.values()].map((s) => s.value);
  }

  clear(): void {
    for (const [key, slot] of [...this.map]) this.remove(key, slot);
  }

  /** Drops expired entries from the oldest end, then the oldest ones beyond the cap. */
  private sweep(): void {
    const now = this.now();
    for (const [key, slot] of this.map) {
      if (slot.expires > now && this.map.size <= this.max) break;
      this.remove(key, slot);
    }
  }

  private remove(key: string, slot: Slot<V>): void {
    this.map.delete(key);
    this.onEvict?.(slot.value);
  }
}
