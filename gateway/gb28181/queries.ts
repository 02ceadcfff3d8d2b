// Queries and controls the platform sends to devices, and the answers that
// come back later as separate MESSAGEs (matched by device, CmdType and SN).
// A catalog answer spans several MESSAGEs: items are gathered until SumNum.
import type { CatalogItem, CatalogResponse, DeviceInfo, DeviceStatus, ManscdpMessage, OutgoingCharset } from './manscdp/index.ts';
import { buildPtzControl, buildQuery, decodeCatalog, decodeDeviceInfo, decodeDeviceStatus } from './manscdp/index.ts';
import type { DeviceRemote } from './devices.ts';
import type { OutgoingRequests } from './outgoing.ts';
import { SipError, type SipEndpoint } from './sip/index.ts';
import { ManscdpError } from './manscdp/index.ts';
import { buildRecordInfoQuery, decodeRecordInfo, type DeviceRecord, type RecordType } from './records/record-info.ts';

export class QueryError extends Error {
  /** timeout: no answer in time; refused: a non-2xx; unreachable: could not be sent; offline: the device went away (or was disabled) meanwhile; malformed: an answer we cannot read. */
  constructor(readonly kind: 'timeout' | 'refused' | 'unreachable' | 'offline' | 'malformed', message: string) {
    super(message);
  }
}

export interface CatalogResult {
  items: CatalogItem[];
  sumNum: number;
  /** False when the time ran out before SumNum items came (the items are what arrived). */
  complete: boolean;
  messages: number;
}

interface Pending {
  deviceId: string;
  cmdType: string;
  sn: number;
  /** Returns true when the answer is complete. */
  take(msg: ManscdpMessage): boolean;
  /** Resolves with what came, or fails with `failure` (when there was none). */
  finish(failure?: QueryError): void;
  timer: NodeJS.Timeout;
}

export interface QueryTarget {
  deviceId: string;
  remote: DeviceRemote;
  charset: OutgoingCharset;
}

export interface RecordInfoResult {
  records: DeviceRecord[];
  sumNum: number;
  messages: number;
  /** Items without a usable start and end. */
  skipped: number;
}

export class DeviceQueries {
  private readonly pending = new Map<string, Pending>();
  private sn = Math.floor(Math.random() * 100_000);
  readonly counts = { sent: 0, answered: 0, timedOut: 0, unmatched: 0 };

  constructor(private readonly sip: SipEndpoint, private readonly out: OutgoingRequests, private readonly timeoutMs: number) {}

  catalog(t: QueryTarget): Promise<CatalogResult> {
    const items = new Map<string, CatalogItem>();
    let sumNum = -1;
    let seen = 0;
    let messages = 0;
    return this.ask<CatalogResult>(t, 'Catalog', (resolve) => ({
      take: (msg) => {
        const part: CatalogResponse = decodeCatalog(msg);
        messages++;
        sumNum = part.sumNum;
        seen += part.items.length + part.skippedItems;
        for (const item of part.items) items.set(item.deviceId, item);
        return seen >= sumNum;
      },
      finish: (failed) => {
        if (failed && messages === 0) return false;
        resolve({ items: [...items.values()], sumNum: Math.max(sumNum, 0), complete: !failed, messages });
        return true;
      },
    }));
  }

  /** The recordings a channel keeps in [from, to] (epoch ms), assembled until SumNum; an incomplete answer fails with timeout. */
  recordInfo(t: QueryTarget, channelId: string, from: number, to: number, type: RecordType = 'all'): Promise<RecordInfoResult> {
    const records: DeviceRecord[] = [];
    let sumNum = -1;
    let seen = 0;
    let messages = 0;
    let skipped = 0;
    return this.ask<RecordInfoResult>(t, 'RecordInfo', (resolve) => ({
      take: (msg) => {
        const part = decodeRecordInfo(msg);
        messages++;
        sumNum = part.sumNum;
        seen += part.records.length + part.skipped;
        skipped += part.skipped;
        records.push(...part.records);
        return seen >= sumNum;
      },
      finish: (failed) => {
        if (failed) return false;
        resolve({ records: records.sort((a, b) => a.startAt - b.startAt), sumNum: Math.max(sumNum, 0), messages, skipped });
        return true;
      },
    }), (sn) => buildRecordInfoQuery(sn, channelId, from, to, type));
  }

  deviceInfo(t: QueryTarget): Promise<DeviceInfo> {
    return this.single(t, 'DeviceInfo', decodeDeviceInfo);
  }

  deviceStatus(t: QueryTarget): Promise<DeviceStatus> {
    return this.single(t, 'DeviceStatus', decodeDeviceStatus);
  }

  /** A PTZ DeviceControl to a channel; the device's 200 to the MESSAGE is the acknowledgement (many send no Response). */
  async ptz(t: QueryTarget, channelId: string, ptzCmd: string): Promise<void> {
    const status = await this.sendMessage(t.remote, channelId, buildPtzControl(this.nextSn(), channelId, ptzCmd), t.charset);
    if (status >= 300) throw new QueryError('refused', `the device answered ${status} to the PTZ command`);
  }

  /** An answer MESSAGE from a device: true when it belonged to a pending query. */
  receive(deviceId: string, msg: ManscdpMessage): boolean {
    const p = this.pending.get(key(deviceId, msg.cmdType, msg.sn)) ?? this.soleFor(deviceId, msg.cmdType);
    if (!p) {
      this.counts.unmatched++;
      return false;
    }
    let done: boolean;
    try {
      done = p.take(msg);
    } catch (err) {
      // A broken answer ends its query at once (the caller gets a clear 502, not a timeout); the device gets its 400.
      if (err instanceof ManscdpError) this.settle(p, new QueryError('malformed', `the ${p.cmdType} answer from ${deviceId} is malformed: ${err.message}`));
      throw err;
    }
    if (done) this.settle(p);
    return true;
  }

  /** Fails everything pending for a device that went away (or was disabled, or deleted). */
  forget(deviceId: string, why: string): void {
    for (const p of [...this.pending.values()]) {
      if (p.deviceId === deviceId) this.settle(p, new QueryError('offline', `device ${deviceId} went offline (${why}) before it answered the ${p.cmdType} query`));
    }
  }

  close(): void {
    for (const p of [...this.pending.values()]) this.settle(p, new QueryError('offline', 'the GB28181 server is stopping'));
  }

  private single<T>(t: QueryTarget, cmdType: 'DeviceInfo' | 'DeviceStatus', decode: (m: ManscdpMessage) => T): Promise<T> {
    let answer: T | undefined;
    return this.ask<T>(t, cmdType, (resolve) => ({
      take: (msg) => {
        answer = decode(msg);
        return true;
      },
      finish: () => {
        if (answer === undefined) return false;
        resolve(answer);
        return true;
      },
    }));
  }

  /**
   * Sends a Query and waits for its answer. `handlers.finish` returns false
   * when it has nothing to resolve with: the promise then fails with why the
   * wait ended (timeout, the device went offline).
   */
  private ask<T>(
    t: QueryTarget,
    cmdType: 'Catalog' | 'DeviceInfo' | 'DeviceStatus' | 'RecordInfo',
    handlers: (resolve: (v: T) => void) => { take(msg: ManscdpMessage): boolean; finish(failed: boolean): boolean },
    /** The Query body (RecordInfo names a channel and a range). */
    body: (sn: number) => string = (sn) => buildQuery(cmdType as 'Catalog', sn, t.deviceId),
  ): Promise<T> {
    const sn = this.nextSn();
    return new Promise<T>((resolve, reject) => {
      const h = handlers(resolve);
      const p: Pending = {
        deviceId: t.deviceId, cmdType, sn, take: h.take,
        finish: (failure) => {
          if (!h.finish(failure !== undefined)) reject(failure ?? new QueryError('timeout', `the ${cmdType} answer from ${t.deviceId} was incomplete`));
        },
        timer: setTimeout(() => {
          this.counts.timedOut++;
          this.settle(p, new QueryError('timeout', `no ${cmdType} answer from ${t.deviceId} within ${this.timeoutMs / 1000} s`));
        }, this.timeoutMs),
      };
      this.pending.set(key(t.deviceId, cmdType, sn), p);
      this.counts.sent++;
      this.sendMessage(t.remote, t.deviceId, body(sn), t.charset).then((status) => {
        if (status >= 300) {
          this.drop(p);
          reject(new QueryError('refused', `the device answered ${status} to the ${cmdType} query`));
        }
      }, (err: Error) => {
        this.drop(p);
        reject(err);
      });
    });
  }

  /** Sends a MESSAGE and returns the status of the device's answer to it. */
  private async sendMessage(remote: DeviceRemote, targetId: string, xml: string, charset: OutgoingCharset): Promise<number> {
    try {
      const response = await this.sip.request(remote, this.out.message(remote, targetId, xml, charset), { timeoutMs: this.timeoutMs });
      return response.status;
    } catch (err) {
      if (!(err instanceof SipError)) throw err;
      if (err.code === 'SIP_ERR_TIMEOUT') throw new QueryError('timeout', `${targetId} did not answer the MESSAGE within ${this.timeoutMs / 1000} s`);
      throw new QueryError('unreachable', `the MESSAGE did not reach ${targetId}: ${err.message}`);
    }
  }

  private settle(p: Pending, failure?: QueryError): void {
    if (!this.drop(p)) return;
    if (!failure) this.counts.answered++;
    p.finish(failure);
  }

  private drop(p: Pending): boolean {
    clearTimeout(p.timer);
    return this.pending.delete(key(p.deviceId, p.cmdType, p.sn));
  }

  /** Devices that answer with another SN: accept it when only one query of the kind is pending. */
  private soleFor(deviceId: string, cmdType: string): Pending | undefined {
    let found: Pending | undefined;
    for (const p of this.pending.values()) {
      if (p.deviceId !== deviceId || p.cmdType !== cmdType) continue;
      if (found) return undefined;
      found = p;
    }
    return found;
  }

  private nextSn(): number {
    this.sn = (this.sn + 1) % 1_000_000_000;
    return this.sn;
  }
}

const key = (deviceId: string, cmdType: string, sn: number) => `${deviceId}|${cmdType}|${sn}`;

export type { DeviceInfo, DeviceStatus };
