// What should run for one channel on this node, or why nothing should: from
// its registry row (enabled, kind, mode, detection, recording), the cluster's
// lease on it, its feed (an RTMP push arriving, a GB28181 device registered)
// and its demand (watched, pushed). Decides only: the manager starts and stops.
import type { StoredRow } from '../../device-registry/index.ts';
import { ingestSpec, rtspUrlWithCredentials, type TapDefaults } from './channel-spec.ts';
import { IDLE, type ChannelDemand } from './channel-demand.ts';
import type { IngestSpec } from './ingest/supervisor.ts';
import { detectsOnSubStream } from './sub-streams.ts';
import type { ChannelOwnership, GbSource, LiveOutputs, PushPlaces, RecordingHook } from './video-ports.ts';

/** Pulled channels are sharded; a push or a GB28181 stream arrives at one node, and runs there. */
const SHARDED_KINDS = new Set(['rtsp']);

export const isShardedKind = (kind: unknown): boolean => SHARDED_KINDS.has(String(kind));

export interface DecisionInputs {
  tap: TapDefaults;
  demand: ChannelDemand;
  /** In-process frame subscribers of a channel (a subscriber makes it run all the time). */
  subscribers(channelId: string): number;
  live?: LiveOutputs;
  gb?: GbSource;
  ownership?: ChannelOwnership;
  pushPlaces?: PushPlaces;
  recording?: RecordingHook;
}

export interface ChannelDecision {
  /** The ingest to run. */
  spec?: IngestSpec;
  /** Why nothing runs (a reason word of the status). */
  why?: string;
  /** Another node runs it, and writes its status. */
  elsewhere?: boolean;
  /** Whether it runs whatever its viewers, once the decision got that far. */
  always?: boolean;
}

const elsewhere: ChannelDecision = { why: 'runs on another node', elsewhere: true };

export function decideChannel(row: StoredRow | undefined, inputs: DecisionInputs): ChannelDecision {
  if (!row) return { why: 'deleted' };
  const doc = row.doc as { kind: string; enabled: boolean; mode: string; detectionProfile: string | null };
  if (!doc.enabled) return { why: 'disabled' };
  if (inputs.ownership && isShardedKind(doc.kind) && inputs.ownership.owns(row.id) === undefined) return elsewhere;
  // Detection on the sub-stream decodes that stream (sub-streams.ts); the main one still runs all the time (live, recording, its geometry).
  const detection = doc.detectionProfile !== null;
  const tap = (detection && !detectsOnSubStream(row)) || inputs.subscribers(row.id) > 0;
  const record = inputs.recording?.wants(row);
  const always = doc.mode === 'always-on' || detection || tap || record !== undefined;
  const run = (spec: IngestSpec): ChannelDecision => ({ spec: record ? { ...spec, record } : spec, always });
  if (doc.kind === 'rtmp') {
    if (!inputs.live) return { why: 'RTMP push is disabled in the configuration', always };
    if (!inputs.demand.isPushing(row.id)) return inputs.pushPlaces?.elsewhere(row.id) ? { ...elsewhere, always } : { why: 'no push', always };
    const key = row.secret?.pushKey as string;
    return run(ingestSpec(row, { kind: 'rtmp', url: inputs.live.rtmpUrl('live', key) }, { tap }, inputs.tap));
  }
  if (doc.kind === 'gb28181') {
    if (!inputs.gb) return { why: 'GB28181 is disabled in the configuration', always };
    if (inputs.gb.elsewhere?.(row)) return { ...elsewhere, always };
    const why = inputs.gb.unavailable(row);
    if (why) return { why, always };
  }
  if (!always && !inputs.demand.watched(row.id)) return { why: IDLE, always };
  const input: IngestSpec['input'] = doc.kind === 'gb28181' ? { kind: 'gb28181', url: inputs.gb!.relayUrl(row.id) } : { kind: 'rtsp', url: rtspUrlWithCredentials(row) };
  return run(ingestSpec(row, input, { tap }, inputs.tap));
}
