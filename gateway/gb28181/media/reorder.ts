// Puts the RTP packets of one stream back in sequence order (UDP reorders and
// duplicates). A gap is waited for while the held packets stay under a count
// and the oldest under an age; then it is declared lost and delivery goes on.
// A sequence jump too large to be reordering is a restart (device reboot, new
// encoder session) once a second packet confirms it, as in RFC 3550 A.1.

export interface ReorderOptions {
  /** Packets held behind a gap before it is declared lost (default 64). */
  maxPackets?: number;
  /** Milliseconds a gap may stay open before it is declared lost (default 150). */
  maxWaitMs?: number;
  /** A forward jump of this many or more is a restart, not loss (default 3000). */
  maxDropout?: number;
  /** A backward jump of more than this is a restart, not a late packet (default 100). */
  maxMisorder?: number;
  /**
   * Packets collected at the start of a stream before the first is released
   * (default 8, bounded by maxWaitMs), so that packets overtaken by their
   * successors on the way are not taken for late ones.
   */
  startPackets?: number;
}

export interface ReorderStats {
  received: number;
  released: number;
  /** Sequence numbers given up on (a later arrival of one counts as `late`). */
  lost: number;
  duplicate: number;
  /** Arrived after its slot was released or declared lost; dropped. */
  late: number;
  /** Arrived after a higher sequence number but in time; delivered in order. */
  reordered: number;
  /** Sequence restarts and SSRC changes followed. */
  resyncs: number;
  /** Lone packets far out of sequence that no second packet confirmed. */
  discarded: number;
}

interface Held<T> {
  packet: T;
  at: number;
}

const HISTORY = 1024;
const RELEASED = 1;
/** Late packets in sequence that mean the sender restarted just behind us. */
const LATE_RUN = 8;
const LOST = 2;

/** Signed distance from b to a in 16-bit sequence space, in [-32768, 32767]. */
export function seqDelta(a: number, b: number): number {
  return ((((a - b) & 0xffff) + 0x8000) & 0xffff) - 0x8000;
}

const monotonicMs = () => performance.now();

export class RtpReorderBuffer<T extends { seq: number; ssrc?: number }> {
  readonly stats: ReorderStats = { received: 0, released: 0, lost: 0, duplicate: 0, late: 0, reordered: 0, resyncs: 0, discarded: 0 };
  private readonly maxPackets: number;
  private readonly maxWaitMs: number;
  private readonly maxDropout: number;
  private readonly maxMisorder: number;
  private readonly startPackets: number;
  /** Collecting the first packets: the origin may still move back. */
  private starting = false;
  private startedAt = 0;
  private readonly held = new Map<number, Held<T>>();
  private expected: number | undefined;
  private highest = 0;
  private ssrc: number | undefined;
  private probation: Held<T> | undefined;
  private lateRun: Held<T>[] = [];
  // What happened to recently passed sequence numbers, to tell duplicates from late packets.
  private readonly historySeq = new Int32Array(HISTORY).fill(-1);
  private readonly historyState = new Uint8Array(HISTORY);

  constructor(options: ReorderOptions = {}) {
    this.maxPackets = Math.max(1, options.maxPackets ?? 64);
    this.maxWaitMs = options.maxWaitMs ?? 150;
    this.maxDropout = options.maxDropout ?? 3000;
    this.maxMisorder = options.maxMisorder ?? 100;
    this.startPackets = Math.max(1, options.startPackets ?? 8);
  }

  /** Packets held waiting for a gap to fill. */
  get pending(): number {
    return this.held.size;
  }

  /** Adds one packet; returns the packets now deliverable, in order. */
  push(packet: T, now = monotonicMs()): T[] {
    this.stats.received++;
    const out: T[] = [];
    if (packet.ssrc !== undefined && this.ssrc !== undefined && packet.ssrc !== this.ssrc) {
      out.push(...this.flush());
      this.restart(packet.seq, now);
      this.stats.resyncs++;
    }
    if (packet.ssrc !== undefined) this.ssrc = packet.ssrc;
    if (this.expected === undefined) this.restart(packet.seq, now);

    const d = seqDelta(packet.seq, this.expected!);
    if (d < -this.maxMisorder || d >= this.maxDropout) {
      out.push(...this.onJump(packet, now));
    } else if (d < 0 && this.starting) {
      this.expected = packet.seq; // an earlier packet than the first one seen: the stream starts here
      this.hold(packet, now);
    } else if (d < 0) {
      this.endProbation();
      const slot = packet.seq % HISTORY;
      if (this.historySeq[slot] === packet.seq && this.historyState[slot] === RELEASED) this.stats.duplicate++;
      else out.push(...this.onLate(packet, now));
    } else {
      this.endProbation();
      this.lateRun = [];
      this.hold(packet, now);
    }
    if (this.starting && this.held.size >= this.startPackets) this.starting = false;
    if (this.starting) return [...out, ...this.poll(now)];
    out.push(...this.drain());
    while (this.held.size > this.maxPackets) out.push(...this.skipGap());
    out.push(...this.poll(now));
    return out;
  }

  /** Declares lost the gaps that have waited too long; call on a timer (see `nextDeadline`). */
  poll(now = monotonicMs()): T[] {
    const out: T[] = [];
    if (this.starting) {
      if (now - this.startedAt < this.maxWaitMs) return out;
      this.starting = false;
      out.push(...this.drain());
    }
    while (this.held.size > 0 && this.oldestArrival() + this.maxWaitMs <= now) out.push(...this.skipGap());
    return out;
  }

  /** Milliseconds until `poll` has something to do; undefined when nothing is held. */
  nextDeadline(now = monotonicMs()): number | undefined {
    if (this.held.size === 0) return undefined;
    if (this.starting) return Math.max(0, this.startedAt + this.maxWaitMs - now);
    return Math.max(0, this.oldestArrival() + this.maxWaitMs - now);
  }

  /** Releases everything held, in order, counting the gaps as lost (end of stream). */
  flush(): T[] {
    this.starting = false;
    const out: T[] = [];
    while (this.held.size > 0) out.push(...this.skipGap());
    return out;
  }

  /** Forgets the stream position: the next packet starts a new sequence. */
  reset(): void {
    this.held.clear();
    this.expected = undefined;
    this.probation = undefined;
    this.ssrc = undefined;
    this.starting = false;
  }

  private restart(seq: number, now: number): void {
    this.starting = true;
    this.startedAt = now;
    this.held.clear();
    this.expected = seq;
    this.highest = (seq - 1) & 0xffff;
    this.probation = undefined;
    this.lateRun = [];
  }

  private hold(packet: T, now: number): void {
    if (this.held.has(packet.seq)) {
      this.stats.duplicate++;
      return;
    }
    if (seqDelta(packet.seq, this.highest) < 0) this.stats.reordered++;
    else this.highest = packet.seq;
    this.held.set(packet.seq, { packet, at: now });
  }

  /** A packet far from the expected number: keep it on probation until its successor confirms a restart. */
  private onJump(packet: T, now: number): T[] {
    const prev = this.probation;
    if (prev && packet.seq === ((prev.packet.seq + 1) & 0xffff)) {
      const out = this.flush();
      this.restart(prev.packet.seq, now);
      this.starting = false; // two packets in sequence are evidence enough
      this.stats.resyncs++;
      this.hold(prev.packet, prev.at);
      this.hold(packet, now);
      return out;
    }
    if (prev) this.stats.discarded++;
    this.probation = { packet, at: now };
    return [];
  }

  /**
   * A late packet. A run of them in sequence is a restart just behind the
   * current position (which RFC 3550 A.1 would ignore forever): follow it.
   */
  private onLate(packet: T, now: number): T[] {
    this.stats.late++;
    const last = this.lateRun[this.lateRun.length - 1];
    if (last && packet.seq !== ((last.packet.seq + 1) & 0xffff)) this.lateRun = [];
    this.lateRun.push({ packet, at: now });
    if (this.lateRun.length < LATE_RUN) return [];
    const run = this.lateRun;
    const out = this.flush();
    this.restart(run[0]!.packet.seq, now);
    this.starting = false;
    this.stats.resyncs++;
    this.stats.late -= run.length; // delivered after all
    for (const entry of run) this.hold(entry.packet, entry.at);
    return out;
  }

  /** The stream went on where it was: the packet on probation was a stray. */
  private endProbation(): void {
    if (this.probation) this.stats.discarded++;
    this.probation = undefined;
  }

  private drain(): T[] {
    const out: T[] = [];
    for (;;) {
      const entry = this.held.get(this.expected!);
      if (!entry) return out;
      this.held.delete(this.expected!);
      this.remember(this.expected!, RELEASED);
      this.stats.released++;
      out.push(entry.packet);
      this.expected = (this.expected! + 1) & 0xffff;
    }
  }

  /** Gives up on the gap before the lowest held packet and releases what follows it. */
  private skipGap(): T[] {
    let gap = Infinity;
    for (const seq of this.held.keys()) gap = Math.min(gap, seqDelta(seq, this.expected!));
    for (let i = 0; i < Math.min(gap, HISTORY); i++) this.remember((this.expected! + gap - 1 - i) & 0xffff, LOST);
    this.stats.lost += gap;
    this.expected = (this.expected! + gap) & 0xffff;
    return this.drain();
  }

  private oldestArrival(): number {
    let oldest = Infinity;
    for (const entry of this.held.values()) oldest = Math.min(oldest, entry.at);
    return oldest;
  }

  private remember(seq: number, state: number): void {
    this.historySeq[seq % HISTORY] = seq;
    this.historyState[seq % HISTORY] = state;
  }
}
