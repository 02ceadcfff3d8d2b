// Storage management, applied every retentionIntervalSeconds: footage older
// than its class's retention goes (continuous: its days; events: out of the
// ring unless an incident covers it, and then after the events' days), never
// what an active hold covers. Then the disk budget: while the recordings use
// more than maxBytes, or the file system has less than keepFreeBytes free,
// the oldest continuous footage goes first, then the oldest events footage,
// never held footage. What is left over is reported to the room, which
// pauses continuous recording and raises storage_low.
import { rm, statfs } from 'node:fs/promises';
import type { Logger } from 'pino';
import { keepFreeBytes, type RecordingConfig } from './config.ts';
import type { RecordingPaths } from './paths.ts';
import type { EffectivePolicy } from './policy.ts';
import type { RecordingIndex, Segment, SegmentClass } from './store/recording-index.ts';

const DAY_MS = 86_400_000;
const BATCH = 200;

export interface DiskFigures {
  totalBytes: number;
  freeBytes: number;
}

export interface BudgetReport {
  usedBytes: number;
  heldBytes: number;
  freeBytes: number;
  /** maxBytes, or what keepFreeBytes leaves for recordings; null: no limit. */
  budgetBytes: number | null;
  /** Bytes still over the budget after deleting every unheld segment (0: within). */
  overBytes: number;
  deletedSegments: number;
}

export interface RetentionDeps {
  index: RecordingIndex;
  paths: RecordingPaths;
  nodeId: string;
  config: RecordingConfig;
  /** The channel's policy; undefined when it is gone from the registry (its footage ages out by the class defaults). */
  policy(channelId: string): Promise<EffectivePolicy | undefined>;
  /** The file system under the recordings; a test may give figures of its own. */
  disk?: (path: string) => Promise<DiskFigures>;
  log: Logger;
}

export const realDisk = async (path: string): Promise<DiskFigures> => {
  const s = await statfs(path);
  return { totalBytes: s.blocks * s.bsize, freeBytes: s.bavail * s.bsize };
};

export class Retention {
  private readonly disk: (path: string) => Promise<DiskFigures>;

  constructor(private readonly deps: RetentionDeps) {
    this.disk = deps.disk ?? realDisk;
  }

  /** Seconds of events footage kept while nothing holds it: pre-roll and two segments (one closing, one margin for the incident's arrival). */
  ringMs(policy: EffectivePolicy | undefined): number {
    const pre = policy?.preRollSeconds ?? this.deps.config.events.preRollSeconds;
    return (pre + 2 * this.deps.config.segmentSeconds) * 1000;
  }

  /** Deletes a channel's events footage that left the ring and nothing covers. */
  async sweepEvents(channelId: string, policy: EffectivePolicy | undefined, now = Date.now()): Promise<number> {
    const c = this.deps.config;
    const days = policy?.mode === 'events' ? policy.retentionDays : c.eventRetentionDays;
    return this.deleteWhile({ class: 'events', channelId, endBefore: now - this.ringMs(policy), keepCoveredFrom: now - days * DAY_MS, now });
  }

  async sweep(now = Date.now()): Promise<BudgetReport> {
    const { index, nodeId, config } = this.deps;
    let deleted = 0;
    for (const channelId of await index.channels(nodeId)) {
      const policy = await this.deps.policy(channelId);
      const days = policy?.mode === 'continuous' ? policy.retentionDays : config.continuousRetentionDays;
      deleted += await this.deleteWhile({ class: 'continuous', channelId, endBefore: now - days * DAY_MS, now });
      deleted += await this.sweepEvents(channelId, policy, now);
    }
    await index.purgeHolds(now - config.eventRetentionDays * DAY_MS);
    const report = await this.budget(now);
    report.deletedSegments += deleted;
    return report;
  }

  private async budget(now: number): Promise<BudgetReport> {
    const { index, nodeId, config } = this.deps;
    const measure = async () => {
      const totals = await index.totals(nodeId, now);
      const disk = await this.disk(this.deps.paths.root);
      const used = totals.continuous.bytes + totals.events.bytes;
      const keepFree = keepFreeBytes(config, disk.totalBytes);
      const overMax = config.disk.maxBytes === null ? 0 : used - config.disk.maxBytes;
      const overFree = keepFree - disk.freeBytes;
      const budgets = [config.disk.maxBytes, disk.totalBytes > 0 ? used + disk.freeBytes - keepFree : null].filter((b): b is number => b !== null);
      return { used, held: totals.heldBytes, free: disk.freeBytes, budget: budgets.length ? Math.min(...budgets) : null, over: Math.max(0, overMax, overFree) };
    };
    let m = await measure();
    let deleted = 0;
    for (const cls of ['continuous', 'events'] as const) {
      if (m.over <= 0) break;
      deleted += await this.deleteBytes(cls, m.over, now);
      m = await measure();
    }
    return { usedBytes: m.used, heldBytes: m.held, freeBytes: m.free, budgetBytes: m.budget, overBytes: Math.max(0, m.over), deletedSegments: deleted };
  }

  /** Oldest first, across channels, until `bytes` are freed or nothing unheld is left. */
  private async deleteBytes(cls: SegmentClass, bytes: number, now: number): Promise<number> {
    let freed = 0;
    let deleted = 0;
    while (freed < bytes) {
      const batch = await this.deps.index.deletable({ class: cls, nodeId: this.deps.nodeId, endBefore: now, now, limit: 20 });
      if (!batch.length) break;
      for (const s of batch) {
        if (freed >= bytes) break;
        await this.remove([s]);
        freed += s.bytes;
        deleted++;
      }
    }
    if (deleted) this.deps.log.info({ class: cls, deleted, freedBytes: freed }, 'recording: disk budget: oldest footage deleted');
    return deleted;
  }

  private async deleteWhile(q: { class: SegmentClass; channelId: string; endBefore: number; keepCoveredFrom?: number; now: number }): Promise<number> {
    let deleted = 0;
    for (;;) {
      const batch = await this.deps.index.deletable({ ...q, nodeId: this.deps.nodeId, limit: BATCH });
      if (!batch.length) return deleted;
      await this.remove(batch);
      deleted += batch.length;
      if (batch.length < BATCH) return deleted;
    }
  }

  /** The files first, then their rows: a crash in between leaves rows without files, which start-up drops. */
  private async remove(segments: Segment[]): Promise<void> {
    for (const s of segments) await rm(this.deps.paths.absolute(s.path), { force: true });
    await this.deps.index.deleteSegments(segments);
  }
}
