// Runs inside NMS's prePublish / prePlay hooks: accepts, holds or refuses each
// session, and tracks accepted publishers until their connection closes.
// NMS emits hooks synchronously and goes on regardless (there is no veto), so
// refusing means destroying the socket, and holding means pausing it.
import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { NmsSession } from './nms.ts';
import { addressOf, decidePlay, decidePublish, logName, type RejectReason } from './policy.ts';

export interface LiveStreamEvent { app: string; name: string; ip: string }
export interface LiveRejectEvent extends LiveStreamEvent { reason: RejectReason }
export interface LiveServerEvents {
  publish: [LiveStreamEvent];
  unpublish: [LiveStreamEvent];
  rejected: [LiveRejectEvent];
}

export interface GateOptions {
  authorizePush: (key: string, ip: string) => boolean | Promise<boolean>;
  authorizeTimeoutMs: number;
  log: Logger;
  emit: EventEmitter<LiveServerEvents>['emit'];
}

export class Gate {
  /** Accepted publishers by stream path, until their socket closes. */
  private readonly publishers = new Map<string, NmsSession>();
  /** Pushes held while authorizePush runs, with their timeout. */
  private readonly pending = new Map<NmsSession, NodeJS.Timeout>();

  constructor(private readonly opts: GateOptions) {}

  readonly prePublish = (s: NmsSession): void => {
    const busy = s.broadcast?.getPublishStatus() === 'publishing';
    const d = decidePublish({ app: s.streamApp, protocol: s.protocol, address: addressOf(s.ip), busy });
    if (d.action === 'reject') this.reject(s, d.reason);
    else if (d.action === 'accept') this.accept(s);
    else this.authorize(s);
  };

  readonly prePlay = (s: NmsSession): void => {
    const reason = decidePlay({ app: s.streamApp, protocol: s.protocol, address: addressOf(s.ip) });
    if (reason) this.reject(s, reason);
  };

  isPublishing(path: string): boolean {
    return this.publishers.has(path);
  }

  /** Forgets held pushes; their sockets are NMS's to close. */
  clear(): void {
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
    this.publishers.clear();
  }

  private authorize(s: NmsSession): void {
    const ev = eventOf(s);
    let verdict: boolean | Promise<boolean>;
    try {
      verdict = this.opts.authorizePush(ev.name, ev.ip);
    } catch (err) {
      this.opts.log.error({ err, name: logName(ev.app, ev.name) }, 'authorizePush threw');
      return this.reject(s, 'authorize-failed');
    }
    if (typeof verdict === 'boolean') return verdict ? this.accept(s) : this.reject(s, 'denied');
    // NMS has already answered NetStream.Publish.Start and cannot wait for us;
    // a paused socket holds the client's media until the verdict.
    s.socket?.pause();
    this.pending.set(s, setTimeout(() => this.settle(s, 'authorize-timeout'), this.opts.authorizeTimeoutMs));
    Promise.resolve(verdict).then(
      (ok) => this.settle(s, ok === true ? undefined : 'denied'),
      (err: unknown) => {
        this.opts.log.error({ err, name: logName(ev.app, ev.name) }, 'authorizePush failed');
        this.settle(s, 'authorize-failed');
      },
    );
  }

  private settle(s: NmsSession, reason: RejectReason | undefined): void {
    const timer = this.pending.get(s);
    if (!timer) return; // settled already, or the server stopped
    clearTimeout(timer);
    this.pending.delete(s);
    if (s.socket?.destroyed) return;
    if (reason) return this.reject(s, reason);
    this.accept(s);
    s.socket?.resume();
  }

  private accept(s: NmsSession): void {
    const ev = eventOf(s);
    const path = s.streamPath;
    this.publishers.set(path, s);
    s.socket?.once('close', () => {
      if (this.publishers.get(path) !== s) return;
      this.publishers.delete(path);
      this.opts.log.info({ app: ev.app, name: logName(ev.app, ev.name), ip: ev.ip }, 'unpublish');
      this.opts.emit('unpublish', ev);
    });
    this.opts.log.info({ app: ev.app, name: logName(ev.app, ev.name), ip: ev.ip }, 'publish');
    // once NMS has finished registering the publisher
    queueMicrotask(() => this.opts.emit('publish', ev));
  }

  private reject(s: NmsSession, reason: RejectReason): void {
    const ev = eventOf(s);
    this.opts.log.warn({ app: ev.app, name: logName(ev.app, ev.name), ip: ev.ip, reason }, 'stream rejected');
    // destroy, not end(): a half-closed socket would still feed NMS the client's media
    const socket = s.socket ?? s.req?.socket;
    if (socket) {
      socket.destroy();
      // NMS took the refused publisher into its 30 s resume window; drop it now
      socket.once('close', () => setImmediate(() => {
        if (s.broadcast?.publisher === s) s.broadcast._finishPublish();
      }));
    } else {
      s.close();
    }
    queueMicrotask(() => this.opts.emit('rejected', { ...ev, reason }));
  }
}

function eventOf(s: NmsSession): LiveStreamEvent {
  return { app: s.streamApp, name: s.streamName, ip: addressOf(s.ip) };
}
