// A background loop (housekeeping, webhook deliveries) that fails because a
// store is away logs one warning per outage, without a stack, and one line
// when it works again; a failure of any other kind is an error with its stack.
import type { Logger } from 'pino';
import { GwError, isPostgresUnreachable } from '../device-registry/index.ts';

const unavailable = (err: unknown) => (err instanceof GwError && err.code === 'GW_ERR_UNAVAILABLE') || isPostgresUnreachable(err);

export class LoopHealth {
  private awaySince: number | undefined;

  constructor(private readonly log: Logger, private readonly what: string) {}

  /** The loop's work went through: after an outage, say so once. */
  ok(): void {
    if (this.awaySince === undefined) return;
    this.log.info({ pausedMs: Date.now() - this.awaySince }, `${this.what} resumed`);
    this.awaySince = undefined;
  }

  failed(err: unknown): void {
    if (!unavailable(err)) return void this.log.error({ err }, `${this.what} failed`);
    if (this.awaySince !== undefined) return;
    this.awaySince = Date.now();
    this.log.warn({ reason: (err as Error).message }, `${this.what} paused: its store is unavailable; retrying`);
  }
}
