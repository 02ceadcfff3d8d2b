// The supervised ingests this node runs, one per channel: each started a
// little apart from the others (start-queue.ts: a restart with hundreds of
// cameras does not spawn hundreds of ffmpegs in one tick), its frames to the
// frame hub and its status to the status book while it is the channel's
// current run, stopped when the channel should no longer run as it does.
import type { Logger } from 'pino';
import type { ChannelStatusBook } from './channel-status.ts';
import type { FrameHub } from './frames.ts';
import { IngestSupervisor, type IngestSettings, type IngestSpec } from './ingest/supervisor.ts';
import { StartQueue } from './start-queue.ts';

export interface ChannelRunsDeps {
  frames: FrameHub;
  book: ChannelStatusBook;
  settings: (channelId: string) => IngestSettings;
  startStaggerMs: number;
  log: Logger;
}

export class ChannelRuns {
  private readonly supervisors = new Map<string, IngestSupervisor>();
  private readonly queue: StartQueue;
  /** After stopAll: a decision still in flight (a detection runner unsubscribing at shutdown) launches nothing. */
  private stopped = false;

  constructor(private readonly deps: ChannelRunsDeps) {
    this.queue = new StartQueue(deps.startStaggerMs);
  }

  get(channelId: string): IngestSupervisor | undefined {
    return this.supervisors.get(channelId);
  }

  ids(): string[] {
    return [...this.supervisors.keys()];
  }

  specs(): IngestSpec[] {
    return [...this.supervisors.values()].map((s) => s.spec);
  }

  /** The channel already runs exactly this. */
  runs(spec: IngestSpec): boolean {
    const current = this.supervisors.get(spec.channelId);
    return !!current && JSON.stringify(current.spec) === JSON.stringify(spec);
  }

  /** Stops the channel's run, if any (its status is no longer published from then on). */
  async stop(channelId: string): Promise<void> {
    const current = this.supervisors.get(channelId);
    if (!current) return;
    this.supervisors.delete(channelId);
    await current.stop();
  }

  /** A run not started yet is not started. */
  cancel(channelId: string): void {
    this.queue.cancel(channelId);
  }

  launch(spec: IngestSpec): void {
    if (this.stopped) return;
    const running = this.supervisors.get(spec.channelId);
    if (running) void running.stop(); // never two runs of one channel, whoever forgot to stop the first
    const { frames, book } = this.deps;
    const sup = new IngestSupervisor(spec, this.deps.settings(spec.channelId), this.deps.log.child({ channelId: spec.channelId }));
    this.supervisors.set(spec.channelId, sup);
    sup.on('frame', (frame) => frames.publish(frame));
    sup.on('status', (s) => {
      if (this.supervisors.get(spec.channelId) === sup) book.publishLive(s);
    });
    this.queue.add(spec.channelId, () => {
      if (this.supervisors.get(spec.channelId) === sup) sup.start();
    });
  }

  /** No more starts; every run stopped (each publishes its last status while it stops). */
  async stopAll(): Promise<void> {
    this.stopped = true;
    this.queue.clear();
    await Promise.all([...this.supervisors.values()].map((s) => s.stop()));
    this.supervisors.clear();
  }
}
