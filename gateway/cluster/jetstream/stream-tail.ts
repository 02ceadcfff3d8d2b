// Follows a JetStream stream as it grows, every message once and in order,
// through the loss of any one NATS server.
//
// Whoever stores a message announces it once JetStream acknowledged it, on a
// core NATS subject with its stream sequence in a header (event-fanout.ts);
// the tail subscribes to that subject. There is no consumer to lose: the
// subscription moves with the client when its server dies, and a server
// holding nothing of ours can die unnoticed. (A consumer, as nats.js's
// ordered consumer, lives on one server; when that server died, the node's
// events stopped until it came back, and a new consumer cannot be made before
// the cluster has elected leaders again: 6 to 16 s measured on nats-server 2.9.)
// Core NATS drops what is sent while a client reconnects, and a publisher may
// die between the acknowledgement and the announcement, so the tail checks
// the sequences: a message ahead of the next one expected reveals a gap (two
// publishers' announcements may cross: it waits `gapGraceMs` for the missing
// one first), an idle tail asks the stream for its last sequence every
// `checkEveryMs`, and a gap is read back from the stream itself
// (stream-range.ts) before anything after it is delivered: no gap, no duplicate.
import type { Msg, NatsConnection, Status, Subscription } from 'nats';
import type { Logger } from 'pino';
import { sleep } from '../start-retry.ts';
import type { StreamRangeReader, StreamRecord } from './stream-range.ts';

export interface StreamTailOptions {
  stream: string;
  /** The subject stored messages are announced on (`<subject>.>`). */
  subject: string;
  /** The headers of an announcement naming the stream and the sequence. */
  headers: { stream: string; seq: string };
  reader: StreamRangeReader;
  /** The stream's last sequence (its leader answers; throws while there is none). */
  lastSeq: () => Promise<number>;
  log: Logger;
  /** An idle tail asks the stream for its last sequence this often. Default 1 s. */
  checkEveryMs?: number;
  /** A sequence missing while later ones arrived is read from the stream after this long. Default 200 ms. */
  gapGraceMs?: number;
  /** Pause after a failed read, doubling up to maxRetryMs. Default 250 ms → 2 s. */
  retryMs?: number;
  maxRetryMs?: number;
}

/** Whether the tail delivers what the stream holds; when not, since when and why (for /readyz and the logs). */
export type TailState =
  | { consuming: true; nextSeq: number }
  | { consuming: false; nextSeq: number | undefined; since: number; reason: string };

/** Live messages held while a gap before them is filled; past this, later ones are read from the stream instead. */
const MAX_HELD = 10_000;
const GAP_READ = 500;

export class StreamTail {
  private next: number | undefined;
  /** The highest sequence known to be in the stream. */
  private knownLast = 0;
  private readonly held = new Map<number, StreamRecord>();
  private current: TailState = { consuming: false, nextSeq: undefined, since: Date.now(), reason: 'subscribing' };
  private lostLogged = false;
  /** When a message last arrived or was delivered: an idle tail checks the stream. */
  private lastArrival = Date.now();
  private pumping: Promise<void> | undefined;
  /** Since when the next sequence is missing while later ones are known; and the wait before reading it. */
  private gapSince: number | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  private checking = false;
  private stopped = false;
  private readonly wake = new AbortController();
  private sub: Subscription | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private onRecord: (r: StreamRecord) => void = () => {};

  constructor(private readonly nc: NatsConnection, private readonly opts: StreamTailOptions) {}

  state(): TailState {
    return { ...this.current };
  }

  /** Delivers from stream sequence `fromSeq` (inclusive), or from the first one after the stream's last now ('new'). */
  start(fromSeq: number | 'new', onRecord: (r: StreamRecord) => void): void {
    this.onRecord = onRecord;
    // Subscribed before the start is pinned: whatever is stored after it arrives live or is read as a gap.
    this.sub = this.nc.subscribe(`${this.opts.subject}.>`, { callback: (err, msg) => (err ? this.lost(`subscription: ${err.message}`) : this.arrive(msg)) });
    this.next = fromSeq === 'new' ? undefined : Math.max(1, fromSeq);
    if (this.next !== undefined) this.knownLast = this.next - 1;
    // nats.js's status iterator can be stopped, though its type does not say so.
    const status = this.nc.status() as AsyncIterable<Status> & { stop?: () => void };
    this.stopStatus = () => status.stop?.();
    void (async () => {
      for await (const s of status) {
        if (this.stopped) break;
        if (s.type === 'disconnect') this.lost('the NATS connection is lost');
        else if (s.type === 'reconnect') void this.check();
      }
    })().catch((err: unknown) => this.opts.log.debug({ err }, 'tail status watch ended'));
    const everyMs = this.opts.checkEveryMs ?? 1000;
    this.watchdog = setInterval(() => {
      if (!this.pumping && Date.now() - this.lastArrival >= everyMs) void this.check();
    }, everyMs);
    this.watchdog.unref(); // the connection keeps the process up, not this
    this.kick();
  }

  private stopStatus: () => void = () => {};

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake.abort();
    clearInterval(this.watchdog);
    clearTimeout(this.graceTimer);
    this.sub?.unsubscribe();
    this.stopStatus();
    await this.pumping;
    this.current = { consuming: false, nextSeq: this.next, since: Date.now(), reason: 'stopped' };
  }

  private arrive(msg: Msg): void {
    const seq = Number(msg.headers?.get(this.opts.headers.seq));
    if (!Number.isSafeInteger(seq) || seq < 1 || msg.headers?.get(this.opts.headers.stream) !== this.opts.stream) {
      return void this.opts.log.debug({ subject: msg.subject }, 'not an announcement of a stored message; ignored');
    }
    this.lastArrival = Date.now();
    this.knownLast = Math.max(this.knownLast, seq);
    if (this.next !== undefined && seq < this.next) return; // already delivered (read while filling a gap)
    if (this.held.size < MAX_HELD) this.held.set(seq, { seq, subject: msg.subject, data: msg.data });
    this.kick();
  }

  private kick(): void {
    if (this.stopped || this.pumping) return;
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
      if (!this.graceTimer && this.next !== undefined && (this.held.has(this.next) || this.knownLast >= this.next)) this.kick();
    });
  }

  /** Delivers in sequence order, reading any gap from the stream first; retries a failed read. */
  private async pump(): Promise<void> {
    for (let wait = this.opts.retryMs ?? 250; !this.stopped;) {
      try {
        if (this.next === undefined) {
          const last = await this.opts.lastSeq();
          this.next = last + 1;
          this.knownLast = Math.max(this.knownLast, last);
        }
        const ready = this.held.get(this.next);
        if (ready) {
          this.held.delete(ready.seq);
          this.deliver(ready);
          continue;
        }
        if (this.knownLast < this.next) return this.reading();
        // Later ones arrived first: the missing one may be a moment behind them (another publisher).
        const open = Date.now() - (this.gapSince ??= Date.now());
        const grace = this.opts.gapGraceMs ?? 200;
        if (open < grace) {
          this.graceTimer ??= setTimeout(() => {
            this.graceTimer = undefined;
            this.kick();
          }, grace - open);
          return;
        }
        await this.fillGap();
        for (const seq of this.held.keys()) if (seq < this.next!) this.held.delete(seq);
        wait = this.opts.retryMs ?? 250;
      } catch (err) {
        if (this.stopped) return;
        this.lost(`cannot read ${this.opts.stream}: ${(err as Error).message}`);
        await sleep(wait, this.wake.signal);
        wait = Math.min(wait * 2, this.opts.maxRetryMs ?? 2000);
      }
    }
  }

  /** Reads what was not received, from the next sequence up to the first held one (or the stream's known last). */
  private async fillGap(): Promise<void> {
    const next = this.next!;
    const upTo = this.held.size ? Math.min(...this.held.keys()) - 1 : this.knownLast;
    const { records, lastSeq } = await this.opts.reader.read(next - 1, Math.min(upTo - next + 1, GAP_READ));
    if (lastSeq < next - 1) {
      // The stream starts over at lower sequences (deleted and made again): follow it from its end.
      this.opts.log.warn({ lastSeq, expected: next }, 'the stream restarted from a lower sequence; following it from its end');
      this.next = lastSeq + 1;
      this.knownLast = lastSeq;
      this.held.clear();
      return;
    }
    for (const r of records) if (r.seq >= this.next!) this.deliver(r);
    // Fewer than asked: nothing else exists up to the stream's last (holes, or purged past).
    if (records.length < Math.min(upTo - next + 1, GAP_READ)) this.next = Math.max(this.next!, Math.min(upTo, lastSeq) + 1);
  }

  private deliver(r: StreamRecord): void {
    this.gapSince = undefined;
    this.lastArrival = Date.now();
    this.next = r.seq + 1;
    this.reading();
    this.onRecord(r);
  }

  /** Idle or just reconnected: is the stream ahead of what this tail delivered? */
  private async check(): Promise<void> {
    if (this.checking || this.stopped || this.next === undefined) return;
    this.checking = true;
    const startedAt = Date.now();
    try {
      this.knownLast = Math.max(this.knownLast, await this.opts.lastSeq());
      if (this.knownLast >= this.next) this.kick();
      else if (!this.pumping) this.reading();
    } catch (err) {
      // Messages arrived while this check waited: the stream answers after all.
      if (this.lastArrival < startedAt) this.lost(`${this.opts.stream} does not answer: ${(err as Error).message}`);
    } finally {
      this.checking = false;
    }
  }

  /** Not delivering: the first time logged as a loss, later reasons at debug. */
  private lost(reason: string): void {
    if (this.stopped) return;
    if (this.current.consuming || !this.lostLogged) {
      this.opts.log.warn({ stream: this.opts.stream, reason, nextSeq: this.next }, 'stream tail lost; catching up when the stream answers');
      this.lostLogged = true;
      this.current = { consuming: false, nextSeq: this.next, since: Date.now(), reason };
    } else if (this.current.reason !== reason) {
      this.opts.log.debug({ reason, nextSeq: this.next }, 'stream tail still lost');
      this.current = { ...this.current, reason };
    }
  }

  private reading(): void {
    if (this.current.consuming) return void (this.current.nextSeq = this.next!);
    if (this.lostLogged) this.opts.log.info({ stream: this.opts.stream, nextSeq: this.next, downMs: Date.now() - this.current.since }, 'stream tail back');
    this.lostLogged = false;
    this.current = { consuming: true, nextSeq: this.next! };
  }
}
