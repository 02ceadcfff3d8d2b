// Channel codes shared upward: every shared channel has a 20-digit code. A
// GB28181 channel keeps its device's channel id; an RTSP or RTMP channel is
// given civil code + 00 (industry) + 131 (camera) + 0 (network) + a 6-digit
// sequence the first time it is shared, stored in the registry as `gbCode`.
import type { Logger } from 'pino';
import { GwError, SYSTEM_ACTOR, type RegistryService, type StoredRow } from '../../../device-registry/index.ts';
import type { Evaluated } from '../../../device-registry/service/registry-service.ts';

type Doc = Record<string, unknown>;

/** The code a channel is known by upward, or undefined when it has none yet. */
export function channelCode(doc: Doc): string | undefined {
  if (typeof doc.gbCode === 'string') return doc.gbCode;
  const source = doc.source as { channelId?: unknown } | undefined;
  return doc.kind === 'gb28181' && typeof source?.channelId === 'string' ? source.channelId : undefined;
}

/** The 14 digits before the sequence: civil code, industry 00, type 131 (camera), network 0. */
export function codePrefix(civilCode: string): string {
  return `${civilCode}001310`;
}

/** Gives codes to channels that need one, one registry update each, sequence after the highest in use. */
export class CodeAssigner {
  private readonly prefix: string;
  private next = 1;
  private readonly pending = new Set<string>();
  private readonly waiting = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private batches: Promise<void> = Promise.resolve();

  constructor(civilCode: string, private readonly registry: RegistryService, private readonly log: Logger) {
    this.prefix = codePrefix(civilCode);
  }

  private nextCode(): string {
    return `${this.prefix}${String(this.next++).padStart(6, '0')}`;
  }

  /** Notes a code in use, so new ones come after it. */
  seen(code: string): void {
    if (!code.startsWith(this.prefix)) return;
    const seq = Number(code.slice(14));
    if (seq >= this.next) this.next = seq + 1;
  }

  /** A channel newly shared: its code comes with the others of the next 50 ms (an import of thousands is a few transactions). */
  soon(channelId: string): void {
    this.waiting.add(channelId);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      const ids = [...this.waiting];
      this.waiting.clear();
      // One batch at a time: a channel is never given two codes by batches that overlap.
      this.batches = this.batches.then(() => this.assignMany(ids)).then(
        () => undefined,
        (err: unknown) => this.log.warn({ err, channels: ids.length }, 'GB28181 cascade: codes could not be given'),
      );
    }, 50);
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  /**
   * Codes for many channels at once (the first start with upper platforms):
   * one registry transaction per 500, so 10,000 channels cost seconds, not
   * minutes. A batch that meets a code taken meanwhile falls back to one by one.
   */
  async assignMany(ids: readonly string[]): Promise<number> {
    const desc = this.registry.descriptor('channels');
    let assigned = 0;
    for (let i = 0; i < ids.length; i += 500) {
      const batch: Array<{ evaluated: Evaluated; existing: StoredRow }> = [];
      for (const id of ids.slice(i, i + 500)) {
        const row = await this.registry.getStored('channels', id);
        if (!row || typeof row.doc.gbCode === 'string' || this.next > 999_999) continue;
        const evaluated = await this.registry.evaluate('channels', { ...desc.toInput(row), gbCode: this.nextCode() }, row);
        if (evaluated.errors.length) this.log.warn({ channelId: id, errors: evaluated.errors }, 'GB28181 cascade: the channel cannot take a code');
        else batch.push({ evaluated, existing: row });
      }
      try {
        await this.registry.commitImport('channels', batch, SYSTEM_ACTOR);
        assigned += batch.length;
      } catch (err) {
        if (!(err instanceof GwError) || err.statusCode !== 409) throw err;
        for (const { existing } of batch) if (await this.assign(existing.id)) assigned++;
      }
    }
    return assigned;
  }

  /** Stores a fresh code on the channel; retries past codes another node took meanwhile. */
  async assign(channelId: string): Promise<string | undefined> {
    if (this.pending.has(channelId)) return undefined;
    this.pending.add(channelId);
    try {
      for (let attempt = 0; attempt < 20; attempt++) {
        if (this.next > 999_999) throw new GwError('GW_ERR_CONFLICT', `no channel code left under ${this.prefix}`, 'gbCode');
        const code = this.nextCode();
        try {
          await this.registry.update('channels', channelId, { gbCode: code }, SYSTEM_ACTOR);
          return code;
        } catch (err) {
          if (!(err instanceof GwError) || err.field !== 'gbCode') throw err;
        }
      }
      return undefined;
    } catch (err) {
      this.log.warn({ channelId, err: (err as Error).message }, 'GB28181 cascade: no code could be given to the channel');
      return undefined;
    } finally {
      this.pending.delete(channelId);
    }
  }
}
