// Lockout with backoff after failed sign-ins, per account and per address.
// The account's counter is keyed by the user name as typed (lower case), known
// or not, so a name that does not exist locks exactly like one that does and
// the 429 says nothing about who has an account. Counters live in the store:
// every node of a cluster counts together.
import type { AccountStore } from '../store/account-store.ts';

export interface LockoutConfig {
  /** Failures for one account before it locks. */
  accountFailures: number;
  /** Failures from one address (over any accounts) before it locks. */
  addressFailures: number;
  /** The first lock; each further failure past the limit doubles it… */
  baseSeconds: number;
  /** …up to this. */
  maxSeconds: number;
  /** A counter starts again after this long without a failure. */
  resetMinutes: number;
}

const accountKey = (username: string) => `account:${username.trim().toLowerCase()}`;
const addressKey = (address: string) => `address:${address}`;

/** How often old counters are forgotten (on a failure): names an attacker made up must not pile up. */
const PRUNE_EVERY_MS = 10 * 60_000;

export class SignInThrottle {
  private lastPrune = 0;
  /** The attempt in progress per name on this node: a burst of parallel guesses would all pass the check before the first failure counts. */
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(private readonly store: AccountStore, private readonly config: LockoutConfig) {}

  /** Runs one attempt for a name at a time on this node (the next waits), so the lock is judged after each failure. */
  async oneAtATime<T>(username: string, attempt: () => Promise<T>): Promise<T> {
    const key = accountKey(username);
    const before = this.inFlight.get(key) ?? Promise.resolve();
    const run = before.then(attempt, attempt);
    const settled = run.then(() => undefined, () => undefined);
    this.inFlight.set(key, settled);
    try {
      return await run;
    } finally {
      if (this.inFlight.get(key) === settled) this.inFlight.delete(key);
    }
  }

  /** Seconds until a sign-in for this name from this address may be tried again, or 0. */
  async retryAfter(username: string, address: string, now = Date.now()): Promise<number> {
    const rows = await Promise.all([this.store.getThrottle(accountKey(username)), this.store.getThrottle(addressKey(address))]);
    const until = Math.max(0, ...rows.map((r) => r?.lockedUntil ?? 0));
    return until > now ? Math.ceil((until - now) / 1000) : 0;
  }

  /** Counts a failure against the name and the address; locks either once past its limit. */
  async failed(username: string, address: string, now = Date.now()): Promise<void> {
    const resetBefore = now - this.config.resetMinutes * 60_000;
    await Promise.all([
      this.count(accountKey(username), this.config.accountFailures, now, resetBefore),
      this.count(addressKey(address), this.config.addressFailures, now, resetBefore),
    ]);
    if (now - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = now;
      await this.store.pruneThrottle(resetBefore, now);
    }
  }

  private async count(key: string, limit: number, now: number, resetBefore: number): Promise<void> {
    const failures = await this.store.recordFailure(key, now, resetBefore);
    if (failures < limit) return;
    const seconds = Math.min(this.config.maxSeconds, this.config.baseSeconds * 2 ** Math.min(failures - limit, 30));
    await this.store.setLockedUntil(key, now + seconds * 1000);
  }

  /** A good sign-in clears the account's counter (not the address's: one good account must not wash out guesses at others). */
  async succeeded(username: string): Promise<void> {
    await this.store.clearThrottle(accountKey(username));
  }

  /** An admin reset unlocks the account. */
  async unlock(username: string): Promise<void> {
    await this.store.clearThrottle(accountKey(username));
  }
}
