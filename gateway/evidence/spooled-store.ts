// Shared storage (PostgreSQL) with a local spool: while the shared store is
// unreachable, evidence is written to this node's directory instead, so an
// alarm is never lost for want of its snapshot; a drain moves what the spool
// holds into the shared store as soon as it answers again (also at start:
// what a crash left behind, and snapshots taken before the node joined a
// cluster). Until then this node serves those files itself.
import type { Logger } from 'pino';
import { GwError } from '../../device-registry/index.ts';
import type { DirectoryEvidenceStore } from './directory-store.ts';
import type { EvidenceObject, EvidenceStore } from './store.ts';

const unavailable = (err: unknown) => err instanceof GwError && err.code === 'GW_ERR_UNAVAILABLE';

export interface SpoolOptions {
  /** Folders of the spool the drain moves (`snapshots`). */
  folders: string[];
  /** Pause before the drain tries again after the shared store refused. */
  retryMs: number;
  log: Logger;
}

export class SpooledEvidenceStore implements EvidenceStore {
  private draining: Promise<void> | undefined;
  private retry: NodeJS.Timeout | undefined;
  private spooling = false;
  private closed = false;
  /** Spool files whose names are not evidence keys: reported once, left in place. */
  private readonly skipped = new Set<string>();

  constructor(private readonly shared: EvidenceStore, private readonly spool: DirectoryEvidenceStore, private readonly opts: SpoolOptions) {}

  get where(): string {
    return `${this.shared.where}, spooled in ${this.spool.where} while it is unreachable`;
  }

  async put(key: string, bytes: Buffer, contentType: string): Promise<void> {
    try {
      await this.shared.put(key, bytes, contentType);
    } catch (err) {
      if (!unavailable(err)) throw err;
      await this.spool.put(key, bytes);
      if (!this.spooling) this.opts.log.warn({ err: (err as Error).message, spool: this.spool.where }, 'evidence store unreachable: keeping evidence on this node until it answers');
      this.spooling = true;
      this.later();
    }
  }

  async get(key: string): Promise<EvidenceObject | undefined> {
    let failure: unknown;
    try {
      const found = await this.shared.get(key);
      if (found) return found;
    } catch (err) {
      if (!unavailable(err)) throw err;
      failure = err;
    }
    const local = await this.spool.get(key);
    if (local) return local;
    if (failure) throw failure; // it may be in the shared store: 503, not 404
    return this.shared.get(key); // the drain may have moved it between the two reads
  }

  async delete(key: string): Promise<void> {
    await this.shared.delete(key);
    await this.spool.delete(key);
  }

  /** Moves every spooled file into the shared store; one run at a time. */
  drain(): Promise<void> {
    this.draining ??= this.moveAll().finally(() => (this.draining = undefined));
    return this.draining;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    await this.draining;
    await this.shared.close();
  }

  private later(): void {
    if (this.retry || this.closed) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.drain();
    }, this.opts.retryMs);
    this.retry.unref();
  }

  private async moveAll(): Promise<void> {
    let moved = 0;
    try {
      for (const folder of this.opts.folders) {
        for await (const key of this.spool.list(folder)) {
          if (this.closed) return;
          if (!this.skipped.has(key) && (await this.move(key))) moved++;
        }
      }
      if (moved || this.spooling) this.opts.log.info({ moved, store: this.shared.where }, 'evidence kept on this node moved to the evidence store');
      this.spooling = false;
    } catch (err) {
      if (!unavailable(err)) this.opts.log.error({ err }, 'moving spooled evidence failed; trying again later');
      this.later();
    }
  }

  private async move(key: string): Promise<boolean> {
    const found = await this.spool.get(key).catch((err: unknown) => this.skip(key, err));
    if (!found) return false;
    try {
      await this.shared.put(key, found.bytes, found.contentType);
    } catch (err) {
      if (unavailable(err)) throw err;
      this.skip(key, err);
      return false;
    }
    await this.spool.delete(key);
    return true;
  }

  private skip(key: string, err: unknown): undefined {
    this.skipped.add(key);
    this.opts.log.warn({ file: key, err: (err as Error).message }, 'a spooled file cannot be moved to the evidence store; left on this node');
    return undefined;
  }
}
