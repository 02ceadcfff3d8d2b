// One storage_low incident per node while recording cannot keep up with its
// disk: raised once with the figures (a repeat only when the paused channels
// change), cleared when the budget holds again.
import type { Logger } from 'pino';
import { say } from '../../device-registry/messages.ts';
import type { IncidentCandidate, RaiseIncident } from '../incidents/index.ts';
import { codeOnly, TITLE_MESSAGE } from '../incidents/title-message.ts';

export const STORAGE_LOW = 'storage_low';
const GIB = 1024 ** 3;
const gib = (bytes: number | null) => (bytes === null ? '∞' : (bytes / GIB).toFixed(2));

export interface StorageFigures {
  usedBytes: number;
  heldBytes: number;
  budgetBytes: number | null;
  freeBytes: number;
  /** Channels whose continuous recording is paused, or whose recording stopped for a full disk. */
  channels: string[];
  why: 'held footage fills the budget' | 'disk full';
}

export class StorageAlarm {
  private raisedFor: string | undefined;

  constructor(private readonly nodeId: string, private readonly raise: RaiseIncident, private readonly log: Logger) {}

  private source() {
    return { kind: 'channel-health' as const, id: `recording-storage:${this.nodeId}` };
  }

  async low(f: StorageFigures): Promise<void> {
    const key = `${f.why}|${f.channels.join(',')}`;
    if (this.raisedFor === key) return;
    this.raisedFor = key;
    const title = say('storage_low_title', {
      node: this.nodeId, usedGiB: gib(f.usedBytes), heldGiB: gib(f.heldBytes), budgetGiB: gib(f.budgetBytes), freeGiB: gib(f.freeBytes), channels: f.channels.join(', ') || '-',
    });
    const evidence = { ...f, [TITLE_MESSAGE]: codeOnly(title) } as NonNullable<IncidentCandidate['evidence']>;
    try {
      await this.raise({ source: this.source(), type: STORAGE_LOW, category: 'device', severity: 'major', occurredAt: Date.now(), title: title.message, evidence });
      this.log.warn(f, 'recording: storage low raised');
    } catch (err) {
      this.raisedFor = undefined;
      this.log.error({ err }, 'recording: could not raise storage_low');
    }
  }

  async ok(): Promise<void> {
    if (this.raisedFor === undefined) return;
    this.raisedFor = undefined;
    try {
      await this.raise({ source: this.source(), type: STORAGE_LOW, severity: 'major', occurredAt: Date.now(), clear: true });
    } catch (err) {
      this.log.error({ err }, 'recording: could not clear storage_low');
    }
  }
}
