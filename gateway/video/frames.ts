// The frame tap: decoded frames from one ffmpeg per channel, handed to any
// number of in-process subscribers. A subscriber still busy with a frame gets
// only the newest one when it is free again: stale frames are dropped and
// counted, never queued.
import { EventEmitter } from 'node:events';

export interface Frame {
  channelId: string;
  /** Capture time, epoch ms: when its packet reached ffmpeg (see ingest/tap-clock.ts). */
  ts: number;
  width: number;
  height: number;
  format: 'rgb24';
  data: Buffer;
}

export type FrameHandler = (frame: Frame) => void | Promise<void>;

/** Cuts ffmpeg's rawvideo byte stream into whole frames of a known size. */
export class RawFrameReader {
  private buffer: Buffer;
  private filled = 0;

  constructor(readonly width: number, readonly height: number, private readonly onFrame: (data: Buffer) => void) {
    this.buffer = Buffer.allocUnsafe(width * height * 3);
  }

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(this.buffer.length - this.filled, chunk.length - offset);
      chunk.copy(this.buffer, this.filled, offset, offset + n);
      this.filled += n;
      offset += n;
      if (this.filled === this.buffer.length) {
        const frame = this.buffer;
        this.buffer = Buffer.allocUnsafe(frame.length); // the frame is handed over, not reused
        this.filled = 0;
        this.onFrame(frame);
      }
    }
  }
}

class Subscription {
  busy = false;
  pending: Frame | undefined;
  delivered = 0;
  dropped = 0;

  constructor(readonly handler: FrameHandler, private readonly onError: (err: unknown) => void) {}

  offer(frame: Frame): void {
    if (this.busy) {
      if (this.pending) this.dropped++;
      this.pending = frame;
      return;
    }
    this.run(frame);
  }

  // A handler that returns no promise is done at once: several frames in one
  // tick all reach it. Only a pending promise makes the subscriber busy.
  private run(frame: Frame): void {
    this.busy = true;
    let result: void | Promise<void>;
    try {
      result = this.handler(frame);
    } catch (err) {
      this.onError(err);
      return this.finish();
    }
    if (result instanceof Promise) {
      result.then(() => void this.delivered++, this.onError).finally(() => this.finish());
    } else {
      this.delivered++;
      this.finish();
    }
  }

  private finish(): void {
    this.busy = false;
    const next = this.pending;
    this.pending = undefined;
    if (next) this.offer(next);
  }
}

interface HubEvents {
  /** The number of subscribers of a channel changed (0 ↔ 1 starts or stops decoding). */
  subscribers: [channelId: string, count: number];
  error: [channelId: string, err: unknown];
}

export class FrameHub extends EventEmitter<HubEvents> {
  private readonly subs = new Map<string, Set<Subscription>>();
  private readonly latest = new Map<string, Frame>();

  subscribe(channelId: string, handler: FrameHandler): () => void {
    const set = this.subs.get(channelId) ?? new Set<Subscription>();
    this.subs.set(channelId, set);
    const sub = new Subscription(handler, (err) => this.emit('error', channelId, err));
    set.add(sub);
    this.emit('subscribers', channelId, set.size);
    return () => {
      if (set.delete(sub)) this.emit('subscribers', channelId, set.size);
    };
  }

  count(channelId: string): number {
    return this.subs.get(channelId)?.size ?? 0;
  }

  publish(frame: Frame): void {
    this.latest.set(frame.channelId, frame);
    for (const sub of this.subs.get(frame.channelId) ?? []) sub.offer(frame);
  }

  latestFrame(channelId: string): Frame | undefined {
    return this.latest.get(channelId);
  }

  forget(channelId: string): void {
    this.latest.delete(channelId);
  }

  stats(channelId: string): { subscribers: number; delivered: number; dropped: number } {
    const set = [...(this.subs.get(channelId) ?? [])];
    return {
      subscribers: set.length,
      delivered: set.reduce((n, s) => n + s.delivered, 0),
      dropped: set.reduce((n, s) => n + s.dropped, 0),
    };
  }
}
