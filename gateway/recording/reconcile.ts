// Start-up: make the index and the files agree for every channel directory of
// this node, before any ffmpeg writes again. Rows whose file is gone are
// dropped; day files without a row are adopted (start from the name, length
// from the media) or removed when unreadable; what ffmpeg left in .incoming is
// indexed or adopted by the channel's recorder (ChannelRecorder.drain(true)).
import { readdir, rm, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { INCOMING, type RecordingPaths } from './paths.ts';
import { mediaSeconds } from './probe.ts';
import type { RecordingIndex, SegmentClass } from './store/recording-index.ts';

export interface ReconcileDeps {
  paths: RecordingPaths;
  index: RecordingIndex;
  nodeId: string;
  ffmpegPath: string;
  classOf(channelId: string): SegmentClass;
  log: Logger;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const SEGMENT = /^(\d{1,16})\.ts$/;

export interface ReconcileReport {
  dropped: number;
  adopted: number;
  removed: number;
}

/** Channel ids that have a directory here, from their notes. */
export async function channelsOnDisk(paths: RecordingPaths): Promise<string[]> {
  const names = await readdir(paths.own).catch(() => [] as string[]);
  return names.flatMap((n) => paths.channelOf(n) ?? []);
}

export async function reconcileChannel(channelId: string, deps: ReconcileDeps): Promise<ReconcileReport> {
  const report: ReconcileReport = { dropped: 0, adopted: 0, removed: 0 };
  const rows = await deps.index.segmentsOf(channelId, deps.nodeId);
  const missing = rows.filter((r) => !existsSync(deps.paths.absolute(r.path)));
  report.dropped = await deps.index.deleteSegments(missing);
  const known = new Set(rows.map((r) => r.path));
  const dir = deps.paths.channelDir(channelId);
  const days = (await readdir(dir).catch(() => [] as string[])).filter((d) => DAY.test(d) && d !== INCOMING).sort();
  for (const day of days) {
    for (const name of (await readdir(join(dir, day))).sort()) {
      const m = SEGMENT.exec(name);
      const rel = deps.paths.segmentRel(channelId, Number(m?.[1] ?? NaN));
      const file = join(dir, day, name);
      if (m && known.has(rel)) continue;
      const seconds = m && rel.endsWith(`${day}/${name}`) ? await mediaSeconds(deps.ffmpegPath, file) : undefined;
      if (!m || seconds === undefined) {
        deps.log.info({ channelId, file }, 'recording: removing a file that is no readable segment');
        await rm(file, { force: true, recursive: true });
        report.removed++;
        continue;
      }
      const { size } = await stat(file);
      const startMs = Number(m[1]);
      await deps.index.addSegment({
        channelId, startMs, endMs: startMs + Math.round(seconds * 1000), bytes: size, path: rel, nodeId: deps.nodeId,
        keyframeFirst: true, class: deps.classOf(channelId), source: 'gateway',
      });
      report.adopted++;
    }
  }
  if (report.dropped || report.adopted || report.removed) deps.log.info({ channelId, ...report }, 'recording: index and files reconciled');
  return report;
}
