// A stretch of a stream read by sequence: what SSE replays after a
// Last-Event-ID and what the tail fills a gap with. A few messages are got
// one by one from the stream's leader (no consumer, so nothing to place on a
// server that may be gone); longer stretches through a short-lived consumer.
// Either way the answer is complete from `afterSeq` on or an error: never a
// short answer that would hide a gap.
import { AckPolicy, DeliverPolicy, nanos, nuid, type ConsumerConfig, type JetStreamClient, type JetStreamManager, type StreamInfo } from 'nats';
import type { Logger } from 'pino';
import { apiErrorCode } from './streams.ts';

export interface StreamRecord {
  seq: number;
  subject: string;
  data: Uint8Array;
}

export interface StreamRange {
  /** Up to `limit` messages after `afterSeq`, in order (holes skipped). */
  records: StreamRecord[];
  /** The stream's last sequence when read: with fewer records than asked, nothing else exists up to it. */
  lastSeq: number;
}

const JS_NO_MESSAGE_FOUND = 10037;
/** Stretches up to this long are got message by message, this many at once. */
const BY_GET_UP_TO = 64;
const GETS_AT_ONCE = 16;

/** An ephemeral reader from `fromSeq`, removed by the server after `inactiveMs` without a pull. */
export const readerConfig = (name: string, fromSeq: number, inactiveMs = 60_000): Partial<ConsumerConfig> => ({
  name, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: Math.max(1, fromSeq), ack_policy: AckPolicy.None,
  mem_storage: true, num_replicas: 1, inactive_threshold: nanos(inactiveMs),
});

export class StreamRangeReader {
  constructor(private readonly js: JetStreamClient, private readonly jsm: JetStreamManager, private readonly stream: string, private readonly log: Logger) {}

  /** The stream's info, from its leader. */
  streamInfo(): Promise<StreamInfo> {
    return this.jsm.streams.info(this.stream);
  }

  async read(afterSeq: number, limit: number): Promise<StreamRange> {
    const { state } = await this.streamInfo();
    if (limit <= 0 || state.messages === 0 || afterSeq >= state.last_seq) return { records: [], lastSeq: state.last_seq };
    const from = Math.max(afterSeq + 1, state.first_seq);
    const want = Math.min(limit, state.last_seq - from + 1);
    const records = want <= BY_GET_UP_TO ? await this.byGet(from, state.last_seq, limit) : await this.byConsumer(from, state.last_seq, limit);
    return { records, lastSeq: state.last_seq };
  }

  private async byGet(from: number, last: number, limit: number): Promise<StreamRecord[]> {
    const out: StreamRecord[] = [];
    for (let seq = from; seq <= last && out.length < limit;) {
      const seqs = Array.from({ length: Math.min(GETS_AT_ONCE, limit - out.length, last - seq + 1) }, (_, i) => seq + i);
      const got = await Promise.all(seqs.map((s) => this.jsm.streams.getMessage(this.stream, { seq: s }).then(
        (m): StreamRecord => ({ seq: m.seq, subject: m.subject, data: m.data }),
        (err: unknown) => {
          if (apiErrorCode(err) === JS_NO_MESSAGE_FOUND) return undefined; // a hole (deleted)
          throw err;
        },
      )));
      for (const r of got) if (r && out.length < limit) out.push(r);
      seq += seqs.length;
    }
    return out;
  }

  private async byConsumer(from: number, last: number, limit: number): Promise<StreamRecord[]> {
    const name = `range_${nuid.next()}`;
    await this.jsm.consumers.add(this.stream, readerConfig(name, from));
    const out: StreamRecord[] = [];
    try {
      const consumer = await this.js.consumers.get(this.stream, name);
      // Batches until `limit` or the end of the stream (pending 0), which holes left by deletes do not hide.
      for (let more = true, dseq = 0; more && out.length < limit;) {
        const batch = await consumer.fetch({ max_messages: Math.min(limit - out.length, 1000), expires: 5000 });
        let got = 0;
        for await (const m of batch) {
          if (m.info.deliverySequence !== ++dseq) throw new Error(`reading ${this.stream} lost a message after sequence ${out.at(-1)?.seq ?? from - 1}`);
          got++;
          out.push({ seq: m.seq, subject: m.subject, data: m.data });
          more = m.info.pending > 0 && m.seq < last;
          if (!more || out.length >= limit) break;
        }
        if (!got) throw new Error(`reading ${this.stream} stopped at sequence ${out.at(-1)?.seq ?? from - 1} of ${last}`);
      }
    } finally {
      this.jsm.consumers.delete(this.stream, name).catch((err: unknown) => this.log.debug({ err: (err as Error).message }, 'range reader already gone'));
    }
    return out;
  }
}
