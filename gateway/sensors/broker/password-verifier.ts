// Password checks for MQTT logins: the registry's verifyPassword (scrypt) in a
// worker thread, with a short cache of results so reconnect storms cost one
// scrypt per (stored hash, password), not one per connection. The cache key
// includes the stored hash, so a changed password is never served from it.
import { createHmac, randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { verifyPassword } from '../../../device-registry/secrets.ts';

const NEGATIVE_CACHE_MS = 30_000;
const MAX_CACHE = 50_000;

export class VerifierBusy extends Error {}

export class PasswordVerifier {
  private readonly key = randomBytes(32);
  private readonly cache = new Map<string, { ok: boolean; until: number }>();
  private readonly inflight = new Map<string, Promise<boolean>>();
  private readonly waiting = new Map<number, { resolve: (ok: boolean) => void; reject: (err: Error) => void }>();
  private worker: Worker | undefined;
  private nextId = 1;
  readonly counts = { checks: 0, cacheHits: 0 };

  constructor(
    private readonly cacheMs: number,
    private readonly log: Logger,
    private readonly maxQueue = 5000,
  ) {}

  async verify(password: string, hash: string, now = Date.now()): Promise<boolean> {
    const k = createHmac('sha256', this.key).update(hash).update('\u0000').update(password).digest('base64');
    const hit = this.cache.get(k);
    if (hit && hit.until > now) {
      this.counts.cacheHits++;
      return hit.ok;
    }
    let running = this.inflight.get(k);
    if (!running) {
      if (this.waiting.size >= this.maxQueue) throw new VerifierBusy(`${this.waiting.size} password checks queued`);
      running = this.check(password, hash).finally(() => this.inflight.delete(k));
      this.inflight.set(k, running);
    }
    const ok = await running;
    if (this.cacheMs > 0) {
      if (this.cache.size >= MAX_CACHE) this.cache.clear();
      this.cache.set(k, { ok, until: Date.now() + (ok ? this.cacheMs : Math.min(this.cacheMs, NEGATIVE_CACHE_MS)) });
    }
    return ok;
  }

  async stop(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    for (const pending of this.waiting.values()) pending.reject(new VerifierBusy('the gateway is stopping'));
    this.waiting.clear();
    await w?.terminate();
  }

  private check(password: string, hash: string): Promise<boolean> {
    this.counts.checks++;
    const worker = this.ensureWorker();
    if (!worker) return Promise.resolve(verifyPassword(password, hash));
    const id = this.nextId++;
    return new Promise<boolean>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ id, password, hash });
    });
  }

  private ensureWorker(): Worker | undefined {
    if (this.worker) return this.worker;
    try {
      const w = new Worker(new URL('./password-worker.mjs', import.meta.url));
      w.unref();
      w.on('message', (m: { id: number; ok: boolean }) => {
        const pending = this.waiting.get(m.id);
        this.waiting.delete(m.id);
        pending?.resolve(m.ok);
      });
      w.on('error', (err) => this.failed(w, err));
      w.on('exit', (code) => code !== 0 && this.failed(w, new Error(`password worker exited with ${code}`)));
      this.worker = w;
      return w;
    } catch (err) {
      this.log.error({ err }, 'cannot start the password worker; checking passwords on the main thread');
      return undefined;
    }
  }

  /** The worker died: fail what was waiting (not cached; the devices retry) and start a new one next time. */
  private failed(w: Worker, err: Error): void {
    if (this.worker !== w) return;
    this.log.error({ err }, 'password worker failed');
    this.worker = undefined;
    for (const pending of this.waiting.values()) pending.reject(err);
    this.waiting.clear();
  }
}
