// What an export of [from, to] concatenates: the indexed segments over the
// range, the first entered at the keyframe at or before `from` (a cut
// elsewhere needs a re-encode), the last left at `to`. The answer says the
// footage's real start (`actualFrom`) and end.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { RecordingPaths } from '../paths.ts';
import type { Segment } from '../store/recording-index.ts';

const run = promisify(execFile);

export interface ConcatEntry {
  file: string;
  /** Seconds in the file's own timestamps (concat demuxer `inpoint` / `outpoint`). */
  inpoint?: number;
  outpoint?: number;
  /** A segment another node holds: `file` is where its copy goes (recording/cluster/export-fetches.ts). */
  remote?: RemoteEntry;
}

export interface RemoteEntry {
  nodeId: string;
  channelId: string;
  startMs: number;
  /** The key of who asked for the export: the copy is fetched with a media token of theirs. */
  keyId: string;
}

/** Where a segment's file is for this node: its own path, or a copy from the node holding it. */
export interface SegmentSource {
  entryOf(s: Segment): ConcatEntry;
  /** Brings a remote entry's file here (idempotent); before it is probed and before concat. */
  fetch(e: ConcatEntry): Promise<void>;
}

export interface ExportPlan {
  entries: ConcatEntry[];
  actualFrom: number;
  actualTo: number;
  /** Media seconds the MP4 will hold (gaps in the footage are left out). */
  seconds: number;
  gaps: number;
  /**
   * Footage that is not in this gateway's segments (a GB28181 device's own
   * recording): the exporter's runner of that kind writes the MP4 instead of a
   * concat (`entries` is empty). Absent: the gateway's own footage.
   */
  source?: ExportSource;
}

export interface ExportSource {
  kind: string;
  /** What the runner needs beyond the job's channel and range (never a secret: the plan is stored). */
  options?: Record<string, string | number>;
}

interface Probed { startTime: number; keyframes: number[] }

/** The file's first timestamp and its keyframes' times (packets only, no decode). */
export async function probeKeyframes(ffprobe: string, file: string): Promise<Probed> {
  const { stdout } = await run(ffprobe, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time,flags:format=start_time', '-of', 'json', file], { maxBuffer: 32 * 1024 * 1024 });
  const parsed = JSON.parse(stdout) as { packets?: Array<{ pts_time?: string; flags?: string }>; format?: { start_time?: string } };
  const keyframes = (parsed.packets ?? []).filter((p) => p.flags?.startsWith('K') && p.pts_time !== undefined).map((p) => Number(p.pts_time)).sort((a, b) => a - b);
  return { startTime: Number(parsed.format?.start_time ?? 0) || 0, keyframes };
}

export async function planExport(segments: readonly Segment[], from: number, to: number, deps: { paths: RecordingPaths; ffprobe: string; source?: SegmentSource }): Promise<ExportPlan | undefined> {
  const over = segments.filter((s) => s.endMs > from && s.startMs < to).sort((a, b) => a.startMs - b.startMs);
  const first = over[0];
  const last = over.at(-1);
  if (!first || !last) return undefined;
  const entries: ConcatEntry[] = over.map((s) => deps.source?.entryOf(s) ?? { file: deps.paths.absolute(s.path) });
  const probes = new Map<ConcatEntry, Promise<Probed>>();
  const probe = (e: ConcatEntry) => probes.get(e) ?? probes.set(e, (async () => {
    if (e.remote) await deps.source!.fetch(e);
    return probeKeyframes(deps.ffprobe, e.file);
  })()).get(e)!;
  let actualFrom = first.startMs;
  if (from > first.startMs) {
    const probed = await probe(entries[0]!);
    const want = probed.startTime + (from - first.startMs) / 1000;
    const key = probed.keyframes.filter((k) => k <= want + 0.001).at(-1);
    if (key !== undefined && key > probed.startTime + 0.001) {
      entries[0]!.inpoint = key;
      actualFrom = first.startMs + Math.round((key - probed.startTime) * 1000);
    }
  }
  let actualTo = last.endMs;
  if (to < last.endMs) {
    const { startTime } = await probe(entries.at(-1)!);
    entries.at(-1)!.outpoint = startTime + (to - last.startMs) / 1000;
    actualTo = to;
  }
  let seconds = 0;
  let gaps = 0;
  over.forEach((s, i) => {
    const start = i === 0 ? actualFrom : s.startMs;
    const end = i === over.length - 1 ? actualTo : s.endMs;
    seconds += Math.max(0, end - start) / 1000;
    const prev = over[i - 1];
    if (prev && s.startMs - prev.endMs > 1500) gaps++;
  });
  return { entries, actualFrom, actualTo, seconds, gaps };
}

/** The concat demuxer's list (paths quoted for it). */
export function concatList(entries: readonly ConcatEntry[]): string {
  const quote = (p: string) => `'${p.replace(/'/g, "'\\''")}'`;
  return ['ffconcat version 1.0', ...entries.flatMap((e) => [
    `file ${quote(e.file)}`,
    ...(e.inpoint !== undefined ? [`inpoint ${e.inpoint.toFixed(6)}`] : []),
    ...(e.outpoint !== undefined ? [`outpoint ${e.outpoint.toFixed(6)}`] : []),
  ])].join('\n') + '\n';
}
