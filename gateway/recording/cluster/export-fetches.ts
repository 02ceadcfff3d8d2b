// An export on this node of footage another node recorded: those segments are
// copied from their node (the playback route, RemoteSegments.fetch) into
// `dir` when the job runs, before ffmpeg concatenates (the exporter removes
// them when the job ends); the first and last are copied already while the
// export is planned, when their keyframes must be read. A copy is written
// under a temporary name, so a broken transfer never leaves a short file that
// concat would take for the segment.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { GwError } from '../../../device-registry/index.ts';
import type { MediaTokens } from '../../video/http/media-token.ts';
import { safeName } from '../../video/channel-spec.ts';
import type { ConcatEntry, ExportPlan, SegmentSource } from '../export/plan.ts';
import type { RecordingPaths } from '../paths.ts';
import type { Segment } from '../store/recording-index.ts';
import type { RemoteSegments } from './remote-segments.ts';

export interface ExportFetchesOptions {
  nodeId: string;
  /** Where copies wait for their job (cleared of leftovers older than `keepMs`). */
  dir: string;
  paths: RecordingPaths;
  /** Shared storage: a segment of another node whose file is readable here is read here. */
  sharedStorage: boolean;
  remote: RemoteSegments;
  tokens: MediaTokens;
  /** Copies left by a job that never finished here (a restart) go after this long. */
  keepMs: number;
  log: Logger;
}

export class ExportFetches {
  constructor(private readonly opts: ExportFetchesOptions) {
    mkdirSync(opts.dir, { recursive: true });
  }

  /** The segment source of one export; `keyId` is what its media tokens name (the asker's key, or `session:<ref>` for a person: tokenSubject). */
  sourceFor(keyId: string): SegmentSource & { copies: string[] } {
    const planId = randomUUID();
    const copies: string[] = [];
    const fetching = new Map<string, Promise<void>>();
    return {
      copies,
      entryOf: (s: Segment): ConcatEntry => {
        const own = this.opts.paths.absolute(s.path);
        if (s.nodeId === this.opts.nodeId || (this.opts.sharedStorage && existsSync(own))) return { file: own };
        const file = join(this.opts.dir, `${planId}-${safeName(s.nodeId)}-${s.startMs}.ts`);
        copies.push(file);
        return { file, remote: { nodeId: s.nodeId, channelId: s.channelId, startMs: s.startMs, keyId } };
      },
      fetch: (e: ConcatEntry) => {
        const r = e.remote;
        if (!r) return Promise.resolve();
        let pending = fetching.get(e.file);
        if (!pending) {
          pending = this.copy(e.file, r);
          fetching.set(e.file, pending);
        }
        return pending;
      },
    };
  }

  /**
   * Plans an export (`plan` gets the source): its entries of other nodes' segments name their copies here,
   * made when the job runs (Exporter's fetchRemote → fetchEntry). `release` removes what planning copied
   * (call it when the job ends); a failure removes them at once.
   */
  async prepare(keyId: string, plan: (source: SegmentSource) => Promise<ExportPlan | undefined>): Promise<{ plan: ExportPlan | undefined; release: () => Promise<void> }> {
    const source = this.sourceFor(keyId);
    const release = () => this.release(source.copies);
    try {
      return { plan: await plan(source), release };
    } catch (err) {
      await release();
      throw err;
    }
  }

  /** Copies a remote entry's segment to its file, unless it is there already. */
  async fetchEntry(e: ConcatEntry): Promise<void> {
    if (e.remote && !existsSync(e.file)) await this.copy(e.file, e.remote);
  }

  /** Removes a plan's copies (its job ended). */
  async release(copies: readonly string[]): Promise<void> {
    await Promise.all(copies.map((f) => rm(f, { force: true })));
  }

  /** Copies whose job never ended here (the gateway restarted meanwhile). */
  async sweep(now = Date.now()): Promise<void> {
    for (const name of await readdir(this.opts.dir)) {
      const file = join(this.opts.dir, name);
      const { mtimeMs } = await stat(file).catch(() => ({ mtimeMs: now }));
      if (now - mtimeMs > this.opts.keepMs) await rm(file, { force: true });
    }
  }

  private async copy(file: string, r: NonNullable<ConcatEntry['remote']>): Promise<void> {
    const part = `${file}.part`;
    const { token } = this.opts.tokens.issue(r.channelId, r.keyId);
    const t0 = Date.now();
    try {
      const bytes = await this.opts.remote.fetch(r, token, part);
      await rename(part, file);
      this.opts.log.debug({ channelId: r.channelId, node: r.nodeId, startMs: r.startMs, bytes, ms: Date.now() - t0 }, 'recording export: segment copied from its node');
    } catch (err) {
      await rm(part, { force: true });
      if (err instanceof GwError) throw err;
      throw new GwError('GW_ERR_UNAVAILABLE', `segment ${r.startMs}.ts of channel '${r.channelId}' could not be copied from node '${r.nodeId}': ${(err as Error).message}`, 'from', { node: r.nodeId });
    }
  }
}
