// The two JetStream streams of the cluster, ensured at each node's start:
//   GW_EVENTS      gw.events.>      incident events, kept for `retentionHours`
//                                   (limits retention; every node reads all of it,
//                                   following what publishers announce on gw.tail.>)
//   GW_CANDIDATES  gw.candidates.>  machine-raised incident candidates
//                                   (work queue: a message leaves once acked)
// Both dedupe by message id for 2 minutes (GW_EVENTS: at most its retention),
// so a publisher that retries after a crash does not store a message twice.
// Nodes race here at start: a node that finds a stream already there leaves
// it if its settings match and updates it if not (say a changed retention);
// one that loses the race to create it looks again.
import { NatsError, nanos, RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig } from 'nats';

export const EVENTS_STREAM = 'GW_EVENTS';
export const CANDIDATES_STREAM = 'GW_CANDIDATES';
export const EVENTS_SUBJECT = 'gw.events';
export const CANDIDATES_SUBJECT = 'gw.candidates';
/** Each event GW_EVENTS stored, announced by its publisher once acknowledged (`gw.tail.<type>`, its stream sequence in a header): what nodes follow. */
export const EVENTS_TAIL_SUBJECT = 'gw.tail';
/** Headers of an announcement: the stream and the sequence it stored the event at. */
export const TAIL_STREAM_HEADER = 'Gw-Stream';
export const TAIL_SEQ_HEADER = 'Gw-Stream-Seq';

const DUPLICATE_WINDOW_MS = 2 * 60_000;
const JS_STREAM_NAME_IN_USE = 10058; // "stream name already in use with a different configuration"
const JS_STREAM_NOT_FOUND = 10059;
const JS_STREAM_SUBJECT_OVERLAP = 10065;

export interface StreamsOptions {
  /** How long incident events stay replayable (Last-Event-ID), in hours. */
  retentionHours: number;
  /** JetStream replicas (1 for a single nats-server, 3 in a NATS cluster). */
  replicas?: number;
}

export function streamConfigs(opts: StreamsOptions): Array<Partial<StreamConfig> & { name: string }> {
  const common = { storage: StorageType.File, num_replicas: opts.replicas ?? 1 };
  const maxAgeMs = Math.round(opts.retentionHours * 3_600_000);
  // The server refuses a duplicate window longer than max_age (0: no age limit).
  const eventsWindowMs = maxAgeMs > 0 ? Math.min(DUPLICATE_WINDOW_MS, maxAgeMs) : DUPLICATE_WINDOW_MS;
  return [
    { name: EVENTS_STREAM, subjects: [`${EVENTS_SUBJECT}.>`], retention: RetentionPolicy.Limits, max_age: nanos(maxAgeMs), duplicate_window: nanos(eventsWindowMs), ...common },
    { name: CANDIDATES_STREAM, subjects: [`${CANDIDATES_SUBJECT}.>`], retention: RetentionPolicy.Workqueue, duplicate_window: nanos(DUPLICATE_WINDOW_MS), ...common },
  ];
}

export const apiErrorCode = (err: unknown): number | undefined => (err instanceof NatsError ? err.api_error?.err_code : undefined);

/** The settings this file decides; anything else on the stream (set by an operator) is left alone. */
function differs(have: StreamConfig, want: Partial<StreamConfig>): boolean {
  return (Object.keys(want) as Array<keyof StreamConfig>).some((k) => JSON.stringify(have[k]) !== JSON.stringify(want[k]));
}

async function ensureOne(jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string }): Promise<'created' | 'updated' | 'unchanged'> {
  for (let attempt = 1; ; attempt++) {
    const have = await jsm.streams.info(config.name).catch((err: unknown) => {
      if (apiErrorCode(err) === JS_STREAM_NOT_FOUND) return undefined;
      throw err;
    });
    try {
      if (!have) {
        await jsm.streams.add(config);
        return 'created';
      }
      if (!differs(have.config, config)) return 'unchanged';
      await jsm.streams.update(config.name, config);
      return 'updated';
    } catch (err) {
      // Another node created it between our look and our add: the server answers "name in use" or,
      // in a tight race, "subjects overlap". Look again (a few times: a real overlap stays).
      const code = apiErrorCode(err);
      if (attempt < 5 && (code === JS_STREAM_NAME_IN_USE || code === JS_STREAM_SUBJECT_OVERLAP)) continue;
      throw err;
    }
  }
}

/** Creates or updates both streams; safe to call from every node at once. */
export async function ensureStreams(jsm: JetStreamManager, opts: StreamsOptions): Promise<Record<string, 'created' | 'updated' | 'unchanged'>> {
  const out: Record<string, 'created' | 'updated' | 'unchanged'> = {};
  for (const config of streamConfigs(opts)) out[config.name] = await ensureOne(jsm, config);
  return out;
}
